using System;
using System.Diagnostics;
using System.IO;
using System.IO.Enumeration;

namespace UserKernel.Tools;

/// <summary>
/// The ./userkernel launcher's staleness check, made here rather than in the script: a shell that tests every source
/// file forks nothing but still costs milliseconds, and this program reads the same directories in a fraction of one.
/// The launcher runs this program with USERKERNEL_LAUNCHER set to its own path when a build exists; if a source file
/// or directory (a file added, removed or renamed) is newer than the build's stamp, the launcher is run again with
/// USERKERNEL_STALE=1, which rebuilds and runs the fresh program with the same arguments, and its exit status is this
/// one's. A `run` makes the check on a second thread while it opens its image and makes its kernel, and waits for it
/// before its guest starts (<see cref="WaitForCheck"/>); any other command checks before it begins. Nothing of a run has
/// started by then. Run in any other way (directly, by the tests), no check is made.
/// </summary>
internal static class LauncherBuild
{
    private static readonly string[] SourceDirectories = ["Kernel", "SyscallBridge", "RootFs", "Tools"];
    private static readonly string[] SourceFiles = ["Directory.Build.props", "Directory.Packages.props"];

    // A run's check, made on a thread of its own while the run opens its image and makes its kernel.
    // (A thread of its own: the thread pool's first start costs more than the check.)
    private static System.Threading.Thread? pending;
    private static string? pendingLauncher;
    private static bool pendingStale;

    /// <summary>The launcher's exit status after a rebuild, or null when this build is fresh (or not the launcher's).</summary>
    public static int? RebuildIfStale(string[] args)
    {
        if (Launcher() is not { } launcher) return null;
        return IsStale(launcher) ? Rebuild(launcher, args) : null;
    }

    /// <summary>
    /// Starts the check for a `run`, which waits for it (<see cref="WaitForCheck"/>) only before its guest starts: the
    /// two cores of a small machine do the check and the run's first steps side by side.
    /// </summary>
    public static void StartCheck()
    {
        if (Launcher() is not { } launcher) return;
        pendingLauncher = launcher;
        pending = new System.Threading.Thread(() => pendingStale = IsStale(launcher), 256 * 1024) { IsBackground = true, Name = "userkernel-check" };
        pending.Start();
    }

    /// <summary>Throws <see cref="StaleBuildException"/> if the check <see cref="StartCheck"/> began found a newer source.</summary>
    public static void WaitForCheck()
    {
        if (pending is not { } check) return;
        pending = null;
        check.Join();
        if (pendingStale) throw new StaleBuildException(pendingLauncher!);
    }

    /// <summary>The launcher's exit status once it has rebuilt this program and run the new one with <paramref name="args"/>.</summary>
    public static int Rebuild(string launcher, string[] args)
    {
        var start = new ProcessStartInfo("/bin/sh") { UseShellExecute = false };
        start.ArgumentList.Add(launcher);
        foreach (string a in args) start.ArgumentList.Add(a);
        start.Environment["USERKERNEL_STALE"] = "1";
        using Process build = Process.Start(start) ?? throw new IOException("cannot run " + launcher);
        build.WaitForExit();
        return build.ExitCode;
    }

    /// <summary>The launcher's path if it ran this program and left the check to it, else null.</summary>
    private static string? Launcher()
    {
        string? launcher = Environment.GetEnvironmentVariable("USERKERNEL_LAUNCHER");
        if (string.IsNullOrEmpty(launcher)) return null;
        Environment.SetEnvironmentVariable("USERKERNEL_LAUNCHER", null); // the check is this process's only
        return launcher;
    }

    private static bool IsStale(string launcher)
    {
        string root = Path.GetDirectoryName(launcher) is { Length: > 0 } dir ? dir : ".";
        var stamp = new FileInfo(Path.Combine(root, ".build", "userkernel", ".sources-checked"));
        return !stamp.Exists || NewerThan(root, stamp.LastWriteTimeUtc);
    }

    /// <summary>Whether any source file or directory (bin and obj left out) was changed after <paramref name="built"/>.</summary>
    internal static bool NewerThan(string root, DateTime built)
    {
        foreach (string name in SourceFiles)
            if (File.GetLastWriteTimeUtc(Path.Combine(root, name)) > built) return true;
        foreach (string name in SourceDirectories)
        {
            var top = new DirectoryInfo(Path.Combine(root, name));
            if (!top.Exists) continue;
            if (top.LastWriteTimeUtc > built) return true;
            var changed = new FileSystemEnumerable<bool>(top.FullName, (ref FileSystemEntry e) => true,
                new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0, IgnoreInaccessible = true })
            {
                ShouldIncludePredicate = (ref FileSystemEntry e) => !IsBuildOutput(ref e) && e.LastWriteTimeUtc.UtcDateTime > built,
                ShouldRecursePredicate = (ref FileSystemEntry e) => !IsBuildOutput(ref e),
            };
            foreach (bool _ in changed) return true;
        }
        return false;
    }

    private static bool IsBuildOutput(ref FileSystemEntry e) => e.IsDirectory && e.FileName is "bin" or "obj";
}

/// <summary>A run found its program older than its sources before its guest started: the launcher rebuilds and runs it again.</summary>
internal sealed class StaleBuildException(string launcher) : Exception("the program is older than its sources")
{
    public string Launcher { get; } = launcher;
}
