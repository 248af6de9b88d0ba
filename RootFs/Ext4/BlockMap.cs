using System;
using System.Buffers.Binary;
using UserKernel.RootFs.Image;

namespace UserKernel.RootFs.Ext4;

/// <summary>
/// Maps a logical block through the ext2/ext3 block map in i_block: 12 direct pointers, then one
/// indirect, one double-indirect and one triple-indirect block. A 0 pointer at any level is a
/// hole covering everything below it. Runs are extended over consecutive pointers, so a
/// contiguous file costs one lookup per pointer block, not per data block.
/// </summary>
internal static class BlockMap
{
    /// <summary>EXT4_NDIR_BLOCKS.</summary>
    private const int DirectBlocks = 12;

    public static BlockRun Map(MappedImage image, SuperBlock sb, uint ino, ReadOnlySpan<byte> iblock, ulong logical)
    {
        if (logical < DirectBlocks)
        {
            return Run(sb, ino, iblock[..(DirectBlocks * 4)], (int)logical);
        }
        ulong perBlock = sb.BlockSize / 4;
        ulong relative = logical - DirectBlocks;
        ulong span = perBlock; // blocks reachable through the single-indirect pointer
        for (int levels = 1; levels <= 3; levels++)
        {
            if (relative < span)
            {
                uint root = BinaryPrimitives.ReadUInt32LittleEndian(iblock[((DirectBlocks - 1 + levels) * 4)..]);
                return Walk(image, sb, ino, root, levels, relative, span);
            }
            relative -= span;
            span *= perBlock;
        }
        return BlockRun.Endless;
    }

    private static BlockRun Walk(MappedImage image, SuperBlock sb, uint ino, uint pointer, int levels, ulong relative, ulong span)
    {
        ulong perBlock = sb.BlockSize / 4;
        for (int level = levels; ; level--)
        {
            if (pointer == 0)
            {
                return BlockRun.Zeros(span - relative);
            }
            if (pointer >= sb.BlocksCount)
            {
                throw Corrupt(ino, $"indirect block {pointer} lies outside the filesystem's {sb.BlocksCount} blocks");
            }
            ReadOnlySpan<byte> block = image.Slice((long)pointer * sb.BlockSize, (int)sb.BlockSize);
            span /= perBlock;
            int index = (int)(relative / span);
            if (level == 1)
            {
                return Run(sb, ino, block, index);
            }
            pointer = BinaryPrimitives.ReadUInt32LittleEndian(block[(index * 4)..]);
            relative %= span;
        }
    }

    // The run starting at pointers[index]: zeros while the pointers are 0, or as many blocks as
    // the pointers stay consecutive.
    private static BlockRun Run(SuperBlock sb, uint ino, ReadOnlySpan<byte> pointers, int index)
    {
        int count = pointers.Length / 4;
        uint first = BinaryPrimitives.ReadUInt32LittleEndian(pointers[(index * 4)..]);
        int n = 1;
        if (first == 0)
        {
            while (index + n < count && BinaryPrimitives.ReadUInt32LittleEndian(pointers[((index + n) * 4)..]) == 0)
            {
                n++;
            }
            return BlockRun.Zeros((ulong)n);
        }
        while (index + n < count && BinaryPrimitives.ReadUInt32LittleEndian(pointers[((index + n) * 4)..]) == first + (uint)n)
        {
            n++;
        }
        if (first >= sb.BlocksCount || (ulong)n > sb.BlocksCount - first)
        {
            throw Corrupt(ino, $"data block {first} lies outside the filesystem's {sb.BlocksCount} blocks");
        }
        return BlockRun.Mapped(first, (ulong)n);
    }

    private static ImageFormatException Corrupt(uint ino, string what) => new($"corrupt block map in inode {ino}: {what}");
}
