using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using CliWrap;
using CliWrap.Buffered;

namespace UserKernel.Tools;

/// <summary>
/// The image `run` uses without --image: the host's static busybox with a link per applet and a minimal /etc,
/// made into an ext4 image by mke2fs once and cached. Built before any tracing starts, since host tools
/// run as child processes of the kernel.
/// </summary>
public static class DefaultImage
{
    public static string EnsureBuilt()
    {
        string cacheDir = Path.Combine(Environment.GetEnvironmentVariable("XDG_CACHE_HOME") ??
            Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache"), "userkernel");
        string image = Path.Combine(cacheDir, "default-busybox.img");
        if (File.Exists(image)) return image;

        string busybox = FindStaticBusybox() ?? throw new UsageException(
            "no --image given and no static busybox on this host to build the default image from (apt-get install busybox-static)");
        Directory.CreateDirectory(cacheDir);
        string tree = Path.Combine(cacheDir, $"rootfs-{Environment.ProcessId}");
        string partial = image + $".{Environment.ProcessId}.tmp";
        try
        {
            BuildTree(busybox, tree);
            BufferedCommandResult r = Cli.Wrap("mke2fs").WithArguments(["-q", "-F", "-t", "ext4", "-d", tree, partial, "64M"])
                .WithValidation(CommandResultValidation.None).ExecuteBufferedAsync().GetAwaiter().GetResult();
            if (r.ExitCode != 0) throw new UsageException($"mke2fs could not build the default image: {r.StandardError.Trim()}");
            File.Move(partial, image, overwrite: true);
            return image;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            throw new UsageException("mke2fs is needed to build the default image (apt-get install e2fsprogs)");
        }
        finally
        {
            if (Directory.Exists(tree)) Directory.Delete(tree, recursive: true);
            if (File.Exists(partial)) File.Delete(partial);
        }
    }

    private static string? FindStaticBusybox()
    {
        var candidates = new List<string> { "/bin/busybox", "/usr/bin/busybox" };
        foreach (string dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries))
            candidates.Add(Path.Combine(dir, "busybox"));
        return candidates.FirstOrDefault(p => File.Exists(p) && IsStaticElf(p));
    }

    private static bool IsStaticElf(string path)
    {
        byte[] head = new byte[4096];
        using (FileStream f = File.OpenRead(path)) f.ReadExactly(head, 0, (int)Math.Min(head.Length, f.Length));
        return head[0] == 0x7f && head[1] == 'E' && !Encoding.ASCII.GetString(head).Contains("ld-linux", StringComparison.Ordinal);
    }

    private static void BuildTree(string busybox, string tree)
    {
        foreach (string d in new[] { "bin", "sbin", "usr/bin", "usr/sbin", "etc", "root", "tmp", "dev", "proc", "sys", "home" })
            Directory.CreateDirectory(Path.Combine(tree, d));
        File.Copy(busybox, Path.Combine(tree, "bin/busybox"));
        BufferedCommandResult list = Cli.Wrap(busybox).WithArguments("--list-full").WithValidation(CommandResultValidation.None)
            .ExecuteBufferedAsync().GetAwaiter().GetResult();
        foreach (string applet in list.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            string link = Path.Combine(tree, applet.Trim());
            if (File.Exists(link) || applet.Trim() == "bin/busybox") continue;
            Directory.CreateDirectory(Path.GetDirectoryName(link)!);
            File.CreateSymbolicLink(link, "/bin/busybox");
        }
        File.WriteAllText(Path.Combine(tree, "etc/passwd"), "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n");
        File.WriteAllText(Path.Combine(tree, "etc/group"), "root:x:0:\nnogroup:x:65534:\n");
        File.WriteAllText(Path.Combine(tree, "etc/hostname"), "userkernel\n");
        File.WriteAllText(Path.Combine(tree, "etc/os-release"), "NAME=\"userkernel busybox\"\nID=busybox\n");
    }
}
