using System;
using System.Buffers.Binary;

namespace UserKernel.RootFs.Ext4;

/// <summary>bg_flags.</summary>
[Flags]
public enum BlockGroupFlags : ushort
{
    None = 0,
    /// <summary>EXT4_BG_INODE_UNINIT: no inode of the group is in use; its table may be garbage.</summary>
    InodeUninit = 0x1,
    /// <summary>EXT4_BG_BLOCK_UNINIT: the block bitmap is not initialised.</summary>
    BlockUninit = 0x2,
    /// <summary>EXT4_BG_INODE_ZEROED: the inode table has been zeroed.</summary>
    InodeZeroed = 0x4,
}

/// <summary>
/// struct ext4_group_desc: 32 bytes, or s_desc_size (at least 64) with the 64bit feature, whose
/// second half holds the high bits of each field.
/// </summary>
public readonly struct GroupDescriptor
{
    /// <summary>Size of a descriptor without the 64bit feature.</summary>
    public const int Size32 = 32;
    /// <summary>Smallest descriptor with the 64bit feature.</summary>
    public const int Size64 = 64;

    public ulong BlockBitmap { get; init; }
    public ulong InodeBitmap { get; init; }
    public ulong InodeTable { get; init; }
    /// <summary>Free clusters (blocks unless bigalloc).</summary>
    public uint FreeBlocksCount { get; init; }
    public uint FreeInodesCount { get; init; }
    public uint UsedDirsCount { get; init; }
    public BlockGroupFlags Flags { get; init; }
    /// <summary>How many inodes at the end of the group's table were never used (with group checksums).</summary>
    public uint ItableUnused { get; init; }

    /// <summary>Parses a descriptor; <paramref name="raw"/> is 32 bytes, or 64 or more when <paramref name="is64Bit"/>.</summary>
    public static GroupDescriptor Parse(ReadOnlySpan<byte> raw, bool is64Bit)
    {
        if (raw.Length < (is64Bit ? Size64 : Size32))
        {
            throw new ArgumentException("group descriptor is too short", nameof(raw));
        }
        return new GroupDescriptor
        {
            BlockBitmap = Join(U32(raw, 0x0), is64Bit ? U32(raw, 0x20) : 0),
            InodeBitmap = Join(U32(raw, 0x4), is64Bit ? U32(raw, 0x24) : 0),
            InodeTable = Join(U32(raw, 0x8), is64Bit ? U32(raw, 0x28) : 0),
            FreeBlocksCount = U16(raw, 0xC) | (is64Bit ? (uint)U16(raw, 0x2C) << 16 : 0),
            FreeInodesCount = U16(raw, 0xE) | (is64Bit ? (uint)U16(raw, 0x2E) << 16 : 0),
            UsedDirsCount = U16(raw, 0x10) | (is64Bit ? (uint)U16(raw, 0x30) << 16 : 0),
            Flags = (BlockGroupFlags)U16(raw, 0x12),
            ItableUnused = U16(raw, 0x1C) | (is64Bit ? (uint)U16(raw, 0x32) << 16 : 0),
        };
    }

    private static ulong Join(uint lo, uint hi) => lo | (ulong)hi << 32;
    private static uint U32(ReadOnlySpan<byte> raw, int offset) => BinaryPrimitives.ReadUInt32LittleEndian(raw[offset..]);
    private static ushort U16(ReadOnlySpan<byte> raw, int offset) => BinaryPrimitives.ReadUInt16LittleEndian(raw[offset..]);
}
