using System;
using System.Buffers.Binary;
using UserKernel.RootFs.Image;

namespace UserKernel.RootFs.Ext4;

/// <summary>
/// struct ext4_dir_entry_2: inode, rec_len, name_len, file_type, name. Without the filetype
/// feature the file_type byte is the high byte of a 16-bit name_len and reads as 0 (unknown).
/// </summary>
public readonly ref struct DirEntry2
{
    public const byte TypeUnknown = 0;
    public const byte TypeRegular = 1;
    public const byte TypeDirectory = 2;
    public const byte TypeCharDevice = 3;
    public const byte TypeBlockDevice = 4;
    public const byte TypeFifo = 5;
    public const byte TypeSocket = 6;
    public const byte TypeSymlink = 7;

    /// <summary>Header bytes before the name.</summary>
    public const int HeaderSize = 8;
    /// <summary>EXT4_DIR_REC_LEN(1): no entry is shorter (Linux's ext4_check_dir_entry).</summary>
    public const int MinRecLen = 12;

    public DirEntry2(uint inode, int recLen, byte fileType, ReadOnlySpan<byte> name)
    {
        Inode = inode;
        RecLen = recLen;
        FileType = fileType;
        Name = name;
    }

    /// <summary>inode: 0 marks an unused entry.</summary>
    public uint Inode { get; }
    /// <summary>rec_len, decoded: bytes from this entry to the next.</summary>
    public int RecLen { get; }
    public byte FileType { get; }
    public ReadOnlySpan<byte> Name { get; }

    /// <summary>The directory-entry type for an i_mode, or <see cref="TypeUnknown"/> for a bad mode.</summary>
    public static byte TypeFromMode(ushort mode) => (ushort)(mode & InodeMode.TypeMask) switch
    {
        InodeMode.Regular => TypeRegular,
        InodeMode.Directory => TypeDirectory,
        InodeMode.CharDevice => TypeCharDevice,
        InodeMode.BlockDevice => TypeBlockDevice,
        InodeMode.Fifo => TypeFifo,
        InodeMode.Socket => TypeSocket,
        InodeMode.Symlink => TypeSymlink,
        _ => TypeUnknown,
    };

    /// <summary>
    /// rec_len as stored: 64 KiB blocks need 17 bits, so a 65536-byte entry is written as 65535
    /// (or 0) and the two low bits, always 0 in a multiple of 4, carry bits 16 and 17.
    /// </summary>
    public static int DecodeRecLen(ushort raw, uint blockSize)
    {
        if (blockSize < 65536)
        {
            return raw;
        }
        if (raw == 65535 || raw == 0)
        {
            return (int)blockSize;
        }
        return (raw & 65532) | ((raw & 3) << 16);
    }
}

/// <summary>
/// Walks the entries of one directory block (or one inline-data area), yielding live entries.
/// Every rec_len is checked as Linux's ext4_check_dir_entry does, so a rec_len of 0 or one that
/// runs past the block ends the walk with an <see cref="ImageFormatException"/>, never a loop.
/// Entries with inode 0 are skipped: deleted entries, the checksum tail, and the fake entry that
/// covers each interior htree (dx_node) block.
/// </summary>
internal ref struct DirEntryWalker
{
    private readonly ReadOnlySpan<byte> _block;
    private readonly uint _dirIno;
    private readonly long _where;
    private readonly uint _blockSize;
    private readonly uint _inodesCount;
    private readonly bool _hasFileType;
    private int _pos;

    /// <param name="block">The entries' bytes.</param>
    /// <param name="dirIno">The directory, for messages.</param>
    /// <param name="where">The logical block, for messages; -1 for inline data.</param>
    public DirEntryWalker(ReadOnlySpan<byte> block, uint dirIno, long where, SuperBlock sb)
    {
        _block = block;
        _dirIno = dirIno;
        _where = where;
        _blockSize = sb.BlockSize;
        _inodesCount = sb.InodesCount;
        _hasFileType = sb.Has(IncompatFeatures.Filetype);
        _pos = 0;
        Current = default;
    }

    public DirEntry2 Current { get; private set; }

    public bool MoveNext()
    {
        while (_pos < _block.Length)
        {
            int pos = _pos;
            if (_block.Length - pos < DirEntry2.HeaderSize)
            {
                throw Corrupt(pos, $"{_block.Length - pos} bytes left at the end are too few for an entry");
            }
            ReadOnlySpan<byte> raw = _block[pos..];
            uint inode = BinaryPrimitives.ReadUInt32LittleEndian(raw);
            int recLen = DirEntry2.DecodeRecLen(BinaryPrimitives.ReadUInt16LittleEndian(raw[4..]), _blockSize);
            int nameLen = raw[6];
            if (recLen < DirEntry2.MinRecLen || (recLen & 3) != 0)
            {
                throw Corrupt(pos, $"rec_len {recLen} is invalid");
            }
            if (recLen > _block.Length - pos)
            {
                throw Corrupt(pos, $"rec_len {recLen} runs past the end of the block");
            }
            _pos = pos + recLen;
            if (inode == 0)
            {
                continue;
            }
            if (DirEntry2.HeaderSize + nameLen > recLen || nameLen == 0)
            {
                throw Corrupt(pos, $"name_len {nameLen} does not fit rec_len {recLen}");
            }
            if (inode > _inodesCount)
            {
                throw Corrupt(pos, $"inode {inode} is beyond the last inode {_inodesCount}");
            }
            byte fileType = _hasFileType ? raw[7] : DirEntry2.TypeUnknown;
            Current = new DirEntry2(inode, recLen, fileType, raw.Slice(DirEntry2.HeaderSize, nameLen));
            return true;
        }
        return false;
    }

    private readonly ImageFormatException Corrupt(int offset, string what) =>
        new($"corrupt directory inode {_dirIno}, {(_where < 0 ? "inline data" : $"block {_where}")}, offset {offset}: {what}");
}
