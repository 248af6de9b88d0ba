using System;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using Mono.Unix.Native;
using UserKernel.TestSupport;

namespace UserKernel.RootFs.Tests.Fixtures;

/// <summary>
/// A small host directory with one of each thing a tar can carry (hard links, symlinks, a FIFO,
/// nanosecond times, text and binary xattrs, owners), and tarballs of it made by GNU tar.
/// </summary>
public static class TarFixtures
{
    public const string Text = "etc/hostname";
    public const string HardA = "hard/a";
    public const string HardB = "hard/b";
    public const string Symlink = "etc/link";
    public const string LongSymlink = "etc/long-link";
    public const string Fifo = "run/fifo";
    public const string Capable = "bin/ping";
    public const string Empty = "var/empty";
    /// <summary>A capability set as setcap writes it: binary, not UTF-8.</summary>
    public static readonly byte[] CapabilityValue = [0x01, 0x00, 0x00, 0x02, 0x00, 0x20, 0x00, 0x00, 0xFF, 0xFE, 0x00, 0x00, 0, 0, 0, 0, 0, 0, 0, 0];
    public static readonly Timespec NanoTime = new() { tv_sec = 1614834367, tv_nsec = 123456789 };

    /// <summary>Makes the directory at <paramref name="root"/>; owners need root.</summary>
    public static void MakeTree(string root)
    {
        foreach (var dir in new[] { "etc", "hard", "run", "bin", "var/empty", "deep/a/b/c" })
        {
            Directory.CreateDirectory(Path.Combine(root, dir));
        }
        File.WriteAllText(Path.Combine(root, Text), "userkernel\n");
        File.WriteAllBytes(Path.Combine(root, HardA), Enumerable.Range(0, 70000).Select(i => (byte)(i * 7)).ToArray());
        Check(Syscall.link(Path.Combine(root, HardA), Path.Combine(root, HardB)), "link");
        File.CreateSymbolicLink(Path.Combine(root, Symlink), "hostname");
        File.CreateSymbolicLink(Path.Combine(root, LongSymlink), string.Concat(Enumerable.Repeat("long/", 40)) + "end");
        Check(Syscall.mkfifo(Path.Combine(root, Fifo), FilePermissions.S_IRUSR | FilePermissions.S_IWUSR), "mkfifo");
        File.WriteAllText(Path.Combine(root, Capable), "#!/bin/sh\n");
        Check(Syscall.chmod(Path.Combine(root, Capable), (FilePermissions)Convert.ToUInt32("4755", 8)), "chmod");
        Check(Syscall.lsetxattr(Path.Combine(root, Capable), "security.capability", CapabilityValue, XattrFlags.XATTR_AUTO), "lsetxattr");
        Check(Syscall.lsetxattr(Path.Combine(root, Text), "user.comment", "hello xattr"u8.ToArray(), XattrFlags.XATTR_AUTO), "lsetxattr");
        Check(Syscall.lchown(Path.Combine(root, Text), 1234, 5678), "lchown (run the tests as root)");
        Check(Syscall.lchown(Path.Combine(root, Symlink), 100000, 100001), "lchown (run the tests as root)");
        Check(Syscall.utimensat(Syscall.AT_FDCWD, Path.Combine(root, Text), [NanoTime, NanoTime], AtFlags.AT_SYMLINK_NOFOLLOW), "utimensat");
    }

    /// <summary>GNU tar of <paramref name="root"/>'s contents in pax format, with xattrs and nanosecond times; compressed by <paramref name="compressor"/> ("gzip", "xz", "zstd") when given.</summary>
    public static async Task<string> MakeTarballAsync(string root, string output, string? compressor = null)
    {
        string tar = compressor is null ? output : output + ".raw";
        await HostTool.RunAsync("tar", "tar", ["--xattrs", "--xattrs-include=*", "--format=pax", "--numeric-owner", "-C", root, "-cf", tar, "."]);
        if (compressor is not null)
        {
            string package = compressor switch { "xz" => "xz-utils", "zstd" => "zstd", _ => "gzip" };
            string tool = HostTool.Locate(compressor, package);
            await HostTool.RunAsync("sh", "dash", ["-c", "\"$1\" -c < \"$2\" > \"$3\"", "sh", tool, tar, output]);
        }
        return output;
    }

    private static void Check(int result, string what)
    {
        if (result != 0)
        {
            throw new InvalidOperationException($"{what} failed: {Stdlib.GetLastError()}");
        }
    }
}
