using System;
using System.Buffers.Binary;
using UserKernel.RootFs.Image;

namespace UserKernel.RootFs.Ext4;

/// <summary>
/// Maps a logical block through an extent tree of any depth, rooted in i_block. Each step down
/// must reach a node exactly one level shallower, so a node pointing at itself (or an ancestor)
/// is reported as corruption instead of looping.
/// </summary>
internal static class ExtentTree
{
    /// <summary>Logical block numbers in extents are 32-bit.</summary>
    private const ulong LogicalEnd = 1UL << 32;

    public static BlockRun Map(MappedImage image, SuperBlock sb, uint ino, ReadOnlySpan<byte> iblock, ulong logical)
    {
        if (logical >= LogicalEnd)
        {
            return BlockRun.Endless;
        }
        ReadOnlySpan<byte> node = iblock;
        ulong bound = LogicalEnd; // first logical block past the subtree we are in
        int expectedDepth = -1;
        while (true)
        {
            var header = ExtentHeader.Parse(node, ino);
            if (expectedDepth >= 0 && header.Depth != expectedDepth)
            {
                throw ExtentHeader.Corrupt(ino, $"node at depth {header.Depth} where depth {expectedDepth} was expected");
            }
            ReadOnlySpan<byte> entries = node.Slice(ExtentHeader.Size, header.Entries * ExtentHeader.Size);
            int count = header.Entries;
            int i = LastStartingAtOrBefore(entries, count, logical);
            // Where the next entry starts: the end of the hole we are in if nothing covers `logical`.
            ulong next = i + 1 < count ? FirstBlock(entries, i + 1) : bound;
            if (next <= logical)
            {
                throw ExtentHeader.Corrupt(ino, "entries are out of order");
            }

            if (header.Depth == 0)
            {
                if (i >= 0)
                {
                    var extent = Extent.Parse(entries.Slice(i * ExtentHeader.Size, ExtentHeader.Size));
                    ulong end = (ulong)extent.Block + extent.Length;
                    if (logical < end)
                    {
                        return Covered(sb, ino, extent, logical);
                    }
                }
                return BlockRun.Zeros(next - logical);
            }

            if (i < 0)
            {
                // Before the first child: a hole up to where it starts.
                return BlockRun.Zeros(next - logical);
            }
            var index = ExtentIdx.Parse(entries.Slice(i * ExtentHeader.Size, ExtentHeader.Size));
            if (index.Leaf == 0 || index.Leaf >= sb.BlocksCount)
            {
                throw ExtentHeader.Corrupt(ino, $"index points at block {index.Leaf}, outside the filesystem's {sb.BlocksCount} blocks");
            }
            bound = next;
            expectedDepth = header.Depth - 1;
            node = image.Slice((long)index.Leaf * sb.BlockSize, (int)sb.BlockSize);
        }
    }

    private static BlockRun Covered(SuperBlock sb, uint ino, in Extent extent, ulong logical)
    {
        ulong skip = logical - extent.Block;
        ulong count = extent.Length - skip;
        if (extent.IsUnwritten)
        {
            return BlockRun.Zeros(count);
        }
        if (extent.Start == 0 || extent.Start >= sb.BlocksCount || extent.Length > sb.BlocksCount - extent.Start)
        {
            throw ExtentHeader.Corrupt(ino,
                $"extent of {extent.Length} blocks at block {extent.Start} lies outside the filesystem's {sb.BlocksCount} blocks");
        }
        return BlockRun.Mapped(extent.Start + skip, count);
    }

    private static uint FirstBlock(ReadOnlySpan<byte> entries, int i) =>
        BinaryPrimitives.ReadUInt32LittleEndian(entries[(i * ExtentHeader.Size)..]);

    // Entries are sorted by first logical block (ee_block / ei_block share offset 0): binary search.
    private static int LastStartingAtOrBefore(ReadOnlySpan<byte> entries, int count, ulong logical)
    {
        int lo = 0, hi = count - 1, found = -1;
        while (lo <= hi)
        {
            int mid = (lo + hi) >>> 1;
            if (FirstBlock(entries, mid) <= logical)
            {
                found = mid;
                lo = mid + 1;
            }
            else
            {
                hi = mid - 1;
            }
        }
        return found;
    }
}
