using System;
using System.Collections.Generic;
using UserKernel.RootFs.Image;

namespace UserKernel.RootFs.Ext4;

// Directories: linear, hashed (htree) and inline. Hashed directories are read linearly: their
// root block starts with real "." and ".." entries whose rec_len covers the index, and each
// interior index block is one entry with inode 0, so a plain walk skips the index.
public sealed partial class Ext4Reader
{
    private static ReadOnlySpan<byte> Dot => "."u8;
    private static ReadOnlySpan<byte> DotDot => ".."u8;

    /// <summary>Every live entry of directory <paramref name="dirIno"/>, "." and ".." included, in on-disk order.</summary>
    public IReadOnlyList<DirEntry> ReadDirectory(uint dirIno)
    {
        var entries = new List<DirEntry>();
        Walk(dirIno, (entry, _) => entries.Add(entry));
        return entries;
    }

    /// <summary>
    /// Every live entry of directory <paramref name="dirIno"/> in on-disk order, each with its
    /// position as Linux's linear readdir counts it: the byte offset of the entry in the directory
    /// file. An inline directory counts as if "." (at 0) and ".." (at 12) were real 12-byte entries
    /// in front of its stored ones, as ext4_read_inline_dir does.
    /// </summary>
    public IReadOnlyList<(DirEntry Entry, long Offset)> ReadDirectoryWithOffsets(uint dirIno)
    {
        var entries = new List<(DirEntry, long)>();
        Walk(dirIno, (entry, offset) => entries.Add((entry, offset)));
        return entries;
    }

    /// <summary>
    /// Linear readdir's position past the last entry: the directory's size, or for an inline
    /// directory the end of its inline data shifted as <see cref="ReadDirectoryWithOffsets"/> shifts it.
    /// </summary>
    public long LinearEndOffset(uint dirIno)
    {
        var blocks = new DirectoryBlocks(this, dirIno);
        if (!blocks.IsInline)
        {
            return (long)blocks.Size;
        }
        long end = Ext4Inode.IBlockSize;
        while (blocks.MoveNext())
        {
            if (blocks.Where == -2)
            {
                end += blocks.Current.Length;
            }
        }
        return end + InlineShift;
    }

    /// <summary>
    /// How far an inline directory's stored entries move in readdir positions: "." and ".." count as
    /// two 12-byte entries (EXT4_DIR_REC_LEN of 1 and 2 bytes) where i_block keeps only a 4-byte parent.
    /// </summary>
    private const int InlineShift = 2 * DirEntry2.MinRecLen - InlineData.DotDotSize;

    private void Walk(uint dirIno, Action<DirEntry, long> add)
    {
        var blocks = new DirectoryBlocks(this, dirIno);
        if (blocks.IsInline)
        {
            add(new DirEntry(dirIno, Dot.ToArray(), DirEntry2.TypeDirectory), 0);
            add(new DirEntry(blocks.InlineParent, DotDot.ToArray(), DirEntry2.TypeDirectory), DirEntry2.MinRecLen);
        }
        while (blocks.MoveNext())
        {
            ReadOnlySpan<byte> area = blocks.Current;
            long start = blocks.Where switch
            {
                -1 => InlineData.DotDotSize + InlineShift,
                -2 => Ext4Inode.IBlockSize + InlineShift,
                _ => blocks.Where * _sb.BlockSize,
            };
            var walker = new DirEntryWalker(area, dirIno, blocks.Where, _sb);
            while (walker.MoveNext())
            {
                var entry = walker.Current;
                // The name is a slice of the area; where it starts gives the entry's offset.
                area.Overlaps(entry.Name, out int nameAt);
                add(new DirEntry(entry.Inode, entry.Name.ToArray(), entry.FileType), start + nameAt - DirEntry2.HeaderSize);
            }
        }
    }

    /// <summary>The inode that <paramref name="name"/> (raw bytes) names in directory <paramref name="dirIno"/>, or null.</summary>
    public uint? Lookup(uint dirIno, ReadOnlySpan<byte> name) => Lookup(new DirectoryBlocks(this, dirIno), name);

    /// <summary>
    /// The inode that <paramref name="name"/> (raw bytes) names in directory <paramref name="dir"/>,
    /// parsed by this reader, or null. The walk starts from the parsed i_block, so the inode table is
    /// not read again; only an inline directory's system.data needs the raw inode.
    /// </summary>
    public uint? Lookup(Ext4Inode dir, ReadOnlySpan<byte> name) => Lookup(new DirectoryBlocks(this, dir), name);

    private uint? Lookup(DirectoryBlocks blocks, ReadOnlySpan<byte> name)
    {
        uint dirIno = blocks.Ino;
        if (name.IsEmpty || name.Length > 255)
        {
            return null;
        }
        if (blocks.IsInline)
        {
            if (name.SequenceEqual(Dot))
            {
                return dirIno;
            }
            if (name.SequenceEqual(DotDot))
            {
                return blocks.InlineParent;
            }
        }
        while (blocks.MoveNext())
        {
            var walker = new DirEntryWalker(blocks.Current, dirIno, blocks.Where, _sb);
            while (walker.MoveNext())
            {
                if (walker.Current.Name.SequenceEqual(name))
                {
                    return walker.Current.Inode;
                }
            }
        }
        return null;
    }

    /// <summary>
    /// The blocks holding a directory's entries, in logical order, holes skipped; for an inline
    /// directory, its two entry areas (in i_block, then in system.data). Made from an inode number
    /// (read from the inode table) or from a parsed inode (its kept i_block, flags and size).
    /// </summary>
    private ref struct DirectoryBlocks
    {
        private readonly Ext4Reader _reader;
        private readonly ReadOnlySpan<byte> _iblock;
        private readonly ulong _blocks;
        // The raw inode, for an inline directory's system.data; fetched on first need when made from a parsed inode.
        private ReadOnlySpan<byte> _raw;
        private ulong _logical;
        private BlockRun _run;
        private ulong _runStart;
        private int _inlineArea;

        public DirectoryBlocks(Ext4Reader reader, uint ino)
            : this(reader, ino, reader.RawInode(ino))
        {
        }

        public DirectoryBlocks(Ext4Reader reader, Ext4Inode dir)
            : this(reader, dir.Number, dir.Mode, (InodeFlags)dir.Flags, dir.Size, dir.IBlockBytes)
        {
        }

        private DirectoryBlocks(Ext4Reader reader, uint ino, ReadOnlySpan<byte> raw)
            : this(reader, ino, Ext4Inode.ModeOf(raw), Ext4Inode.FlagsOf(raw), Ext4Inode.SizeOf(raw, reader._sb), Ext4Inode.IBlock(raw))
        {
            _raw = raw;
        }

        private DirectoryBlocks(Ext4Reader reader, uint ino, ushort mode, InodeFlags flags, ulong size, ReadOnlySpan<byte> iblock)
        {
            if ((mode & InodeMode.TypeMask) != InodeMode.Directory)
            {
                throw new ArgumentException($"inode {ino} is not a directory", nameof(ino));
            }
            _reader = reader;
            Ino = ino;
            Flags = flags;
            _iblock = iblock;
            _raw = default;
            IsInline = (flags & InodeFlags.InlineData) != 0 && reader._sb.Has(IncompatFeatures.InlineData);
            Size = size;
            _blocks = (Size + reader._sb.BlockSize - 1) >> reader._blockShift;
            _logical = 0;
            _run = default;
            _runStart = 0;
            _inlineArea = 0;
            Current = default;
            Where = 0;
        }

        public uint Ino { get; }

        public bool IsInline { get; }

        /// <summary>i_size.</summary>
        public ulong Size { get; }

        /// <summary>i_flags.</summary>
        public InodeFlags Flags { get; }

        public readonly uint InlineParent => InlineData.Parent(_iblock);

        public ReadOnlySpan<byte> Current { get; private set; }

        /// <summary>The current block's logical number; for inline data -1 (i_block) or -2 (system.data).</summary>
        public long Where { get; private set; }

        public bool MoveNext()
        {
            if (IsInline)
            {
                Where = -1;
                switch (_inlineArea++)
                {
                    case 0:
                        Current = InlineData.DirEntries(_iblock);
                        return true;
                    case 1:
                        Where = -2;
                        if (_raw.IsEmpty)
                        {
                            _raw = _reader.RawInode(Ino);
                        }
                        Current = InlineData.SystemData(Ino, _raw);
                        return !Current.IsEmpty;
                    default:
                        return false;
                }
            }
            var sb = _reader._sb;
            while (_logical < _blocks)
            {
                if (_run.Count == 0 || _logical >= _runStart + _run.Count)
                {
                    _run = _reader.MapBlock(Ino, Flags, _iblock, _logical);
                    _runStart = _logical;
                }
                if (_run.IsZeros)
                {
                    _logical = _runStart + Math.Min(_run.Count, _blocks - _runStart);
                    continue;
                }
                ulong physical = _run.Physical + (_logical - _runStart);
                Current = _reader._image.Slice((long)(physical << _reader._blockShift), (int)sb.BlockSize);
                Where = (long)_logical;
                _logical++;
                return true;
            }
            return false;
        }
    }
}
