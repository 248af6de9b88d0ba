using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using UserKernel.RootFs.Image;

namespace UserKernel.RootFs.Writer;

/// <summary>
/// Builds an ext2 block map: i_block[0..11] point at the first twelve blocks, i_block[12] at an
/// indirect block of 1024 pointers, [13] at a double-indirect block and [14] at a triple one.
/// Holes stay zero pointers. Indirect blocks are kept in memory until the file is done
/// (4 KiB per 4 MiB of data).
/// </summary>
internal static class BlockMapBuilder
{
    private const int Direct = 12;
    private const ulong PerBlock = Geometry.BlockSize / 4;

    /// <summary>Fills <paramref name="iblock"/> and returns how many indirect blocks it allocated.</summary>
    public static uint Build(IReadOnlyList<DataRun> runs, Span<byte> iblock, IBlockStore store)
    {
        iblock.Clear();
        // An indirect block is named by its level (1..3) and the first logical block it maps.
        var nodes = new SortedDictionary<(int Level, ulong First), uint[]>();
        foreach (var run in runs)
        {
            for (uint i = 0; i < run.Length; i++)
            {
                Map(iblock, nodes, run.Logical + i, run.Physical + i);
            }
        }
        // Children before parents: allocate and write level 1, then fill their pointers into level 2, ...
        var numbers = new Dictionary<(int, ulong), ulong>();
        uint allocated = 0;
        for (int level = 1; level <= 3; level++)
        {
            foreach (var (key, pointers) in nodes)
            {
                if (key.Level != level)
                {
                    continue;
                }
                ulong block = store.AllocateBlock();
                allocated++;
                var bytes = new byte[Geometry.BlockSize];
                for (int p = 0; p < pointers.Length; p++)
                {
                    BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(p * 4), pointers[p]);
                }
                store.WriteBlock(block, bytes);
                numbers[key] = block;
                SetParentPointer(iblock, nodes, key, (uint)block);
            }
        }
        return allocated;
    }

    /// <summary>Indirect blocks needed to map [first, first+count) logical blocks (a bound when ranges overlap).</summary>
    public static ulong IndirectBlocksFor(ulong first, ulong count)
    {
        if (count == 0)
        {
            return 0;
        }
        ulong last = first + count - 1;
        ulong total = 0;
        ulong regionBase = Direct;
        for (int height = 1; height <= 3; height++)
        {
            // The tree of i_block[11+height] maps PerBlock^height blocks; its nodes of depth d
            // cover PerBlock^d of them each.
            ulong regionEnd = regionBase + Pow(PerBlock, height);
            if (last >= regionBase && first < regionEnd)
            {
                ulong lo = Math.Max(first, regionBase) - regionBase;
                ulong hi = Math.Min(last, regionEnd - 1) - regionBase;
                for (int depth = 1; depth <= height; depth++)
                {
                    ulong unit = Pow(PerBlock, depth);
                    total += hi / unit - lo / unit + 1;
                }
            }
            regionBase = regionEnd;
        }
        return total;
    }

    private static void Map(Span<byte> iblock, SortedDictionary<(int, ulong), uint[]> nodes, ulong logical, ulong physical)
    {
        if (physical > uint.MaxValue)
        {
            throw new ImageFormatException("an ext2 image cannot address blocks past 2^32");
        }
        if (logical < Direct)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(iblock[(int)(logical * 4)..], (uint)physical);
            return;
        }
        ulong offset = logical - Direct;
        int level = 1;
        while (offset >= Pow(PerBlock, level))
        {
            offset -= Pow(PerBlock, level);
            level++;
            if (level > 3)
            {
                throw new ImageFormatException($"an ext2 file cannot reach block {logical}");
            }
        }
        // The leaf (level-1 block) holding this pointer: its first logical block.
        ulong regionBase = logical - offset;
        ulong leafFirst = regionBase + offset / PerBlock * PerBlock;
        Node(nodes, 1, leafFirst, level, regionBase)[(int)(offset % PerBlock)] = (uint)physical;
    }

    // Level-1 nodes are the leaves. A tree of height h (i_block[11+h]) has nodes of levels 1..h.
    // Keys combine the level with the first logical block mapped; the height is implied by where
    // the region starts, so the parent of a node is found again in SetParentPointer.
    private static uint[] Node(SortedDictionary<(int, ulong), uint[]> nodes, int level, ulong first, int height, ulong regionBase)
    {
        if (!nodes.TryGetValue((level, first), out var node))
        {
            node = new uint[PerBlock];
            nodes[(level, first)] = node;
            if (level < height)
            {
                ulong unit = Pow(PerBlock, level + 1);
                ulong parentFirst = regionBase + (first - regionBase) / unit * unit;
                Node(nodes, level + 1, parentFirst, height, regionBase);
            }
        }
        return node;
    }

    private static void SetParentPointer(Span<byte> iblock, SortedDictionary<(int, ulong), uint[]> nodes, (int Level, ulong First) key, uint block)
    {
        var (regionBase, height) = Region(key.First);
        if (key.Level == height)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(iblock[((Direct - 1 + height) * 4)..], block);
            return;
        }
        ulong unit = Pow(PerBlock, key.Level + 1);
        ulong parentFirst = regionBase + (key.First - regionBase) / unit * unit;
        ulong slot = (key.First - parentFirst) / Pow(PerBlock, key.Level);
        nodes[(key.Level + 1, parentFirst)][(int)slot] = block;
    }

    private static (ulong Base, int Height) Region(ulong logical)
    {
        ulong regionBase = Direct;
        for (int height = 1; height <= 3; height++)
        {
            ulong end = regionBase + Pow(PerBlock, height);
            if (logical < end)
            {
                return (regionBase, height);
            }
            regionBase = end;
        }
        throw new ImageFormatException($"an ext2 file cannot reach block {logical}");
    }

    private static ulong Pow(ulong b, int e)
    {
        ulong r = 1;
        for (int i = 0; i < e; i++)
        {
            r *= b;
        }
        return r;
    }
}
