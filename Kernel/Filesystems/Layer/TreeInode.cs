using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using UserKernel.Kernel.Abi;
using UserKernel.Kernel.Vfs;
using UserKernel.RootFs.Tree;
using FileMode = UserKernel.Kernel.Abi.FileMode;

namespace UserKernel.Kernel.Filesystems.Layer;

/// <summary>
/// An inode of a <see cref="TreeSuperBlock"/>. A tree's names are text (a tar's UTF-8); the VFS's are bytes held
/// one per char (Latin-1), so names are converted both ways. A file's bytes are read from its
/// <see cref="FileContent"/> (the tar source's spool); guests get them as the sealed memfd HostFiles makes.
/// </summary>
public sealed class TreeInode : Inode
{
    private readonly TreeNode node;
    private readonly TreeSuperBlock layer;
    private readonly ulong links;

    internal TreeInode(TreeSuperBlock layer, ulong ino, TreeNode node, ulong links) : base(layer, ino)
    {
        this.layer = layer;
        this.node = node;
        this.links = links;
    }

    public override uint Mode => node.StatMode;
    public override uint Uid => node.Uid;
    public override uint Gid => node.Gid;
    public override ulong LinkCount => links;
    public override long Size => node.Kind switch
    {
        NodeKind.Regular => node.Content!.Length,
        NodeKind.Symlink => Encoding.UTF8.GetByteCount(node.SymlinkTarget!),
        NodeKind.Directory => 4096,
        _ => 0,
    };
    public override long Blocks512 => (Size + 511) / 512;
    public override Timespec Atime => ToTimespec(node.Atime);
    public override Timespec Mtime => ToTimespec(node.Mtime);
    public override Timespec Ctime => ToTimespec(node.Ctime);
    public override ulong Rdev => SuperBlock.MakeDev(node.DeviceMajor, node.DeviceMinor);

    public override Result<Inode> Lookup(string name)
    {
        if (node.Children is not { } children) return Errno.ENOTDIR;
        return children.TryGetValue(FromVfs(name), out TreeNode? child) ? layer.Get(child) : Errno.ENOENT;
    }

    public override Result<IReadOnlyList<DirectoryEntry>> ReadDirectory()
    {
        if (node.Children is not { } children) return Errno.ENOTDIR;
        var list = new List<DirectoryEntry> { new(".", Ino, 4), new("..", Ino, 4) };
        foreach ((string name, TreeNode child) in children)
        {
            TreeInode inode = layer.Get(child);
            list.Add(new DirectoryEntry(ToVfs(name), inode.Ino, FileMode.ToDirentType(inode.Mode)));
        }
        return DirectoryEntry.InListOrder(list);
    }

    public override Result<byte[]> ReadLink() => node.Kind == NodeKind.Symlink ? Encoding.UTF8.GetBytes(node.SymlinkTarget!) : Errno.EINVAL;

    public override Result<int> Read(long offset, Span<byte> buffer)
    {
        if (node.Content is not { } content) return Errno.EINVAL;
        if (offset >= content.Length) return 0;
        try
        {
            using Stream stream = content.Open();
            if (stream.CanSeek) stream.Position = offset;
            else for (long skip = offset; skip > 0;) skip -= stream.Read(new byte[(int)Math.Min(skip, 1 << 16)]);
            int done = 0;
            while (done < buffer.Length)
            {
                int n = stream.Read(buffer[done..]);
                if (n == 0) break;
                done += n;
            }
            return done;
        }
        catch (IOException)
        {
            return Errno.EIO;
        }
    }

    public override Result<KeyValuePair<string, byte[]>[]> ListXattrs()
    {
        var list = new KeyValuePair<string, byte[]>[node.Xattrs.Count];
        int i = 0;
        foreach ((string name, byte[] value) in node.Xattrs) list[i++] = new(name, value);
        return list;
    }

    public override Result<byte[]> GetXattr(string name) => node.Xattrs.TryGetValue(name, out byte[]? value) ? value : Errno.ENODATA;

    private static Timespec ToTimespec(Timestamp t) => new(t.Seconds, t.Nanoseconds);

    /// <summary>A tree name (text) as the VFS holds it (its UTF-8 bytes, one char each).</summary>
    internal static string ToVfs(string treeName) => Encoding.Latin1.GetString(Encoding.UTF8.GetBytes(treeName));

    private static string FromVfs(string vfsName) => Encoding.UTF8.GetString(Encoding.Latin1.GetBytes(vfsName));
}
