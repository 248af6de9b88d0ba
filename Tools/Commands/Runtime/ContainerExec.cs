using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading;
using UserKernel.SyscallBridge.Launch;

namespace UserKernel.Tools.Commands.Runtime;

/// <summary>
/// `exec`: another program in a running container. This process sends the program's process object and its own
/// standard streams (or a new pty's slave, whose master goes to --console-socket) to the sandbox (<see cref="ExecServer"/>),
/// passes on the signals it gets, and exits with the program's status: to the engine it stands for the program, as
/// runsc's exec does. With --detach a copy of it does that, and its pid is the one in --pid-file.
/// </summary>
internal static class ContainerExec
{
    public static int Execute(RuntimeContext context, CommandArgs a)
    {
        bool detach = a.Flag("--detach", "-d");
        bool tty = a.Flag("--tty", "-t");
        a.Flag("--no-new-privs");
        bool removeProcess = a.Flag("--remove-process"); // the --detach stand-in's own request file
        string? processFile = a.Option("--process", "-p");
        string? pidFile = a.Option("--pid-file");
        string? consoleSocket = a.Option("--console-socket");
        string? cwd = a.Option("--cwd");
        List<string> env = a.Options("--env", "-e");
        string? user = a.Option("--user", "-u");
        List<string> addCaps = a.Options("--cap", "-c");
        if (a.Option("--preserve-fds") is { } n && n != "0") context.Log.Warn($"exec --preserve-fds {n}: only 0, 1 and 2 reach the program");
        foreach (string ignored in new[] { "--process-label", "--apparmor", "--cgroup" })
            if (a.Option(ignored) is { } v) context.Log.Info($"exec {ignored} {v}: ignored");
        string id = a.Id();
        ContainerState state = ContainerState.Load(context.Root, id);
        if (state.Status != ContainerStatus.Running)
            throw new UsageException($"cannot exec in container '{id}': it is {ContainerState.StatusName(state.Status)}, not running");

        string process = processFile != null
            ? File.ReadAllText(processFile)
            : ProcessFromOptions(context.Root, state, a.Positional.Skip(1).ToList(), tty, cwd, env, user, addCaps);
        if (removeProcess && processFile != null) File.Delete(processFile);
        bool terminal = JsonNode.Parse(process)?["terminal"]?.GetValue<bool>() ?? false;
        if (terminal && consoleSocket == null) throw new UsageException("exec: the process wants a terminal: --console-socket is needed");
        if (!terminal && consoleSocket != null) throw new UsageException("exec: --console-socket given, but the process has no terminal");

        string dir = ContainerState.Directory(context.Root, id);
        if (detach) return Detach(context, dir, id, process, pidFile, consoleSocket);
        int starter = removeProcess ? Tmds.Linux.LibC.getppid() : 0;
        int status = Run(context, dir, process, pidFile, consoleSocket, terminal);
        if (removeProcess) AwaitAdoption(starter);
        return status;
    }

    /// <summary>
    /// The --detach stand-in's status is the program's, for the engine, which adopts the stand-in (as a subreaper) once
    /// `exec --detach` has ended. A stand-in that ended first would be reaped by `exec --detach` (.NET reaps the children
    /// it starts), and the engine would never learn the status: podman exec answered 255 for a short program.
    /// </summary>
    private static void AwaitAdoption(int starter)
    {
        for (int waited = 0; Tmds.Linux.LibC.getppid() == starter && waited < 10_000; waited++) Thread.Sleep(1);
    }

    /// <summary>A process object from the container's own (its env, cwd and user) with the command line's changes.</summary>
    private static string ProcessFromOptions(string root, ContainerState state, List<string> command, bool tty, string? cwd, List<string> env,
        string? user, List<string> addCaps)
    {
        if (command.Count == 0) throw new UsageException("exec: no command given (and no --process)");
        string saved = ContainerState.ConfigPath(root, state.Id);
        JsonNode config = JsonNode.Parse(File.ReadAllText(File.Exists(saved) ? saved : Path.Combine(state.Bundle, "config.json")))!;
        JsonObject process = config["process"]?.AsObject() ?? new JsonObject();
        process = (JsonObject)process.DeepClone();
        process["args"] = new JsonArray(command.Select(c => (JsonNode?)c).ToArray());
        process["terminal"] = tty;
        if (cwd != null) process["cwd"] = cwd;
        if (env.Count > 0)
        {
            var all = (process["env"]?.AsArray().Select(e => e!.GetValue<string>()) ?? []).ToList();
            foreach (string e in env)
            {
                string key = e.Split('=')[0] + "=";
                all.RemoveAll(x => x.StartsWith(key, StringComparison.Ordinal));
                all.Add(e);
            }
            process["env"] = new JsonArray(all.Select(x => (JsonNode?)x).ToArray());
        }
        if (user != null)
        {
            string[] ids = user.Split(':');
            if (!uint.TryParse(ids[0], out uint uid) || (ids.Length > 1 && !uint.TryParse(ids[1], out _)))
                throw new UsageException($"exec: --user wants UID[:GID], not '{user}'");
            process["user"] = new JsonObject { ["uid"] = uid, ["gid"] = ids.Length > 1 ? uint.Parse(ids[1], System.Globalization.CultureInfo.InvariantCulture) : 0u };
        }
        if (addCaps.Count > 0 && process["capabilities"] is JsonObject caps)
            foreach (string set in new[] { "effective", "permitted", "bounding", "inheritable" })
                if (caps[set] is JsonArray list) foreach (string c in addCaps) list.Add((JsonNode?)JsonValue.Create(c));
        return process.ToJsonString();
    }

    /// <summary>--detach: a copy of this command without it stays as the program's stand-in; it writes the pid file once the program runs.</summary>
    private static int Detach(RuntimeContext context, string dir, string id, string process, string? pidFile, string? consoleSocket)
    {
        string request = Path.Combine(dir, $"exec-{Guid.NewGuid():N}.json");
        File.WriteAllText(request, process);
        pidFile ??= request + ".pid";
        var args = new List<string>(context.GlobalArgs) { "exec", "--process", request, "--pid-file", pidFile, "--remove-process" };
        if (consoleSocket != null) args.AddRange(["--console-socket", consoleSocket]);
        args.Add(id);
        using Process standIn = RuntimeCommand.StartSelf(args);
        while (!File.Exists(pidFile) && !standIn.HasExited) Thread.Sleep(5);
        if (File.Exists(pidFile)) return 0;
        standIn.WaitForExit();
        return standIn.ExitCode == 0 ? ExitCodes.RunnerError : standIn.ExitCode;
    }

    private static int Run(RuntimeContext context, string dir, string process, string? pidFile, string? consoleSocket, bool terminal)
    {
        var stdio = new[] { 0, 1, 2 };
        int slave = -1;
        if (terminal)
        {
            (int master, string slavePath) = ContainerConsole.OpenPty();
            try
            {
                slave = ContainerConsole.OpenSlave(slavePath);
                ContainerConsole.SendMaster(consoleSocket!, master, slavePath);
            }
            finally { Mono.Unix.Native.Syscall.close(master); }
            stdio = [slave, slave, slave];
        }

        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        (string name, int dirFd) = ExecServer.SocketAddress(dir);
        try { socket.Connect(new UnixDomainSocketEndPoint(name)); }
        catch (SocketException ex) { throw new UsageException($"exec: cannot reach the container's sandbox: {ex.Message}"); }
        finally { if (dirFd >= 0) Mono.Unix.Native.Syscall.close(dirFd); }
        byte[] json = Encoding.UTF8.GetBytes(process);
        byte[] message = [.. BitConverter.GetBytes(json.Length), .. json];
        if (!DescriptorPassing.Send((int)socket.Handle, message.AsSpan(0, Math.Min(message.Length, 4096)), stdio))
            throw new UsageException("exec: cannot send the request to the sandbox");
        if (message.Length > 4096) socket.Send(message, 4096, message.Length - 4096, SocketFlags.None);
        if (slave >= 0) Mono.Unix.Native.Syscall.close(slave);

        var reader = new StreamReader(new NetworkStream(socket, ownsSocket: false), Encoding.UTF8);
        string? reply = reader.ReadLine();
        if (reply == null) throw new UsageException("exec: the sandbox closed the connection");
        if (reply.StartsWith("failed ", StringComparison.Ordinal))
        {
            string[] parts = reply.Split(' ', 3);
            context.Log.Error("exec: " + (parts.Length > 2 ? parts[2] : reply));
            return int.TryParse(parts[1], out int code) ? code : ExitCodes.RunnerError;
        }
        if (pidFile != null) File.WriteAllText(pidFile, Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        using var relay = new SignalRelay(signal =>
        {
            try { socket.Send(Encoding.ASCII.GetBytes($"signal {signal}\n")); }
            catch (SocketException) { }
        });
        reply = reader.ReadLine();
        if (reply == null || !reply.StartsWith("exited ", StringComparison.Ordinal) || !int.TryParse(reply[7..], out int status))
        {
            context.Log.Error("exec: the sandbox ended before the program did");
            return ExitCodes.RunnerError;
        }
        return status;
    }
}
