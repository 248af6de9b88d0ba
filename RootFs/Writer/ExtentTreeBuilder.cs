using System;
using System.Buffers.Binary;
using System.Collections.Generic;

namespace UserKernel.RootFs.Writer;

/// <summary>
/// Builds an ext4 extent tree for a file's runs: up to four extents fit in i_block (depth 0);
/// more go into leaf blocks of 340 extents, indexed from i_block or from index blocks above.
/// Each extent covers at most 32768 blocks (longer lengths mean "unwritten").
/// </summary>
internal static class ExtentTreeBuilder
{
    public const ushort Magic = 0xF30A;
    public const uint MaxExtentLength = 32768;
    private const int HeaderSize = 12;
    private const int EntrySize = 12;
    private const int RootEntries = 4;
    private const int BlockEntries = (Geometry.BlockSize - HeaderSize) / EntrySize;

    /// <summary>Fills <paramref name="iblock"/> (60 bytes) and returns how many tree blocks it allocated.</summary>
    public static uint Build(IReadOnlyList<DataRun> runs, Span<byte> iblock, IBlockStore store)
    {
        var extents = new List<DataRun>();
        foreach (var run in runs)
        {
            for (uint done = 0; done < run.Length;)
            {
                uint length = Math.Min(run.Length - done, MaxExtentLength);
                extents.Add(new DataRun(run.Logical + done, run.Physical + done, length));
                done += length;
            }
        }
        if (extents.Count <= RootEntries)
        {
            WriteNode(iblock, RootEntries, 0, extents.Count, i => Extent(extents[i]));
            return 0;
        }
        uint allocated = 0;
        // Build leaves, then levels of index blocks until the top level fits in i_block.
        var level = new List<(uint FirstLogical, ulong Block)>();
        for (int start = 0; start < extents.Count; start += BlockEntries)
        {
            int count = Math.Min(BlockEntries, extents.Count - start);
            level.Add(((uint)extents[start].Logical, WriteBlock(store, 0, count, i => Extent(extents[start + i]))));
            allocated++;
        }
        ushort depth = 1;
        while (level.Count > RootEntries)
        {
            var above = new List<(uint, ulong)>();
            for (int start = 0; start < level.Count; start += BlockEntries)
            {
                int count = Math.Min(BlockEntries, level.Count - start);
                var below = level;
                above.Add((below[start].FirstLogical, WriteBlock(store, depth, count, i => Index(below[start + i]))));
                allocated++;
            }
            level = above;
            depth++;
        }
        var top = level;
        WriteNode(iblock, RootEntries, depth, top.Count, i => Index(top[i]));
        return allocated;
    }

    private static ulong WriteBlock(IBlockStore store, ushort depth, int count, Func<int, byte[]> entry)
    {
        var block = new byte[Geometry.BlockSize];
        WriteNode(block, BlockEntries, depth, count, entry);
        ulong number = store.AllocateBlock();
        store.WriteBlock(number, block);
        return number;
    }

    // struct ext4_extent_header, then the entries.
    private static void WriteNode(Span<byte> node, int max, ushort depth, int count, Func<int, byte[]> entry)
    {
        node.Clear();
        BinaryPrimitives.WriteUInt16LittleEndian(node, Magic);
        BinaryPrimitives.WriteUInt16LittleEndian(node[2..], (ushort)count);
        BinaryPrimitives.WriteUInt16LittleEndian(node[4..], (ushort)max);
        BinaryPrimitives.WriteUInt16LittleEndian(node[6..], depth);
        for (int i = 0; i < count; i++)
        {
            entry(i).CopyTo(node[(HeaderSize + i * EntrySize)..]);
        }
    }

    // struct ext4_extent: ee_block, ee_len, ee_start_hi, ee_start_lo.
    private static byte[] Extent(DataRun run)
    {
        var e = new byte[EntrySize];
        BinaryPrimitives.WriteUInt32LittleEndian(e, (uint)run.Logical);
        BinaryPrimitives.WriteUInt16LittleEndian(e.AsSpan(4), (ushort)run.Length);
        BinaryPrimitives.WriteUInt16LittleEndian(e.AsSpan(6), (ushort)(run.Physical >> 32));
        BinaryPrimitives.WriteUInt32LittleEndian(e.AsSpan(8), (uint)run.Physical);
        return e;
    }

    // struct ext4_extent_idx: ei_block, ei_leaf_lo, ei_leaf_hi.
    private static byte[] Index((uint FirstLogical, ulong Block) child)
    {
        var e = new byte[EntrySize];
        BinaryPrimitives.WriteUInt32LittleEndian(e, child.FirstLogical);
        BinaryPrimitives.WriteUInt32LittleEndian(e.AsSpan(4), (uint)child.Block);
        BinaryPrimitives.WriteUInt16LittleEndian(e.AsSpan(8), (ushort)(child.Block >> 32));
        return e;
    }

    /// <summary>An upper bound on the tree blocks for <paramref name="extents"/> extents.</summary>
    public static ulong TreeBlocksFor(ulong extents)
    {
        ulong total = 0;
        ulong level = extents;
        while (level > RootEntries)
        {
            level = (level + BlockEntries - 1) / BlockEntries;
            total += level;
        }
        return total;
    }
}
