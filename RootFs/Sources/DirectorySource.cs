using System;
using System.Collections.Generic;
using System.IO;
using Mono.Unix.Native;
using UserKernel.RootFs.Image;
using UserKernel.RootFs.Tree;

namespace UserKernel.RootFs.Sources;

/// <summary>
/// Reads a host directory into a <see cref="FileTree"/> as lstat(2) sees it: types, modes,
/// owners, times with nanoseconds, device numbers, symlink targets, extended attributes, and
/// hard links (one node for each (st_dev, st_ino)). File contents stay on the host and are read
/// when the image is written; sparse files keep their holes.
/// </summary>
public static class DirectorySource
{
    /// <summary>Reads the tree under <paramref name="root"/>.</summary>
    /// <param name="owner">When set, every node gets this uid and gid instead of the host's.</param>
    public static FileTree Read(string root, (uint Uid, uint Gid)? owner = null)
    {
        var rootStat = Lstat(root);
        if (TreeNode.KindOf((uint)rootStat.st_mode) != NodeKind.Directory)
        {
            throw new ImageFormatException($"{root} is not a directory");
        }
        var tree = new FileTree();
        SetMetadata(tree.Root, root, rootStat, owner);
        var links = new Dictionary<(ulong Dev, ulong Ino), TreeNode>();
        var pending = new Stack<(string HostPath, TreeNode Dir)>();
        pending.Push((root, tree.Root));
        while (pending.Count > 0)
        {
            var (hostDir, dir) = pending.Pop();
            foreach (var hostPath in Directory.EnumerateFileSystemEntries(hostDir))
            {
                string name = Path.GetFileName(hostPath);
                if (name.Contains('\uFFFD'))
                {
                    throw new ImageFormatException($"{hostPath}: the name is not valid UTF-8, which images made here cannot hold");
                }
                var stat = Lstat(hostPath);
                var key = (stat.st_dev, stat.st_ino);
                var kind = TreeNode.KindOf((uint)stat.st_mode);
                if (kind != NodeKind.Directory && stat.st_nlink > 1 && links.TryGetValue(key, out var linked))
                {
                    dir.Children![name] = linked;
                    continue;
                }
                var node = MakeNode(hostPath, kind, stat);
                SetMetadata(node, hostPath, stat, owner);
                dir.Children![name] = node;
                if (kind == NodeKind.Directory)
                {
                    pending.Push((hostPath, node));
                }
                else if (stat.st_nlink > 1)
                {
                    links[key] = node;
                }
            }
        }
        return tree;
    }

    private static TreeNode MakeNode(string path, NodeKind kind, Stat stat) => kind switch
    {
        NodeKind.Directory => TreeNode.Directory(),
        NodeKind.Regular => TreeNode.File(new HostFileContent(path, stat.st_size)),
        NodeKind.Symlink => TreeNode.Symlink(ReadLink(path)),
        NodeKind.CharDevice or NodeKind.BlockDevice => TreeNode.Device(kind, Major(stat.st_rdev), Minor(stat.st_rdev)),
        NodeKind.Fifo => TreeNode.Fifo(),
        _ => TreeNode.Socket(),
    };

    private static void SetMetadata(TreeNode node, string path, Stat stat, (uint Uid, uint Gid)? owner)
    {
        node.Mode = (uint)stat.st_mode & 0xFFF;
        (node.Uid, node.Gid) = owner ?? (stat.st_uid, stat.st_gid);
        node.Atime = new Timestamp(stat.st_atime, (uint)stat.st_atime_nsec);
        node.Mtime = new Timestamp(stat.st_mtime, (uint)stat.st_mtime_nsec);
        node.Ctime = new Timestamp(stat.st_ctime, (uint)stat.st_ctime_nsec);
        if (Syscall.llistxattr(path, out string[] names) != 0)
        {
            var errno = Stdlib.GetLastError();
            if (errno is Errno.EOPNOTSUPP)
            {
                return;
            }
            throw new ImageFormatException($"{path}: cannot list extended attributes: {errno}");
        }
        foreach (var name in names)
        {
            if (Syscall.lgetxattr(path, name, out byte[] value) < 0)
            {
                throw new ImageFormatException($"{path}: cannot read extended attribute {name}: {Stdlib.GetLastError()}");
            }
            node.Xattrs[name] = value ?? [];
        }
    }

    private static Stat Lstat(string path)
    {
        if (Syscall.lstat(path, out var stat) != 0)
        {
            throw new ImageFormatException($"{path}: {Stdlib.GetLastError()}");
        }
        return stat;
    }

    private static string ReadLink(string path) =>
        new FileInfo(path).LinkTarget ?? throw new ImageFormatException($"{path}: cannot read the symlink");

    // glibc's gnu_dev_major and gnu_dev_minor.
    private static uint Major(ulong dev) => (uint)(((dev >> 8) & 0xFFF) | ((dev >> 32) & ~0xFFFUL));
    private static uint Minor(ulong dev) => (uint)((dev & 0xFF) | ((dev >> 12) & ~0xFFUL));
}
