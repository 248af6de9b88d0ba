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
/// one's. Nothing of a run has started by then. Run in any other way (directly, by the tests), no check is made.
/// </summary>
internal static class LauncherBuild
{
    private static readonly string[] SourceDirectories = ["Kernel", "SyscallBridge", "RootFs", "Tools"];
    private static readonly string[] SourceFiles = ["Directory.Build.props", "Directory.Packages.props"];

    /// <summary>The launcher's exit status after a rebuild, or null when this build is fresh (or not the launcher's).</summary>
    public static int? RebuildIfStale(string[] args)
    {
        string? launcher = Environment.GetEnvironmentVariable("USERKERNEL_LAUNCHER");
        if (string.IsNullOrEmpty(launcher)) return null;
        Environment.SetEnvironmentVariable("USERKERNEL_LAUNCHER", null); // the check is this process's only
        string root = Path.GetDirectoryName(launcher) is { Length: > 0 } dir ? dir : ".";
        var stamp = new FileInfo(Path.Combine(root, ".build", "userkernel", ".sources-checked"));
        if (stamp.Exists && !NewerThan(root, stamp.LastWriteTimeUtc)) return null;

        var start = new ProcessStartInfo("/bin/sh") { UseShellExecute = false };
        start.ArgumentList.Add(launcher);
        foreach (string a in args) start.ArgumentList.Add(a);
        start.Environment["USERKERNEL_STALE"] = "1";
        using Process build = Process.Start(start) ?? throw new IOException("cannot run " + launcher);
        build.WaitForExit();
        return build.ExitCode;
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
