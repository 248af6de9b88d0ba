using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using Microsoft.Win32.SafeHandles;
using UserKernel.RootFs.Image;
using UserKernel.RootFs.Tree;

namespace UserKernel.RootFs.Writer;

// The writing pass: contents and inodes in inode order, then the group metadata.
public sealed partial class ImageWriter : IBlockStore
{
    /// <summary>Blocks read from a source at a time.</summary>
    private const int ChunkBlocks = 256;

    private SafeFileHandle _image = null!;
    private BlockAllocator _allocator = null!;
    private Geometry _geometry = null!;
    private readonly byte[] _chunk = new byte[ChunkBlocks * Geometry.BlockSize];

    private void WriteImage(Geometry geometry, string outputPath)
    {
        string full = Path.GetFullPath(outputPath);
        string temp = Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        _geometry = geometry;
        _allocator = new BlockAllocator(geometry);
        try
        {
            using (_image = File.OpenHandle(temp, FileMode.CreateNew, FileAccess.ReadWrite))
            {
                RandomAccess.SetLength(_image, _options.SizeBytes ?? (long)geometry.BlocksCount << Geometry.BlockShift);
                for (uint ino = 1; ino < Geometry.FirstInode; ino++)
                {
                    _allocator.UseInode(ino, ino == 2);
                }
                long done = 0;
                foreach (var inode in _inodes)
                {
                    if (inode.Number >= Geometry.FirstInode)
                    {
                        _allocator.UseInode(inode.Number, inode.Node.Kind == NodeKind.Directory);
                    }
                    WriteInode(inode);
                    if (++done % 1000 == 0)
                    {
                        _options.Progress?.Invoke(done, _inodes.Count);
                    }
                }
                _options.Progress?.Invoke(done, _inodes.Count);
                WriteGroupMetadata();
            }
            File.Move(temp, full, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            TryDelete(temp);
            // Where the image cannot be written (no such directory, a directory in the way, no permission): one line.
            throw new ImageFormatException($"cannot write {outputPath}: {e.Message}", e);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    private static void TryDelete(string path)
    {
        try { File.Delete(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
    }

    private void WriteInode(PlannedInode inode)
    {
        var node = inode.Node;
        var fields = new InodeFields { Mode = node.StatMode, Links = inode.Links };
        var runs = new List<DataRun>();
        switch (node.Kind)
        {
            case NodeKind.Regular:
                fields.Size = (ulong)node.Content!.Length;
                WriteContent(node.Content, runs, inode.Path);
                break;
            case NodeKind.Directory:
                if (inode.Links > Ext4Constants.LinkMax)
                {
                    fields.Links = 1;
                }
                var entries = new List<(byte[], uint, byte)> { ("."u8.ToArray(), inode.Number, 2), (".."u8.ToArray(), (inode.Parent ?? inode).Number, 2) };
                foreach (var (name, child) in inode.Entries!)
                {
                    entries.Add((name, child.Number, FileType(child.Node.Kind)));
                }
                ulong logical = 0;
                foreach (var block in DirectoryBuilder.Blocks(entries))
                {
                    AppendBlock(runs, logical++, block);
                }
                fields.Size = logical << Geometry.BlockShift;
                break;
            case NodeKind.Symlink:
                byte[] target = Encoding.UTF8.GetBytes(node.SymlinkTarget!);
                if (target.Length is 0 or >= Geometry.BlockSize)
                {
                    throw new ImageFormatException($"{inode.Path}: a symlink target of {target.Length} bytes (1 to {Geometry.BlockSize - 1} fit)");
                }
                fields.Size = (ulong)target.Length;
                if (target.Length < Ext4Constants.FastSymlinkMax)
                {
                    fields.FastSymlink = target;
                }
                else
                {
                    var block = new byte[Geometry.BlockSize];
                    target.CopyTo(block, 0);
                    AppendBlock(runs, 0, block);
                }
                break;
            case NodeKind.CharDevice or NodeKind.BlockDevice:
                fields.Device = (node.DeviceMajor, node.DeviceMinor);
                break;
        }
        ulong blocks = 0;
        foreach (var run in runs)
        {
            blocks += run.Length;
        }
        bool mapped = node.Kind is NodeKind.Regular or NodeKind.Directory || (node.Kind == NodeKind.Symlink && fields.FastSymlink is null);
        if (mapped)
        {
            fields.Extents = Ext4;
            blocks += Ext4
                ? ExtentTreeBuilder.Build(runs, fields.IBlock, this)
                : BlockMapBuilder.Build(runs, fields.IBlock, this);
        }
        if (inode.Xattrs?.Block is byte[] xattrBlock)
        {
            fields.FileAcl = AllocateBlock();
            WriteBlock(fields.FileAcl, xattrBlock);
            blocks++;
        }
        fields.Blocks512 = blocks * (Geometry.BlockSize / 512);
        var raw = InodeBytes.Build(node, fields, _now, inode.Xattrs?.Body);
        RandomAccess.Write(_image, raw, _geometry.InodeOffset(inode.Number));
    }

    /// <summary>Streams a file's data ranges into blocks; blocks of zeros are left as holes.</summary>
    private void WriteContent(FileContent content, List<DataRun> runs, string path)
    {
        long length = content.Length;
        ulong fileBlocks = (ulong)((length + Geometry.BlockSize - 1) >> Geometry.BlockShift);
        if (length > 0 && fileBlocks - 1 > uint.MaxValue)
        {
            throw new ImageFormatException($"{path}: {ImageFormatException.FormatSize(length)} is more than ext4 files hold (16 TiB)");
        }
        using var stream = content.Open();
        long position = 0;
        ulong processed = 0;
        foreach (var (offset, count) in content.DataRanges())
        {
            long rangeEnd = Math.Min(offset + count, length);
            if (rangeEnd <= offset)
            {
                continue;
            }
            ulong first = Math.Max((ulong)offset >> Geometry.BlockShift, processed);
            ulong end = ((ulong)rangeEnd + Geometry.BlockSize - 1) >> Geometry.BlockShift;
            for (ulong block = first; block < end; block += ChunkBlocks)
            {
                int n = (int)Math.Min(ChunkBlocks, end - block);
                long start = (long)block << Geometry.BlockShift;
                int bytes = (int)Math.Min((long)n << Geometry.BlockShift, length - start);
                position = ReadAt(stream, position, start, _chunk.AsSpan(0, bytes), path);
                _chunk.AsSpan(bytes, (n << Geometry.BlockShift) - bytes).Clear();
                WriteChunk(runs, block, n);
            }
            processed = Math.Max(processed, end);
        }
    }

    /// <summary>Fills <paramref name="buffer"/> from <paramref name="offset"/>, seeking where the stream can.</summary>
    private static long ReadAt(Stream stream, long position, long offset, Span<byte> buffer, string path)
    {
        if (position != offset)
        {
            if (stream.CanSeek)
            {
                stream.Position = offset;
            }
            else
            {
                if (offset < position)
                {
                    throw new InvalidOperationException($"{path}: data ranges out of order on a stream that cannot seek");
                }
                var skip = new byte[Geometry.BlockSize];
                for (long left = offset - position; left > 0;)
                {
                    int read = stream.Read(skip, 0, (int)Math.Min(skip.Length, left));
                    if (read == 0)
                    {
                        throw new ImageFormatException($"{path}: the file ended while it was being read (did it shrink?)");
                    }
                    left -= read;
                }
            }
        }
        if (stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false) != buffer.Length)
        {
            throw new ImageFormatException($"{path}: the file ended while it was being read (did it shrink?)");
        }
        return offset + buffer.Length;
    }

    // Writes the non-zero blocks of _chunk (logical blocks from `first`) in as few runs as the allocator allows.
    private void WriteChunk(List<DataRun> runs, ulong first, int count)
    {
        int i = 0;
        while (i < count)
        {
            if (IsZero(i))
            {
                i++;
                continue;
            }
            int j = i + 1;
            while (j < count && !IsZero(j))
            {
                j++;
            }
            while (i < j)
            {
                var (start, length) = _allocator.Allocate((ulong)(j - i));
                RandomAccess.Write(_image, _chunk.AsSpan(i << Geometry.BlockShift, (int)length << Geometry.BlockShift), (long)start << Geometry.BlockShift);
                AddRun(runs, new DataRun(first + (ulong)i, start, length));
                i += (int)length;
            }
        }
    }

    private bool IsZero(int block) => _chunk.AsSpan(block << Geometry.BlockShift, Geometry.BlockSize).IndexOfAnyExcept((byte)0) < 0;

    private void AppendBlock(List<DataRun> runs, ulong logical, byte[] block)
    {
        ulong physical = AllocateBlock();
        WriteBlock(physical, block);
        AddRun(runs, new DataRun(logical, physical, 1));
    }

    private static void AddRun(List<DataRun> runs, DataRun run)
    {
        if (runs.Count > 0)
        {
            var last = runs[^1];
            if (last.Logical + last.Length == run.Logical && last.Physical + last.Length == run.Physical
                && (ulong)last.Length + run.Length <= uint.MaxValue)
            {
                runs[^1] = last with { Length = last.Length + run.Length };
                return;
            }
        }
        runs.Add(run);
    }

    public ulong AllocateBlock() => _allocator.Allocate(1).Start;

    public void WriteBlock(ulong block, ReadOnlySpan<byte> data) =>
        RandomAccess.Write(_image, data, (long)block << Geometry.BlockShift);

    /// <summary>EXT4_FT_*: the type byte of a directory entry.</summary>
    private static byte FileType(NodeKind kind) => kind switch
    {
        NodeKind.Regular => 1,
        NodeKind.Directory => 2,
        NodeKind.CharDevice => 3,
        NodeKind.BlockDevice => 4,
        NodeKind.Fifo => 5,
        NodeKind.Socket => 6,
        NodeKind.Symlink => 7,
        _ => 0,
    };
}
