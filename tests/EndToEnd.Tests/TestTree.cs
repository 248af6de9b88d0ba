using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using System.Threading.Tasks;
using UserKernel.TestSupport;

namespace UserKernel.EndToEnd.Tests;

/// <summary>
/// The source tree every end-to-end image is made from: the host's static busybox with its applet
/// links, /etc, and /data with the shapes path resolution and file reading care about (text, a 3 MiB
/// random file, a sparse file, a fragmented file with many extents, 2000 directory entries, symlink
/// chains and loops, a fifo and a character device). Every time stamp is fixed so listings are stable.
/// </summary>
public static class TestTree
{
    /// <summary>The mtime every entry gets (UTC, as the guest prints it: there is no /etc/localtime).</summary>
    public const string FixedTime = "2023-11-14 22:13:20";

    /// <summary>Number of files in /data/many.</summary>
    public const int ManyFiles = 2000;

    /// <summary>Guest programs also built with musl-gcc (stat.c needs glibc's statx wrapper).</summary>
    private static readonly string[] MuslPrograms = ["proc", "errno", "paths", "getdents", "threads", "signals", "pgrp", "wait", "inotify"];

    /// <summary>Builds the tree in <paramref name="root"/>; compiles tests/guest/*.c into /guest when <paramref name="withGuestPrograms"/>.</summary>
    public static async Task BuildAsync(string root, bool withGuestPrograms)
    {
        string busybox = HostTool.Locate("busybox", "busybox-static");
        Directory.CreateDirectory(Path.Combine(root, "bin"));
        File.Copy(busybox, Path.Combine(root, "bin", "busybox"));
        string applets = await HostTool.RunAsync("busybox", "busybox-static", ["--list-full"]);
        foreach (string applet in applets.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            string link = Path.Combine(root, applet);
            Directory.CreateDirectory(Path.GetDirectoryName(link)!);
            if (!File.Exists(link) && !Directory.Exists(link))
            {
                File.CreateSymbolicLink(link, "/bin/busybox");
            }
        }

        Write(root, "etc/passwd", "root:x:0:0:root:/root:/bin/sh\ndaemon:x:1:1:daemon:/usr/sbin:/bin/false\nuser:x:1000:1000:A User:/home/user:/bin/sh\n");
        Write(root, "etc/group", "root:x:0:\ndaemon:x:1:\nusers:x:100:user\n");
        Directory.CreateDirectory(Path.Combine(root, "dev"));
        Directory.CreateDirectory(Path.Combine(root, "root"));
        Directory.CreateDirectory(Path.Combine(root, "tmp"));

        await BuildDataAsync(Path.Combine(root, "data"));
        if (withGuestPrograms)
        {
            await CompileGuestProgramsAsync(Path.Combine(root, "guest"));
        }
        // touch -h sets the link's own time; -d is read in the host's zone, so pin it to UTC.
        await HostTool.RunAsync("env", "coreutils", ["TZ=UTC", "find", root, "-exec", "touch", "-h", "-d", FixedTime, "{}", "+"]);
        await HostTool.RunAsync("env", "coreutils", ["TZ=UTC", "touch", "-d", FixedTime + ".123456789", Path.Combine(root, "data", "nanos")]);
    }

    private static void SetXattr(string path, string name, string value)
    {
        if (Mono.Unix.Native.Syscall.setxattr(path, name, Encoding.UTF8.GetBytes(value)) != 0)
            throw new InvalidOperationException($"setxattr {path} {name}: {Mono.Unix.Native.Stdlib.GetLastError()} (the test tree's filesystem must keep user.* attributes)");
    }

    private static async Task BuildDataAsync(string data)
    {
        var text = new StringBuilder();
        for (int i = 1; i <= 40; i++)
        {
            text.Append(i % 7 == 0 ? $"line {i}: the needle is here\n" : $"line {i}: hay and more hay {i * i}\n");
        }
        Write(data, "text.txt", text.ToString());
        Write(data, "words", "pear\napple\nfig\napple\nbanana\ncherry\nfig\napple\nzucchini\nBanana\n");
        Write(data, "file with spaces.txt", "spaces are fine\n");
        Write(data, "nested/a/b/c/deep.txt", "deep down\nNEEDLE in caps\n");
        Write(data, "nested/a/b/other.txt", "other\n");
        Write(data, "nested/a/sibling.txt", "sibling\n");
        Write(data, "nested/top.txt", "top\n");
        Directory.CreateDirectory(Path.Combine(data, "nested", "empty"));
        Write(data, "nanos", "a file whose mtime has nanoseconds\n");
        // Extended attributes the image keeps (mke2fs -d copies them) for the guest to read and copy up.
        Write(data, "xattr/tagged", "a file with extended attributes\n");
        SetXattr(Path.Combine(data, "xattr", "tagged"), "user.colour", "blue");
        SetXattr(Path.Combine(data, "xattr", "tagged"), "user.empty", "");
        Write(data, "exec/noexec.sh", "#!/bin/sh\necho should not run\n");
        Write(data, "exec/script.sh", "#!/bin/sh\necho \"script ran: $0 $*\"\nexit 3\n");
        Write(data, "exec/badinterp.sh", "#!/no/such/interpreter\n");
        Write(data, "exec/empty", "");
        Write(data, "exec/garbage", "this is neither ELF nor a script\n\x01\x02\x03");
        File.SetUnixFileMode(Path.Combine(data, "exec/noexec.sh"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        foreach (string name in new[] { "script.sh", "badinterp.sh", "empty", "garbage" })
        {
            File.SetUnixFileMode(Path.Combine(data, "exec", name), (UnixFileMode)0b111_101_101);
        }

        var random = new byte[3 * 1024 * 1024];
        new Random(20231114).NextBytes(random);
        File.WriteAllBytes(Path.Combine(data, "random.bin"), random);

        using (var sparse = new FileStream(Path.Combine(data, "sparse.img"), FileMode.CreateNew))
        {
            sparse.Write("start of a sparse file\n"u8);
            sparse.Position = 4 * 1024 * 1024;
            sparse.Write("after a 4 MiB hole\n"u8);
            sparse.SetLength(6 * 1024 * 1024);
        }

        // 1 KiB of data every 64 KiB: each piece is its own extent (more than fit in the inode).
        using (var fragmented = new FileStream(Path.Combine(data, "fragmented.bin"), FileMode.CreateNew))
        {
            var piece = new byte[1024];
            for (int i = 0; i < 48; i++)
            {
                piece.AsSpan().Fill((byte)('A' + i % 26));
                fragmented.Position = i * 64L * 1024;
                fragmented.Write(piece);
            }
        }

        string many = Directory.CreateDirectory(Path.Combine(data, "many")).FullName;
        for (int i = 0; i < ManyFiles; i++)
        {
            File.WriteAllText(Path.Combine(many, $"file-{i:D4}-{(i * 7919) % 10007}"), i % 3 == 0 ? "" : $"{i}\n");
        }

        string links = Directory.CreateDirectory(Path.Combine(data, "links")).FullName;
        File.CreateSymbolicLink(Path.Combine(links, "rel"), "../text.txt");
        File.CreateSymbolicLink(Path.Combine(links, "abs"), "/data/text.txt");
        for (int i = 0; i < 9; i++)
        {
            File.CreateSymbolicLink(Path.Combine(links, $"chain{i}"), $"chain{i + 1}");
        }
        File.CreateSymbolicLink(Path.Combine(links, "chain9"), "/data/links/rel");
        File.CreateSymbolicLink(Path.Combine(links, "loop_a"), "loop_b");
        File.CreateSymbolicLink(Path.Combine(links, "loop_b"), "loop_a");
        File.CreateSymbolicLink(Path.Combine(links, "dangling"), "no/such/target");
        File.CreateSymbolicLink(Path.Combine(links, "dirlink"), "../nested");
        File.CreateSymbolicLink(Path.Combine(links, "rootlink"), "/");

        await HostTool.RunAsync("ln", "coreutils", [Path.Combine(data, "text.txt"), Path.Combine(data, "hardlink.txt")]);
        string types = Directory.CreateDirectory(Path.Combine(data, "types")).FullName;
        Write(types, "regular", "r\n");
        Directory.CreateDirectory(Path.Combine(types, "directory"));
        File.CreateSymbolicLink(Path.Combine(types, "symlink"), "regular");
        await HostTool.RunAsync("mkfifo", "coreutils", [Path.Combine(types, "fifo")]);
        await HostTool.RunAsync("mknod", "coreutils", [Path.Combine(types, "null"), "c", "1", "3"]);
    }

    private static async Task CompileGuestProgramsAsync(string guestDir)
    {
        Directory.CreateDirectory(guestDir);
        string sources = Path.Combine(AppContext.BaseDirectory, "guest");
        var builds = new List<Task>();
        foreach (string source in Directory.GetFiles(sources, "*.c"))
        {
            string name = Path.GetFileNameWithoutExtension(source);
            builds.Add(GuestCompiler.CompileGlibcAsync(source, Path.Combine(guestDir, name)));
            if (MuslPrograms.Contains(name))
            {
                builds.Add(GuestCompiler.CompileMuslAsync(source, Path.Combine(guestDir, name + ".musl")));
            }
        }
        await Task.WhenAll(builds);
    }

    /// <summary>sha256 of every regular file under <paramref name="root"/>, keyed by its absolute guest path.</summary>
    public static async Task<Dictionary<string, string>> Sha256OfRegularFilesAsync(string root)
    {
        // find -type f is the definition of "regular file" the guest side uses too (no fifos, devices, links).
        string listing = await HostTool.RunAsync("find", "findutils", [root, "-type", "f", "-print0"]);
        var hashes = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string path in listing.Split('\0', StringSplitOptions.RemoveEmptyEntries))
        {
            using var stream = File.OpenRead(path);
            hashes["/" + Path.GetRelativePath(root, path)] = Convert.ToHexStringLower(SHA256.HashData(stream));
        }
        return hashes;
    }

    private static void Write(string root, string relative, string content)
    {
        string path = Path.Combine(root, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
    }
}
