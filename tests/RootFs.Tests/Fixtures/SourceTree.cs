using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using Mono.Unix.Native;
using UserKernel.TestSupport;

namespace UserKernel.RootFs.Tests.Fixtures;

/// <summary>
/// The directory tree every test image is built from: one of each file type and layout the
/// reader must handle. Paths are relative to <see cref="Root"/>, with "/" separators.
/// </summary>
public sealed class SourceTree
{
    public const string SmallFile = "small.txt";
    public const string EmptyFile = "empty";
    public const string LargeFile = "large.bin";
    public const string OddSizeFile = "odd-size.bin";
    /// <summary>1 KiB of data at the start of each MiB for 12 MiB: a dozen extents, holes between.</summary>
    public const string SparseFile = "sparse.bin";
    /// <summary>
    /// 4 KiB of data, then a hole to 3 MiB. mke2fs 1.47.0 with inline_data loses the trailing hole
    /// (debugfs agrees: i_size stops at the last block written), so tests skip it on such images.
    /// </summary>
    public const string TrailingHoleFile = "trailing-hole.bin";
    /// <summary>400 chunks of 1 KiB every 4 KiB: 400 extents with 1 KiB blocks, an extent tree of depth 2.</summary>
    public const string DeepSparseFile = "deep-sparse.bin";
    /// <summary>Data at 65 MiB: past 12 + 256 + 256² blocks, so triple-indirect with 1 KiB blocks.</summary>
    public const string FarSparseFile = "far-sparse.bin";
    /// <summary>1 MiB of hole; the fixture fallocates it into an unwritten extent on extent images.</summary>
    public const string UnwrittenFile = "unwritten.bin";
    public const string FastSymlink = "links/fast";
    public const string SlowSymlink = "links/slow";
    public const string LongSymlink = "links/long";
    public const string HardLinkA = "hard/a";
    public const string HardLinkB = "hard/b";
    public const string Fifo = "dev/fifo";
    public const string CharDeviceOld = "dev/chr-old";
    public const string CharDeviceNew = "dev/chr-new";
    public const string BlockDevice = "dev/blk";
    public const string Socket = "dev/sock";
    public const string HighOwner = "owner-high";
    public const string NanoTime = "times/nano";
    public const string FutureTime = "times/future";
    public const string OldTime = "times/old";
    public const string BigDir = "big";
    public const int BigDirEntries = 3000;
    /// <summary>1500 names of 200 bytes: with 1 KiB blocks the htree needs a level of index nodes.</summary>
    public const string DeepHtreeDir = "deep-htree";
    public const int DeepHtreeEntries = 1500;
    public const string InlineDir = "tiny";
    public const string RawNamesDir = "rawnames";

    /// <summary>2021-03-04 05:06:07.123456789 UTC.</summary>
    public static readonly Timespec NanoTimeValue = new() { tv_sec = 1614834367, tv_nsec = 123456789 };
    /// <summary>2040-01-02 03:04:05.5 UTC, past 2038: needs the epoch bits.</summary>
    public static readonly Timespec FutureTimeValue = new() { tv_sec = 2209086245, tv_nsec = 500000000 };
    /// <summary>1960-06-01 00:00:00.25 UTC: negative seconds.</summary>
    public static readonly Timespec OldTimeValue = new() { tv_sec = -302659200, tv_nsec = 250000000 };

    /// <summary>Names in <see cref="RawNamesDir"/>, as bytes: not valid UTF-8, a tab, 255 bytes.</summary>
    public static readonly byte[][] RawNames =
    [
        [(byte)'r', (byte)'a', (byte)'w', (byte)'-', 0xFF, 0xFE, 0x80],
        "tab\tname"u8.ToArray(),
        Enumerable.Repeat((byte)'n', 255).ToArray(),
    ];

    private SourceTree(string root) => Root = root;

    public string Root { get; }

    /// <summary>Why the root-only parts (device nodes, chown) could not be made; null when they were.</summary>
    public string? RootProblem { get; private set; }

    public string Full(string relative) => Path.Combine(Root, relative);

    /// <summary>Every path in the tree except the raw-name files (.NET cannot open those by name), relative, directories included.</summary>
    public IReadOnlyList<string> AllPaths() =>
        Directory.EnumerateFileSystemEntries(Root, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 })
            .Select(p => Path.GetRelativePath(Root, p))
            .Where(p => !p.StartsWith(RawNamesDir + "/", StringComparison.Ordinal))
            .OrderBy(p => p, StringComparer.Ordinal)
            .ToList();

    /// <summary>The S_IFMT bits of a source path's mode (lstat, so symlinks are symlinks).</summary>
    public ushort TypeOf(string relative) => (ushort)((uint)Lstat(Full(relative)).st_mode & 0xF000);

    public static Stat Lstat(string path)
    {
        if (Syscall.lstat(path, out var stat) != 0)
        {
            throw new InvalidOperationException($"lstat {path}: {Stdlib.GetLastError()}");
        }
        return stat;
    }

    public static async Task<SourceTree> BuildAsync(string root)
    {
        var tree = new SourceTree(root);
        Directory.CreateDirectory(root);
        var random = new Random(20240229);

        File.WriteAllText(tree.Full(SmallFile), "hello, ext4\n");
        File.WriteAllBytes(tree.Full(EmptyFile), []);
        File.WriteAllBytes(tree.Full(LargeFile), Bytes(random, 5 * 1024 * 1024 + 123));
        File.WriteAllBytes(tree.Full(OddSizeFile), Bytes(random, 3 * 4097 + 1));
        File.WriteAllBytes(tree.Full("random-100k"), Bytes(random, 100 * 1024));
        File.WriteAllBytes(tree.Full("zeros.bin"), new byte[64 * 1024]);
        WriteSparse(tree.Full(SparseFile), random, chunks: 12, stride: 1024 * 1024, chunk: 1024, length: 11 * 1024 * 1024 + 1024);
        WriteSparse(tree.Full(TrailingHoleFile), random, chunks: 1, stride: 0, chunk: 4096, length: 3 * 1024 * 1024);
        WriteSparse(tree.Full(DeepSparseFile), random, chunks: 400, stride: 4096, chunk: 1024, length: 400 * 4096);
        using (var far = File.OpenWrite(tree.Full(FarSparseFile)))
        {
            far.Write(Bytes(random, 1024));
            far.Position = 65L * 1024 * 1024;
            far.Write(Bytes(random, 4096));
        }
        using (var hole = File.OpenWrite(tree.Full(UnwrittenFile)))
        {
            hole.SetLength(1024 * 1024);
        }

        Directory.CreateDirectory(tree.Full("links"));
        File.CreateSymbolicLink(tree.Full(FastSymlink), "../small.txt");
        File.CreateSymbolicLink(tree.Full(SlowSymlink), new string('s', 90) + "/target-over-60-bytes");
        File.CreateSymbolicLink(tree.Full(LongSymlink), string.Concat(Enumerable.Repeat("dir/", 250)));
        File.CreateSymbolicLink(tree.Full("links/dangling"), "nowhere");

        Directory.CreateDirectory(tree.Full("hard"));
        File.WriteAllText(tree.Full(HardLinkA), "linked twice\n");
        Check(Syscall.link(tree.Full(HardLinkA), tree.Full(HardLinkB)), "link");

        Directory.CreateDirectory(tree.Full("modes"));
        foreach (var (name, mode) in new[] { ("none", "0"), ("setuid", "4755"), ("setgid", "2755"), ("private", "600"), ("readonly", "444") })
        {
            File.WriteAllText(tree.Full($"modes/{name}"), name);
            Check(Syscall.chmod(tree.Full($"modes/{name}"), (FilePermissions)Convert.ToUInt32(mode, 8)), "chmod");
        }
        Directory.CreateDirectory(tree.Full("modes/sticky"));
        Check(Syscall.chmod(tree.Full("modes/sticky"), (FilePermissions)Convert.ToUInt32("1777", 8)), "chmod");

        Directory.CreateDirectory(tree.Full("times"));
        foreach (var (name, time) in new[] { (NanoTime, NanoTimeValue), (FutureTime, FutureTimeValue), (OldTime, OldTimeValue) })
        {
            File.WriteAllText(tree.Full(name), name);
            Check(Syscall.utimensat(Syscall.AT_FDCWD, tree.Full(name), [time, time], AtFlags.AT_SYMLINK_NOFOLLOW), "utimensat");
        }

        Directory.CreateDirectory(tree.Full(BigDir));
        for (int i = 0; i < BigDirEntries; i++)
        {
            File.WriteAllBytes(tree.Full($"{BigDir}/{BigName(i)}"), []);
        }
        Directory.CreateDirectory(tree.Full(DeepHtreeDir));
        for (int i = 0; i < DeepHtreeEntries; i++)
        {
            File.WriteAllBytes(tree.Full($"{DeepHtreeDir}/{i:D5}-{new string('y', 194)}"), []);
        }

        Directory.CreateDirectory(tree.Full(InlineDir));
        File.WriteAllText(tree.Full($"{InlineDir}/a"), "abc");
        File.WriteAllBytes(tree.Full($"{InlineDir}/b"), Bytes(random, 100));
        File.WriteAllBytes(tree.Full($"{InlineDir}/c"), Bytes(random, 59));
        Directory.CreateDirectory(tree.Full($"{InlineDir}/sub"));

        Directory.CreateDirectory(tree.Full(RawNamesDir));
        await MakeRawNamesAsync(tree.Full(RawNamesDir));

        File.WriteAllText(tree.Full(HighOwner), "owned by 123456:654321\n");
        Directory.CreateDirectory(tree.Full("dev"));
        // mknod makes socket inodes without privilege (a bound .NET socket unlinks its file on dispose).
        Check(Syscall.mknod(tree.Full(Socket), FilePermissions.S_IFSOCK | FilePermissions.S_IRUSR | FilePermissions.S_IWUSR, 0), "mknod socket");
        Check(Syscall.mkfifo(tree.Full(Fifo), FilePermissions.S_IRUSR | FilePermissions.S_IWUSR), "mkfifo");
        tree.RootProblem = TryRootOnlyParts(tree);
        return tree;
    }

    /// <summary>Names in <see cref="BigDir"/>: varied lengths, so the hash order differs from the creation order.</summary>
    public static string BigName(int i) => $"entry-{i:D4}-{new string('x', i % 37)}";

    private static string? TryRootOnlyParts(SourceTree tree)
    {
        var devices = new (string Path, FilePermissions Type, uint Major, uint Minor)[]
        {
            (CharDeviceOld, FilePermissions.S_IFCHR, 4, 66),
            (CharDeviceNew, FilePermissions.S_IFCHR, 300, 70000),
            (BlockDevice, FilePermissions.S_IFBLK, 7, 200),
        };
        foreach (var (path, type, major, minor) in devices)
        {
            if (Syscall.mknod(tree.Full(path), type | FilePermissions.S_IRUSR | FilePermissions.S_IWUSR, MakeDev(major, minor)) != 0)
            {
                return $"mknod {path} failed ({Stdlib.GetLastError()}): these tests must run as root";
            }
        }
        if (Syscall.chown(tree.Full(SmallFile), 1234, 5678) != 0
            || Syscall.chown(tree.Full(HighOwner), 123456, 654321) != 0
            || Syscall.lchown(tree.Full(FastSymlink), 42, 43) != 0)
        {
            return $"chown failed ({Stdlib.GetLastError()}): these tests must run as root";
        }
        Check(Syscall.chmod(tree.Full(SmallFile), (FilePermissions)Convert.ToUInt32("640", 8)), "chmod");
        var nano = NanoTimeValue;
        Check(Syscall.utimensat(Syscall.AT_FDCWD, tree.Full(SmallFile), [nano, nano], AtFlags.AT_SYMLINK_NOFOLLOW), "utimensat");
        return null;
    }

    /// <summary>glibc's makedev.</summary>
    public static ulong MakeDev(uint major, uint minor) =>
        (minor & 0xFFUL) | ((major & 0xFFFUL) << 8) | ((minor & ~0xFFUL) << 12) | ((major & ~0xFFFUL) << 32);

    public static (uint Major, uint Minor) SplitDev(ulong dev) =>
        ((uint)(((dev >> 8) & 0xFFF) | ((dev >> 32) & ~0xFFFUL)), (uint)((dev & 0xFF) | ((dev >> 12) & ~0xFFUL)));

    // Names that are not UTF-8 cannot go through .NET's string paths: let the shell make them.
    private static Task MakeRawNamesAsync(string dir)
    {
        var script = string.Join(" && ", RawNames.Select(name =>
            "touch \"$(printf '" + string.Concat(name.Select(b => $"\\{Convert.ToString(b, 8).PadLeft(3, '0')}")) + "')\""));
        return HostTool.RunAsync("sh", "dash or bash", ["-c", $"cd \"$1\" && {script}", "sh", dir]);
    }

    private static void WriteSparse(string path, Random random, int chunks, long stride, int chunk, long length)
    {
        using var stream = File.OpenWrite(path);
        for (int i = 0; i < chunks; i++)
        {
            stream.Position = i * stride;
            stream.Write(Bytes(random, chunk));
        }
        stream.SetLength(length);
    }

    private static byte[] Bytes(Random random, int count)
    {
        var bytes = new byte[count];
        random.NextBytes(bytes);
        // No all-zero blocks: mke2fs would turn them into holes, which is fine but not what we want here.
        for (int i = 0; i < count; i += 512)
        {
            bytes[i] |= 1;
        }
        return bytes;
    }

    private static void Check(int result, string call)
    {
        if (result != 0)
        {
            throw new InvalidOperationException($"{call} failed: {Stdlib.GetLastError()}");
        }
    }
}
