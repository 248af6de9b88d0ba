using System;
using System.IO;
using System.Linq;
using Mono.Unix.Native;
using UserKernel.RootFs.Ext4;
using Xunit;

namespace UserKernel.RootFs.Tests.Fixtures;

/// <summary>Compares every path of a host directory with what the reader finds in an image made from it.</summary>
public static class HostComparison
{
    /// <summary>Paths below <paramref name="root"/>, relative, without following symlinks.</summary>
    public static string[] Paths(string root) =>
        Directory.EnumerateFileSystemEntries(root, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 })
            .Select(p => Path.GetRelativePath(root, p))
            .OrderBy(p => p, StringComparer.Ordinal)
            .ToArray();

    /// <summary>
    /// Type, mode, owner, size, links, mtime and ctime with nanoseconds, device numbers, contents,
    /// symlink targets and xattrs of each path match between the host and the image.
    /// </summary>
    public static void AssertSame(string root, Ext4Reader reader, (uint Uid, uint Gid)? owner = null, bool compareCtime = true)
    {
        foreach (var path in Paths(root))
        {
            string host = Path.Combine(root, path);
            var stat = SourceTree.Lstat(host);
            var inode = reader.InodeAt(path);
            Assert.True((ushort)(uint)stat.st_mode == inode.Mode, $"{path}: mode {Convert.ToString(inode.Mode, 8)}, host {Convert.ToString((uint)stat.st_mode, 8)}");
            var (uid, gid) = owner ?? (stat.st_uid, stat.st_gid);
            Assert.True((uid, gid) == (inode.Uid, inode.Gid), $"{path}: owner {inode.Uid}:{inode.Gid}, expected {uid}:{gid}");
            Assert.True(stat.st_mtime == inode.MtimeSec && stat.st_mtime_nsec == inode.MtimeNsec, $"{path}: mtime {inode.MtimeSec}.{inode.MtimeNsec}");
            if (compareCtime)
            {
                Assert.True(stat.st_ctime == inode.CtimeSec && stat.st_ctime_nsec == inode.CtimeNsec, $"{path}: ctime {inode.CtimeSec}.{inode.CtimeNsec}");
            }
            if (inode.IsDirectory)
            {
                Assert.True((uint)(2 + Directory.GetDirectories(host).Count(d => !new DirectoryInfo(d).Attributes.HasFlag(FileAttributes.ReparsePoint))) == inode.LinksCount, $"{path}: links {inode.LinksCount}");
                continue;
            }
            Assert.True(stat.st_nlink == inode.LinksCount, $"{path}: links {inode.LinksCount}, host {stat.st_nlink}");
            if (inode.IsRegular)
            {
                Assert.True((ulong)stat.st_size == inode.Size, $"{path}: size {inode.Size}");
                Assert.True(ReaderExtensions.Sha256OfFile(host) == reader.Sha256(reader.Resolve(path)), $"{path}: contents differ");
            }
            else if (inode.IsSymlink)
            {
                Assert.Equal(new FileInfo(host).LinkTarget, System.Text.Encoding.UTF8.GetString(reader.ReadSymlink(reader.Resolve(path))));
            }
            var (major, minor) = SourceTree.SplitDev(stat.st_rdev);
            Assert.True((major, minor) == (inode.RdevMajor, inode.RdevMinor), $"{path}: rdev {inode.RdevMajor}:{inode.RdevMinor}");
            AssertSameXattrs(host, path, reader);
        }
    }

    private static void AssertSameXattrs(string host, string path, Ext4Reader reader)
    {
        Assert.True(Syscall.llistxattr(host, out string[] names) == 0, $"llistxattr {host}: {Stdlib.GetLastError()}");
        var image = reader.ReadXattrs(reader.Resolve(path)).ToDictionary(x => x.Name, x => x.Value);
        Assert.True(names.OrderBy(n => n).SequenceEqual(image.Keys.OrderBy(n => n)), $"{path}: xattrs {string.Join(",", image.Keys)}, host {string.Join(",", names)}");
        foreach (var name in names)
        {
            Syscall.lgetxattr(host, name, out byte[] value);
            Assert.True(value.AsSpan().SequenceEqual(image[name]), $"{path}: xattr {name} differs");
        }
    }
}
