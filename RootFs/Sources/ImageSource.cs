using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using UserKernel.RootFs.Ext4;
using UserKernel.RootFs.Image;
using UserKernel.RootFs.Tree;

namespace UserKernel.RootFs.Sources;

/// <summary>
/// Reads an existing ext2/3/4 image into a <see cref="FileTree"/>, to be changed (layers applied)
/// and written again: every entry with its mode, owner, times, extended attributes, symlink target
/// and device numbers; inodes reached by several names become one node (hard links); file
/// contents are read from the image only when the tree is written, holes left out.
/// Keep the reader open until then.
/// </summary>
public static class ImageSource
{
    // Where ext4 keeps inline file data: part of the file, not an attribute of it.
    private const string InlineDataXattr = "system.data";

    public static FileTree Read(Ext4Reader reader)
    {
        var root = MakeNode(reader, Ext4Reader.RootInode);
        if (root.Kind != NodeKind.Directory)
            throw new ImageFormatException("corrupt filesystem: the root inode is not a directory");
        var tree = new FileTree(root);
        var files = new Dictionary<uint, TreeNode>();
        var directories = new HashSet<uint> { Ext4Reader.RootInode };
        var pending = new Stack<(uint Ino, TreeNode Node)>();
        pending.Push((Ext4Reader.RootInode, root));
        while (pending.Count > 0)
        {
            var (dirIno, dir) = pending.Pop();
            foreach (var entry in reader.ReadDirectory(dirIno))
            {
                string name = Encoding.UTF8.GetString(entry.Name);
                if (name is "." or "..")
                    continue;
                if (files.TryGetValue(entry.Inode, out var linked))
                {
                    dir.Children![name] = linked;
                    continue;
                }
                var node = MakeNode(reader, entry.Inode);
                dir.Children![name] = node;
                if (node.Kind != NodeKind.Directory)
                    files[entry.Inode] = node;
                else if (!directories.Add(entry.Inode))
                    throw new ImageFormatException($"corrupt filesystem: directory inode {entry.Inode} is reached by two names");
                else
                    pending.Push((entry.Inode, node));
            }
        }
        return tree;
    }

    private static TreeNode MakeNode(Ext4Reader reader, uint ino)
    {
        var inode = reader.ReadInode(ino);
        var kind = TreeNode.KindOf(inode.Mode);
        uint mode = inode.Mode & 0xFFFu;
        var node = kind switch
        {
            NodeKind.Directory => TreeNode.Directory(mode),
            NodeKind.Regular => TreeNode.File(new ImageFileContent(reader, ino, (long)inode.Size), mode),
            NodeKind.Symlink => TreeNode.Symlink(Encoding.UTF8.GetString(reader.ReadSymlink(ino))),
            NodeKind.CharDevice or NodeKind.BlockDevice => TreeNode.Device(kind, inode.RdevMajor, inode.RdevMinor, mode),
            NodeKind.Fifo => TreeNode.Fifo(mode),
            _ => TreeNode.Socket(mode),
        };
        node.Mode = mode;
        node.Uid = inode.Uid;
        node.Gid = inode.Gid;
        node.Atime = new Timestamp(inode.AtimeSec, inode.AtimeNsec);
        node.Mtime = new Timestamp(inode.MtimeSec, inode.MtimeNsec);
        node.Ctime = new Timestamp(inode.CtimeSec, inode.CtimeNsec);
        foreach (var (name, value) in reader.ReadXattrs(ino))
            if (name != InlineDataXattr)
                node.Xattrs[name] = value;
        return node;
    }

    /// <summary>A regular file's bytes, read from the image when asked.</summary>
    private sealed class ImageFileContent(Ext4Reader reader, uint ino, long length) : FileContent
    {
        public override long Length => length;

        public override Stream Open() => new InodeStream(reader, ino, length);

        public override IEnumerable<(long Offset, long Length)> DataRanges() => reader.DataRanges(ino);
    }

    /// <summary>A read-only, seekable stream over one inode's bytes.</summary>
    private sealed class InodeStream(Ext4Reader reader, uint ino, long length) : Stream
    {
        private long _position;

        public override bool CanRead => true;
        public override bool CanSeek => true;
        public override bool CanWrite => false;
        public override long Length => length;
        public override long Position { get => _position; set => _position = Math.Clamp(value, 0, length); }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            int n = reader.Read(ino, _position, buffer);
            _position += n;
            return n;
        }

        public override long Seek(long offset, SeekOrigin origin) => Position = origin switch
        {
            SeekOrigin.Begin => offset,
            SeekOrigin.Current => _position + offset,
            _ => length + offset,
        };

        public override void Flush() { }
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
