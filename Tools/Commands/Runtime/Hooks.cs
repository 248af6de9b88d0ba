using System;
using System.Collections.Generic;
using System.Diagnostics;

namespace UserKernel.Tools.Commands.Runtime;

/// <summary>
/// OCI hooks: host programs run by the runtime at points of the lifecycle, each given the container's state on its
/// standard input. createRuntime, createContainer and prestart run at the end of `create`, poststart after `start`,
/// poststop at `delete`. All run in the runtime's (the host's) namespaces: the container has no namespaces of its own
/// to enter, so createContainer and startContainer cannot run inside it (startContainer is refused with a warning).
/// A failing hook before start fails the command; a failing poststart or poststop hook is a warning, as the spec says.
/// </summary>
internal static class Hooks
{
    public static void Run(BundleSpec spec, string kind, ContainerState state, RuntimeLog log, bool failIsError)
    {
        if (!spec.Hooks.TryGetValue(kind, out IReadOnlyList<SpecHook>? hooks)) return;
        byte[] stdin = state.ToJson(includePrivate: false);
        foreach (SpecHook hook in hooks)
        {
            string? failure = RunOne(hook, stdin);
            if (failure == null) continue;
            string message = $"{kind} hook {hook.Path}: {failure}";
            if (failIsError) throw new UsageException(message);
            log.Warn(message);
        }
    }

    private static string? RunOne(SpecHook hook, byte[] stdin)
    {
        var start = new ProcessStartInfo(hook.Path) { UseShellExecute = false, RedirectStandardInput = true };
        for (int i = 1; i < hook.Args.Count; i++) start.ArgumentList.Add(hook.Args[i]); // args[0] is the program's own name
        start.Environment.Clear();
        foreach (string kv in hook.Env)
            if (kv.IndexOf('=') is > 0 and int eq) start.Environment[kv[..eq]] = kv[(eq + 1)..];
        Process process;
        try { process = Process.Start(start)!; }
        catch (System.ComponentModel.Win32Exception ex) { return ex.Message; }
        using (process)
        {
            try
            {
                process.StandardInput.BaseStream.Write(stdin);
                process.StandardInput.Close();
            }
            catch (System.IO.IOException) { } // a hook need not read its input
            if (!process.WaitForExit(hook.Timeout is > 0 and int t ? t * 1000 : -1))
            {
                process.Kill();
                return $"timed out after {hook.Timeout} s";
            }
            return process.ExitCode == 0 ? null : $"exit status {process.ExitCode}";
        }
    }
}
