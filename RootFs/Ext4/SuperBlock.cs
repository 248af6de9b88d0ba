using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Text;
using UserKernel.RootFs.Image;

namespace UserKernel.RootFs.Ext4;

/// <summary>
/// struct ext4_super_block: the 1024 bytes at byte 1024 of the image. Only the fields a reader
/// needs are parsed; <see cref="Validate"/> checks the geometry so later arithmetic cannot overflow.
/// </summary>
public sealed class SuperBlock
{
    /// <summary>Byte offset of the primary superblock, whatever the block size.</summary>
    public const int Offset = 1024;
    /// <summary>Size of the on-disk structure.</summary>
    public const int Size = 1024;
    /// <summary>s_magic.</summary>
    public const ushort Magic = 0xEF53;
    /// <summary>EXT4_GOOD_OLD_INODE_SIZE: the inode size of revision 0, and the smallest there is.</summary>
    public const int GoodOldInodeSize = 128;

    private SuperBlock() { }

    public uint InodesCount { get; private init; }
    public ulong BlocksCount { get; private init; }
    public ulong FreeBlocksCount { get; private init; }
    public uint FreeInodesCount { get; private init; }
    public uint FirstDataBlock { get; private init; }
    public uint LogBlockSize { get; private init; }
    public uint LogClusterSize { get; private init; }
    public uint BlocksPerGroup { get; private init; }
    public uint ClustersPerGroup { get; private init; }
    public uint InodesPerGroup { get; private init; }
    public ushort MagicValue { get; private init; }
    public uint RevLevel { get; private init; }
    public ushort InodeSize { get; private init; }
    public CompatFeatures Compat { get; private init; }
    public IncompatFeatures Incompat { get; private init; }
    public RoCompatFeatures RoCompat { get; private init; }
    public string VolumeName { get; private init; } = "";
    public ushort DescSize { get; private init; }
    public uint FirstMetaBg { get; private init; }
    public uint BackupBg0 { get; private init; }
    public uint BackupBg1 { get; private init; }
    /// <summary>s_hash_seed: the four words that seed the directory hash (all zero: the default seed).</summary>
    public IReadOnlyList<uint> HashSeed { get; private init; } = new uint[4];
    /// <summary>s_def_hash_version: the hash of new htree directories and of readdir in one-block directories (DX_HASH_*).</summary>
    public byte DefHashVersion { get; private init; }
    /// <summary>s_flags: EXT2_FLAGS_SIGNED_HASH (0x1), EXT2_FLAGS_UNSIGNED_HASH (0x2), EXT2_FLAGS_TEST_FILESYS (0x4).</summary>
    public uint Flags { get; private init; }
    /// <summary>s_r_blocks_count: blocks kept for root.</summary>
    public ulong ReservedBlocksCount { get; private init; }
    /// <summary>s_uuid: the filesystem's 128-bit identity, as blkid and mount UUID= see it.</summary>
    public Guid Uuid { get; private init; }
    /// <summary>s_mkfs_time (with s_mkfs_time_hi): when the filesystem was made, seconds since the epoch; 0 if unrecorded.</summary>
    public long MkfsTime { get; private init; }
    /// <summary>s_wtime (with s_wtime_hi): the last write of the superblock, seconds since the epoch.</summary>
    public long WriteTime { get; private init; }

    /// <summary>Block size in bytes: 2 ^ (10 + s_log_block_size).</summary>
    public uint BlockSize => 1024u << (int)LogBlockSize;

    /// <summary>Blocks per allocation cluster (1 unless bigalloc; without it the field is ext2's unused fragment size).</summary>
    public uint ClusterRatio => Has(RoCompatFeatures.Bigalloc) ? 1u << (int)(LogClusterSize - LogBlockSize) : 1;

    /// <summary>Size of one group descriptor: 32, or s_desc_size with the 64bit feature.</summary>
    public int GroupDescriptorSize => Has(IncompatFeatures.Is64Bit) ? DescSize : GroupDescriptor.Size32;

    /// <summary>Number of block groups.</summary>
    public uint GroupCount => (uint)((BlocksCount - FirstDataBlock + BlocksPerGroup - 1) / BlocksPerGroup);

    public bool Has(IncompatFeatures feature) => (Incompat & feature) == feature;
    public bool Has(RoCompatFeatures feature) => (RoCompat & feature) == feature;
    public bool Has(CompatFeatures feature) => (Compat & feature) == feature;

    /// <summary>Parses the superblock from its 1024 bytes. Checks the magic and nothing else.</summary>
    public static SuperBlock Parse(ReadOnlySpan<byte> raw)
    {
        if (raw.Length < Size)
        {
            throw new ArgumentException("a superblock is 1024 bytes", nameof(raw));
        }
        ushort magic = BinaryPrimitives.ReadUInt16LittleEndian(raw[0x38..]);
        if (magic != Magic)
        {
            throw new ImageFormatException($"not an ext2/3/4 filesystem: bad superblock magic 0x{magic:X4}");
        }
        var incompat = (IncompatFeatures)U32(raw, 0x60);
        bool is64 = (incompat & IncompatFeatures.Is64Bit) != 0;
        uint revLevel = U32(raw, 0x4C);
        return new SuperBlock
        {
            InodesCount = U32(raw, 0x0),
            BlocksCount = U32(raw, 0x4) | (is64 ? (ulong)U32(raw, 0x150) << 32 : 0),
            FreeBlocksCount = U32(raw, 0xC) | (is64 ? (ulong)U32(raw, 0x158) << 32 : 0),
            FreeInodesCount = U32(raw, 0x10),
            FirstDataBlock = U32(raw, 0x14),
            LogBlockSize = U32(raw, 0x18),
            LogClusterSize = U32(raw, 0x1C),
            BlocksPerGroup = U32(raw, 0x20),
            ClustersPerGroup = U32(raw, 0x24),
            InodesPerGroup = U32(raw, 0x28),
            MagicValue = magic,
            RevLevel = revLevel,
            // Revision 0 predates s_inode_size: its inodes are always 128 bytes.
            InodeSize = revLevel == 0 ? (ushort)GoodOldInodeSize : BinaryPrimitives.ReadUInt16LittleEndian(raw[0x58..]),
            Compat = revLevel == 0 ? CompatFeatures.None : (CompatFeatures)U32(raw, 0x5C),
            Incompat = revLevel == 0 ? IncompatFeatures.None : incompat,
            RoCompat = revLevel == 0 ? RoCompatFeatures.None : (RoCompatFeatures)U32(raw, 0x64),
            VolumeName = CString(raw.Slice(0x78, 16)),
            DescSize = BinaryPrimitives.ReadUInt16LittleEndian(raw[0xFE..]),
            FirstMetaBg = U32(raw, 0x104),
            BackupBg0 = U32(raw, 0x24C),
            BackupBg1 = U32(raw, 0x250),
            HashSeed = DirHash.ParseSeed(raw.Slice(0xEC, 16)),
            DefHashVersion = raw[0xFC],
            Flags = U32(raw, 0x160),
            ReservedBlocksCount = U32(raw, 0x8) | (is64 ? (ulong)U32(raw, 0x154) << 32 : 0),
            // s_uuid is 16 bytes in the order they are printed; Guid's constructor wants that order too
            // with bigEndian: true (RFC 4122 byte order).
            Uuid = new Guid(raw.Slice(0x68, 16), bigEndian: true),
            MkfsTime = U32(raw, 0x108) | (long)raw[0x276] << 32,
            WriteTime = U32(raw, 0x30) | (long)raw[0x274] << 32,
        };
    }

    /// <summary>
    /// Checks features and geometry against the image length, the way ext4_fill_super does,
    /// so that a truncated or nonsensical image fails here with one clear line.
    /// </summary>
    public void Validate(long imageLength)
    {
        if (RevLevel > 1)
        {
            throw new ImageFormatException($"unsupported ext2/3/4 revision level {RevLevel}");
        }
        var unsupported = Features.Unsupported(Incompat);
        if (unsupported != IncompatFeatures.None)
        {
            var names = Features.Names(unsupported);
            throw new ImageFormatException(
                $"unsupported ext4 feature{(names.Count > 1 ? "s" : "")}: {string.Join(", ", names)}");
        }
        // Linux reads blocks of 1 KiB to 64 KiB.
        if (LogBlockSize > 6)
        {
            throw Corrupt($"block size 2^(10+{LogBlockSize}) is out of range");
        }
        if (Has(RoCompatFeatures.Bigalloc))
        {
            if (LogClusterSize < LogBlockSize || LogClusterSize - LogBlockSize > 16)
            {
                throw Corrupt($"cluster size 2^(10+{LogClusterSize}) does not fit block size {BlockSize}");
            }
            if (ClustersPerGroup == 0 || ClustersPerGroup > 8 * BlockSize
                || (ulong)ClustersPerGroup * ClusterRatio != BlocksPerGroup)
            {
                throw Corrupt($"{ClustersPerGroup} clusters per group do not make {BlocksPerGroup} blocks per group");
            }
        }
        if (BlocksPerGroup == 0 || (!Has(RoCompatFeatures.Bigalloc) && BlocksPerGroup > 8 * BlockSize))
        {
            throw Corrupt($"{BlocksPerGroup} blocks per group");
        }
        if (InodesPerGroup == 0 || InodesPerGroup > 8 * BlockSize)
        {
            throw Corrupt($"{InodesPerGroup} inodes per group");
        }
        if (InodeSize < GoodOldInodeSize || InodeSize > BlockSize || (InodeSize & (InodeSize - 1)) != 0)
        {
            throw Corrupt($"inode size {InodeSize}");
        }
        if (Has(IncompatFeatures.Is64Bit)
            && (DescSize < GroupDescriptor.Size64 || DescSize > 1024 || (DescSize & (DescSize - 1)) != 0))
        {
            throw Corrupt($"group descriptor size {DescSize}");
        }
        // With 1 KiB blocks block 0 is the boot block, so data must start at block 1.
        if (BlocksCount <= FirstDataBlock || (BlockSize == 1024 && FirstDataBlock == 0 && !Has(RoCompatFeatures.Bigalloc)))
        {
            throw Corrupt($"first data block {FirstDataBlock} does not fit {BlocksCount} blocks of {BlockSize} bytes");
        }
        // Linux: "bad geometry: block count exceeds size of device".
        if (BlocksCount > (ulong)(imageLength / BlockSize))
        {
            throw new ImageFormatException(
                $"image is truncated: the superblock says {BlocksCount} blocks of {BlockSize} bytes " +
                $"({ImageFormatException.FormatSize((long)Math.Min(BlocksCount, (ulong)long.MaxValue / BlockSize) * BlockSize)}) " +
                $"but the file is {ImageFormatException.FormatSize(imageLength)}");
        }
        if ((ulong)GroupCount * InodesPerGroup != InodesCount)
        {
            throw Corrupt($"inode count {InodesCount} is not {GroupCount} groups of {InodesPerGroup} inodes");
        }
    }

    /// <summary>Whether block group <paramref name="group"/> starts with a superblock backup.</summary>
    public bool GroupHasSuperBlock(uint group)
    {
        if (group == 0)
        {
            return true;
        }
        if (Has(CompatFeatures.SparseSuper2))
        {
            return group == BackupBg0 || group == BackupBg1;
        }
        if (group == 1 || !Has(RoCompatFeatures.SparseSuper))
        {
            return true;
        }
        // sparse_super keeps backups in groups that are powers of 3, 5 and 7.
        return IsPowerOf(group, 3) || IsPowerOf(group, 5) || IsPowerOf(group, 7);
    }

    private static bool IsPowerOf(uint value, uint b)
    {
        ulong n = b;
        while (n < value)
        {
            n *= b;
        }
        return n == value;
    }

    private static ImageFormatException Corrupt(string what) => new($"corrupt superblock: {what}");

    private static uint U32(ReadOnlySpan<byte> raw, int offset) => BinaryPrimitives.ReadUInt32LittleEndian(raw[offset..]);

    private static string CString(ReadOnlySpan<byte> bytes)
    {
        int end = bytes.IndexOf((byte)0);
        return Encoding.UTF8.GetString(end < 0 ? bytes : bytes[..end]);
    }
}
