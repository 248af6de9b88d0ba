using System;

namespace UserKernel.RootFs.Writer;

/// <summary>
/// Where everything lives in an image the writer makes: 4 KiB blocks, groups of 32768 blocks,
/// and in each group, in order, a superblock backup and descriptor table copy (sparse_super:
/// groups 0, 1 and powers of 3, 5, 7), the block bitmap, the inode bitmap and the inode table.
/// Data blocks follow. No flex_bg, no reserved descriptor blocks: simple to check by eye.
/// </summary>
internal sealed class Geometry
{
    public const int BlockSize = 4096;
    public const int BlockShift = 12;
    public const uint BlocksPerGroup = BlockSize * 8;
    public const int InodeSize = 256;
    public const int InodesPerBlock = BlockSize / InodeSize;
    public const int DescriptorSize = 32;
    /// <summary>EXT4_GOOD_OLD_FIRST_INO: inodes below it are reserved; lost+found takes it.</summary>
    public const uint FirstInode = 11;

    public Geometry(ulong blocksCount, uint inodesPerGroup)
    {
        BlocksCount = blocksCount;
        GroupCount = (uint)((blocksCount + BlocksPerGroup - 1) / BlocksPerGroup);
        InodesPerGroup = inodesPerGroup;
        DescriptorBlocks = (GroupCount * DescriptorSize + BlockSize - 1) / BlockSize;
    }

    public ulong BlocksCount { get; }
    public uint GroupCount { get; }
    public uint InodesPerGroup { get; }
    public uint InodesCount => GroupCount * InodesPerGroup;
    public uint DescriptorBlocks { get; }
    public uint InodeTableBlocks => InodesPerGroup / InodesPerBlock;

    /// <summary>
    /// A geometry for <paramref name="blocksCount"/> blocks and about <paramref name="inodes"/>
    /// inodes. A last group too small for its own metadata is dropped, as mke2fs does; null
    /// when nothing usable is left.
    /// </summary>
    public static Geometry? Create(ulong blocksCount, ulong inodes)
    {
        for (int attempt = 0; attempt < 2; attempt++)
        {
            uint groups = (uint)((blocksCount + BlocksPerGroup - 1) / BlocksPerGroup);
            if (groups == 0)
            {
                return null;
            }
            ulong perGroup = (inodes + groups - 1) / groups;
            uint ipg = (uint)Math.Clamp((perGroup + InodesPerBlock - 1) / InodesPerBlock * InodesPerBlock, InodesPerBlock, BlocksPerGroup);
            var geometry = new Geometry(blocksCount, ipg);
            uint last = groups - 1;
            if (geometry.GroupBlocks(last) >= geometry.OverheadBlocks(last) + 64)
            {
                return geometry;
            }
            blocksCount = (ulong)last * BlocksPerGroup;
        }
        return null;
    }

    /// <summary>First block of group <paramref name="group"/>.</summary>
    public ulong GroupStart(uint group) => (ulong)group * BlocksPerGroup;

    /// <summary>Blocks in group <paramref name="group"/>: all but the last group are full.</summary>
    public uint GroupBlocks(uint group) => (uint)Math.Min(BlocksPerGroup, BlocksCount - GroupStart(group));

    public bool HasSuperBlock(uint group) =>
        group <= 1 || IsPowerOf(group, 3) || IsPowerOf(group, 5) || IsPowerOf(group, 7);

    /// <summary>Blocks taken by the superblock copy and descriptor table copy at the start of the group.</summary>
    public uint BackupBlocks(uint group) => HasSuperBlock(group) ? 1 + DescriptorBlocks : 0;

    public ulong BlockBitmap(uint group) => GroupStart(group) + BackupBlocks(group);
    public ulong InodeBitmap(uint group) => BlockBitmap(group) + 1;
    public ulong InodeTable(uint group) => BlockBitmap(group) + 2;

    /// <summary>Blocks of the group used by metadata; data may use the rest.</summary>
    public uint OverheadBlocks(uint group) => BackupBlocks(group) + 2 + InodeTableBlocks;

    /// <summary>Byte offset of inode <paramref name="ino"/> in the image.</summary>
    public long InodeOffset(uint ino)
    {
        uint group = (ino - 1) / InodesPerGroup;
        uint index = (ino - 1) % InodesPerGroup;
        return ((long)InodeTable(group) << BlockShift) + (long)index * InodeSize;
    }

    /// <summary>Data blocks of the whole filesystem: everything but group metadata.</summary>
    public ulong DataBlocks()
    {
        ulong total = 0;
        for (uint g = 0; g < GroupCount; g++)
        {
            total += GroupBlocks(g) - OverheadBlocks(g);
        }
        return total;
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
}
