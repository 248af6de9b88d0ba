using System;
using UserKernel.Kernel.Trace;
using UserKernel.RootFs.Image;
using UserKernel.SyscallBridge.Launch;
using UserKernel.Tools.CommandLine;

namespace UserKernel.Tools;

/// <summary>The userkernel command: `run` a guest command, list the `syscalls` table, make `image`s, report on a `trace`.</summary>
public static class Program
{
    public static int Main(string[] args)
    {
        StartupProfile.Mark("Main");
        try
        {
            // A run checks its build beside its first steps; any other command before it begins.
            // (A word asking for help, even the guest's, makes it check first: help shows no guest to wait for.)
            if (args.Length > 0 && args[0] == "run" && !Array.Exists(args, a => a is "-h" or "--help" or "-?")) LauncherBuild.StartCheck();
            else if (LauncherBuild.RebuildIfStale(args) is int rebuilt) return rebuilt;
            StartupProfile.Mark("launcher's build checked");
            return UserKernelCli.Invoke(args, Console.Out);
        }
        catch (StaleBuildException ex) { return LauncherBuild.Rebuild(ex.Launcher, args); }
        catch (UsageException ex) { return Fail(ex.Message); }
        catch (ImageFormatException ex) { return Fail(ex.Message); }
        // The host refused a file userkernel itself reads or writes (permissions, a full disk, /proc): one line.
        catch (Exception ex) when (ex is System.IO.IOException or UnauthorizedAccessException) { return Fail(ex.Message); }
        catch (GuestStartException ex) { return Fail(ex.Message); }
    }

    private static int Fail(string message)
    {
        Console.Error.WriteLine("userkernel: " + message);
        return ExitCodes.RunnerError;
    }
}
