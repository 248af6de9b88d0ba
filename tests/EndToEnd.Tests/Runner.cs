using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using CliWrap;
using CliWrap.Buffered;
using UserKernel.TestSupport;

namespace UserKernel.EndToEnd.Tests;

/// <summary>What one run printed and how it ended.</summary>
public sealed record RunResult(int ExitCode, string StandardOutput, string StandardError)
{
    /// <summary>All three parts, for assertion messages.</summary>
    public override string ToString() =>
        $"exit status {ExitCode}\n--- stdout ---\n{StandardOutput}\n--- stderr ---\n{StandardError}--- end ---";
}

/// <summary>
/// Runs a guest command two ways: under userkernel (the built userkernel.dll next to the tests,
/// started with `dotnet`) and natively with chroot into the same image loop-mounted read-only.
/// Both start with the environment userkernel gives its guests: PATH, HOME=/root, TERM=dumb.
/// </summary>
public static class Runner
{
    /// <summary>The guest PATH userkernel sets (Tools' RunCommand.GuestPath).</summary>
    public const string GuestPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    /// <summary>How long one command may take before the test fails.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    /// <summary>The userkernel entry assembly, copied into the test output by the Tools project reference.</summary>
    public static string UserKernelDll
    {
        get
        {
            string dll = Path.Combine(AppContext.BaseDirectory, "userkernel.dll");
            if (!File.Exists(dll))
            {
                throw new InvalidOperationException($"{dll} is missing; EndToEnd.Tests must reference Tools/Tools.csproj");
            }
            return dll;
        }
    }

    /// <summary>Runs <c>dotnet userkernel.dll ARGS</c> (ARGS are userkernel's own: "run", "--image", …).</summary>
    public static Task<RunResult> UserKernelAsync(IEnumerable<string> userkernelArguments) =>
        RunAsync(Cli.Wrap("dotnet").WithArguments(["exec", UserKernelDll, .. userkernelArguments])
            .WithEnvironmentVariables(e => e.Set("TERM", "dumb")));

    /// <summary>
    /// Runs COMMAND as the guest's first process of a fresh userkernel over <paramref name="image"/> with a
    /// read-only root (--read-only), the match of <see cref="NativeAsync"/>'s read-only mount.
    /// </summary>
    public static Task<RunResult> GuestAsync(string image, params string[] command) =>
        UserKernelAsync(["run", "--read-only", "--image", image, "--", .. command]);

    /// <summary>Runs COMMAND under userkernel with its default writable root (the image under an in-memory overlay).</summary>
    public static Task<RunResult> WritableGuestAsync(string image, params string[] command) =>
        UserKernelAsync(["run", "--image", image, "--", .. command]);

    /// <summary>Runs COMMAND natively, chrooted into <paramref name="mountPoint"/>, with the guest's environment.</summary>
    public static Task<RunResult> NativeAsync(string mountPoint, params string[] command) =>
        RunAsync(Cli.Wrap(HostTool.Locate("env", "coreutils"))
            .WithArguments(["-i", "PATH=" + GuestPath, "HOME=/root", "TERM=dumb", HostTool.Locate("chroot", "coreutils"), mountPoint, .. command]));

    /// <summary>
    /// Runs COMMAND natively, chrooted into <paramref name="root"/> (writable: procfs is mounted on its /proc), in a pid
    /// namespace and mount namespace of its own (unshare), so the command is pid 1 and /proc shows its own processes, as
    /// under userkernel. Nothing is left mounted: the namespace goes with the command.
    /// </summary>
    public static Task<RunResult> NativeWithProcAsync(string root, params string[] command) =>
        RunAsync(Cli.Wrap(HostTool.Locate("unshare", "util-linux"))
            .WithArguments(["--pid", "--fork", "--mount", "--mount-proc=" + Path.Combine(root, "proc"),
                HostTool.Locate("env", "coreutils"), "-i", "PATH=" + GuestPath, "HOME=/root", "TERM=dumb", HostTool.Locate("chroot", "coreutils"), root, .. command]));

    /// <summary>
    /// Runs COMMAND natively under chroot with chroot's own arguments first (options such as --userspec and
    /// --groups, then the mount point), with the guest's environment.
    /// </summary>
    public static Task<RunResult> NativeChrootAsync(string[] chrootArguments, params string[] command) =>
        RunAsync(Cli.Wrap(HostTool.Locate("env", "coreutils"))
            .WithArguments(["-i", "PATH=" + GuestPath, "HOME=/root", "TERM=dumb", HostTool.Locate("chroot", "coreutils"), .. chrootArguments, .. command]));

    private static async Task<RunResult> RunAsync(Command command)
    {
        using var timeout = new CancellationTokenSource(Timeout);
        try
        {
            BufferedCommandResult result = await command
                .WithValidation(CommandResultValidation.None)
                .WithWorkingDirectory("/")
                .ExecuteBufferedAsync(Encoding.UTF8, timeout.Token);
            return new RunResult(result.ExitCode, result.StandardOutput, result.StandardError);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"{command} did not finish within {Timeout.TotalSeconds} s");
        }
    }
}
