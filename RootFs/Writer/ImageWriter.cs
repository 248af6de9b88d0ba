using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using UserKernel.RootFs.Image;
using UserKernel.RootFs.Tree;

namespace UserKernel.RootFs.Writer;

/// <summary>
/// Writes a <see cref="FileTree"/> as an ext4 or ext2 image, with no external tool and no
/// privilege. First every node gets an inode number and the space it needs is estimated;
/// then contents are streamed into blocks allocated front to back, inodes are written to
/// their tables, and the bitmaps, group descriptors and superblocks (with backups) last.
/// The image is written to a temporary file next to the output and renamed at the end.
/// </summary>
public sealed partial class ImageWriter
{
    /// <summary>The largest image this writer makes: 2^32 blocks of 4 KiB, as block numbers are 32 bits without 64bit.</summary>
    public const long MaxImageBytes = (1L << 32) * Geometry.BlockSize - Geometry.BlockSize;

    private const string LostAndFound = "lost+found";

    private readonly ImageWriterOptions _options;
    private readonly Timestamp _now;
    private readonly List<PlannedInode> _inodes = new();

    private ImageWriter(ImageWriterOptions options)
    {
        _options = options;
        _now = options.CreationTime ?? Timestamp.Now;
    }

    private bool Ext4 => _options.Format == ImageFormat.Ext4;

    /// <summary>
    /// Writes <paramref name="tree"/> to <paramref name="outputPath"/>. Bad contents (a name
    /// too long, contents that do not fit --size) throw <see cref="ImageFormatException"/> and
    /// leave no file behind.
    /// </summary>
    public static void Write(FileTree tree, string outputPath, ImageWriterOptions? options = null)
    {
        var writer = new ImageWriter(options ?? new ImageWriterOptions());
        writer.Plan(tree);
        var geometry = writer.Size();
        writer.WriteImage(geometry, outputPath);
    }

    /// <summary>Numbers the inodes breadth first (root 2, lost+found 11, the rest from 12) and counts links.</summary>
    private void Plan(FileTree tree)
    {
        var byNode = new Dictionary<TreeNode, PlannedInode>(ReferenceEqualityComparer.Instance);
        var root = new PlannedInode(2, tree.Root, "/");
        byNode[tree.Root] = root;
        _inodes.Add(root);
        uint next = Geometry.FirstInode;
        PlannedInode? lostFound = null;
        if (!tree.Root.Children!.TryGetValue(LostAndFound, out var existing))
        {
            var node = TreeNode.Directory(0x1C0 /* 0700 */);
            node.Atime = node.Mtime = node.Ctime = _now;
            lostFound = new PlannedInode(next++, node, "/" + LostAndFound);
            _inodes.Add(lostFound);
        }
        else if (existing.Kind != NodeKind.Directory)
        {
            throw new ImageFormatException("/lost+found in the source is not a directory; e2fsck needs it to be one");
        }
        else
        {
            next++; // keep 11 free, as for a tree without lost+found: numbers do not depend on it
        }

        var pending = new Queue<PlannedInode>();
        pending.Enqueue(root);
        while (pending.Count > 0)
        {
            var dir = pending.Dequeue();
            dir.Entries = new List<(byte[], PlannedInode)>();
            dir.Links = 2;
            if (dir == root && lostFound is not null)
            {
                AddEntry(dir, LostAndFound, lostFound);
                lostFound.Parent = root;
                lostFound.Entries = new List<(byte[], PlannedInode)>();
                lostFound.Links = 2;
            }
            foreach (var (name, child) in dir.Node.Children!)
            {
                string path = dir.Path.TrimEnd('/') + "/" + name;
                if (byNode.TryGetValue(child, out var planned))
                {
                    if (child.Kind == NodeKind.Directory)
                    {
                        throw new ImageFormatException($"{path}: the same directory is reachable twice (a directory hard link)");
                    }
                }
                else
                {
                    planned = new PlannedInode(next++, child, path);
                    if (next == 0)
                    {
                        throw new ImageFormatException("more than 2^32 inodes");
                    }
                    byNode[child] = planned;
                    _inodes.Add(planned);
                    if (child.Kind == NodeKind.Directory)
                    {
                        planned.Parent = dir;
                        pending.Enqueue(planned);
                    }
                }
                AddEntry(dir, name, planned);
            }
        }
        _inodes.Sort((a, b) => a.Number.CompareTo(b.Number));
        foreach (var inode in _inodes)
        {
            if (inode.Links > Ext4Constants.LinkMax && (!Ext4 || inode.Node.Kind != NodeKind.Directory))
            {
                throw new ImageFormatException($"{inode.Path}: {inode.Links} links, more than the {Ext4Constants.LinkMax} ext4 allows");
            }
            inode.Xattrs = XattrLayout.For(inode.Node.Xattrs, Ext4Constants.XattrBodySpace, inode.Path);
        }
    }

    private static void AddEntry(PlannedInode dir, string name, PlannedInode child)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(name);
        string path = dir.Path.TrimEnd('/') + "/" + name;
        if (bytes.Length is 0 or > 255 || name is "." or ".." || name.Contains('/') || name.Contains('\0'))
        {
            throw new ImageFormatException($"{path}: not a valid file name (1 to 255 bytes, no '/' or NUL)");
        }
        dir.Entries!.Add((bytes, child));
        if (child.Node.Kind == NodeKind.Directory)
        {
            dir.Links++;
        }
        else
        {
            child.Links++;
        }
    }

    /// <summary>Blocks a node needs at most: data, mapping blocks and its attribute block.</summary>
    private ulong EstimateBlocks(PlannedInode inode)
    {
        ulong blocks = inode.Xattrs?.Block is null ? 0u : 1u;
        var node = inode.Node;
        switch (node.Kind)
        {
            case NodeKind.Regular:
                ulong data = 0, mapping = 0, extents = 0;
                long length = node.Content!.Length;
                foreach (var (offset, count) in node.Content.DataRanges())
                {
                    long end = Math.Min(offset + count, length);
                    if (end <= offset)
                    {
                        continue;
                    }
                    ulong first = (ulong)offset >> Geometry.BlockShift;
                    ulong n = (((ulong)end + Geometry.BlockSize - 1) >> Geometry.BlockShift) - first;
                    data += n;
                    // Runs break at extent length limits and at each group's metadata.
                    extents += n / (ExtentTreeBuilder.MaxExtentLength / 2) + 2;
                    mapping += Ext4 ? 0 : BlockMapBuilder.IndirectBlocksFor(first, n);
                }
                return blocks + data + (Ext4 ? ExtentTreeBuilder.TreeBlocksFor(extents) : mapping);
            case NodeKind.Directory:
                var lengths = new List<int> { 1, 2 };
                foreach (var (name, _) in inode.Entries!)
                {
                    lengths.Add(name.Length);
                }
                ulong dirBlocks = DirectoryBuilder.BlocksFor(lengths);
                return blocks + dirBlocks + (Ext4 ? ExtentTreeBuilder.TreeBlocksFor(dirBlocks / 2 + 2) : BlockMapBuilder.IndirectBlocksFor(0, dirBlocks));
            case NodeKind.Symlink:
                return blocks + (Encoding.UTF8.GetByteCount(node.SymlinkTarget!) < Ext4Constants.FastSymlinkMax ? 0u : 1u);
            default:
                return blocks;
        }
    }

    /// <summary>The geometry: the size asked for, or the contents plus a fifth (at least 8 MiB) to spare.</summary>
    private Geometry Size()
    {
        ulong needed = 0;
        foreach (var inode in _inodes)
        {
            needed += EstimateBlocks(inode);
        }
        ulong inodesNeeded = _inodes[^1].Number;
        if (_options.SizeBytes is long size)
        {
            // Without the 64bit feature a block number is 32 bits: 2^32 blocks of 4 KiB.
            if (size > MaxImageBytes)
                throw new ImageFormatException($"--size {ImageFormatException.FormatSize(size)} is too large: an image is at most {ImageFormatException.FormatSize(MaxImageBytes)} (2^32 blocks of 4 KiB)");
            ulong blocks = (ulong)size >> Geometry.BlockShift;
            ulong inodes = Math.Max(inodesNeeded + 16, (ulong)size / (ulong)Math.Max(_options.BytesPerInode, Geometry.InodeSize));
            var geometry = Geometry.Create(blocks, Math.Min(inodes, (ulong)uint.MaxValue - Geometry.BlocksPerGroup));
            if (geometry is null || geometry.InodesCount < inodesNeeded)
            {
                throw new ImageFormatException(
                    $"--size {ImageFormatException.FormatSize(size)} is too small: the contents need {inodesNeeded} inodes and about {ImageFormatException.FormatSize((long)needed << Geometry.BlockShift)}");
            }
            return geometry;
        }
        ulong spare = Math.Max(needed / 5, 2048);
        ulong inodeTarget = inodesNeeded + inodesNeeded / 4 + 256;
        ulong total = needed + spare;
        while (true)
        {
            var geometry = Geometry.Create(total, inodeTarget);
            if (geometry is not null && geometry.DataBlocks() >= needed + spare && geometry.InodesCount >= inodesNeeded)
            {
                return geometry;
            }
            total += Math.Max((needed + spare) / 16, 1024);
        }
    }
}
