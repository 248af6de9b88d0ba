using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using CliWrap;
using CliWrap.Buffered;
using UserKernel.RootFs.Sources.HostPrograms;
using UserKernel.RootFs.Writer;

namespace UserKernel.Tools;

/// <summary>
/// The image `run` uses without --image: the host's busybox with a link per applet, made as
/// `image from-host` makes images (the program, its loader and libraries if it has any, a minimal
/// /etc) and written by the image writer, once, into the cache. Built before any tracing starts,
/// since asking busybox for its applets runs it as a child process.
/// </summary>
public static class DefaultImage
{
    /// <summary>The cached image's file name; a new name whenever what goes into it changes.</summary>
    private const string FileName = "default-busybox-v2.img";

    public static string EnsureBuilt()
    {
        string cacheDir = Path.Combine(Environment.GetEnvironmentVariable("XDG_CACHE_HOME") ??
            Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache"), "userkernel");
        string image = Path.Combine(cacheDir, FileName);
        if (File.Exists(image)) return image;

        string busybox = FindBusybox() ?? throw new UsageException(
            "no --image given and no busybox on this host to build the default image from (apt-get install busybox-static)");
        Directory.CreateDirectory(cacheDir);
        var source = new HostProgramSource();
        try
        {
            string inImage = source.AddProgram(busybox, "");
            foreach (string applet in Applets(busybox))
            {
                source.AddSymlink("/" + applet, inImage);
            }
            foreach (string dir in new[] { "/bin", "/sbin", "/usr/bin", "/usr/sbin", "/home" })
            {
                source.AddDirectory(dir);
            }
        }
        catch (IOException ex)
        {
            throw new UsageException("could not build the default image: " + ex.Message);
        }
        source.AddBaseSystem("userkernel default image: the host's busybox");
        // The writer writes to a temporary name and renames, so a crash leaves no half image in the cache.
        ImageWriter.Write(source.Tree, image);
        return image;
    }

    /// <summary>busybox on the usual paths or PATH, a static one first (it needs nothing else to run).</summary>
    private static string? FindBusybox()
    {
        var candidates = new List<string> { "/bin/busybox", "/usr/bin/busybox" };
        foreach (string dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries))
            candidates.Add(Path.Combine(dir, "busybox"));
        var present = candidates.Where(File.Exists).Distinct().ToList();
        return present.FirstOrDefault(p => ElfDependencies.TryRead(p) is { Interpreter: null }) ?? present.FirstOrDefault();
    }

    /// <summary>`busybox --list-full`: each applet's path without the leading slash ("bin/sh", "usr/bin/awk").</summary>
    private static IEnumerable<string> Applets(string busybox)
    {
        BufferedCommandResult list = Cli.Wrap(busybox).WithArguments("--list-full").WithValidation(CommandResultValidation.None)
            .ExecuteBufferedAsync().GetAwaiter().GetResult();
        if (list.ExitCode != 0)
            throw new UsageException($"{busybox} --list-full failed: {list.StandardError.Trim()}");
        return list.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(a => a.Length > 0 && !a.Contains(".."));
    }
}
