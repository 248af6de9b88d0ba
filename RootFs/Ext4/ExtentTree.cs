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

// The tree's on-disk records: the header that starts every node, then its leaf or index entries.

/// <summary>
/// struct ext4_extent_header: the 12 bytes that start i_block and every extent tree block,
/// followed by eh_entries entries of 12 bytes (<see cref="ExtentIdx"/> or <see cref="Extent"/>).
/// </summary>
public readonly struct ExtentHeader
{
    /// <summary>eh_magic.</summary>
    public const ushort Magic = 0xF30A;
    /// <summary>Size of the header, and of each entry after it.</summary>
    public const int Size = 12;
    /// <summary>EXT4_MAX_EXTENT_DEPTH: deeper trees are corrupt (and could be cycles).</summary>
    public const int MaxDepth = 5;

    public ushort Entries { get; init; }
    public ushort Max { get; init; }
    /// <summary>0 for a leaf of extents; otherwise the node holds indexes to nodes of depth - 1.</summary>
    public ushort Depth { get; init; }
    public uint Generation { get; init; }

    /// <summary>
    /// Parses and checks the header at the start of <paramref name="node"/> (i_block or a tree
    /// block): the magic, and that eh_max entries fit the node and eh_entries fit eh_max.
    /// </summary>
    public static ExtentHeader Parse(ReadOnlySpan<byte> node, uint ino)
    {
        ushort magic = BinaryPrimitives.ReadUInt16LittleEndian(node);
        if (magic != Magic)
        {
            throw Corrupt(ino, $"bad extent header magic 0x{magic:X4}");
        }
        var header = new ExtentHeader
        {
            Entries = BinaryPrimitives.ReadUInt16LittleEndian(node[2..]),
            Max = BinaryPrimitives.ReadUInt16LittleEndian(node[4..]),
            Depth = BinaryPrimitives.ReadUInt16LittleEndian(node[6..]),
            Generation = BinaryPrimitives.ReadUInt32LittleEndian(node[8..]),
        };
        if (header.Entries > header.Max || Size + header.Max * Size > node.Length)
        {
            throw Corrupt(ino, $"extent node claims {header.Entries} of {header.Max} entries in {node.Length} bytes");
        }
        if (header.Depth > MaxDepth)
        {
            throw Corrupt(ino, $"extent tree depth {header.Depth} exceeds {MaxDepth}");
        }
        return header;
    }

    internal static ImageFormatException Corrupt(uint ino, string what) =>
        new($"corrupt extent tree in inode {ino}: {what}");
}

/// <summary>struct ext4_extent: a leaf entry mapping ee_len logical blocks from ee_block to consecutive physical blocks.</summary>
public readonly struct Extent
{
    /// <summary>EXT_INIT_MAX_LEN: an ee_len above it marks an unwritten extent of ee_len - 32768 blocks.</summary>
    public const int InitMaxLen = 32768;

    /// <summary>ee_block: the first logical block.</summary>
    public uint Block { get; init; }
    /// <summary>ee_len as stored.</summary>
    public ushort RawLength { get; init; }
    /// <summary>ee_start_lo and ee_start_hi: the first physical block.</summary>
    public ulong Start { get; init; }

    /// <summary>Blocks covered.</summary>
    public uint Length => RawLength > InitMaxLen ? (uint)(RawLength - InitMaxLen) : RawLength;

    /// <summary>Allocated but never written: reads as zeros.</summary>
    public bool IsUnwritten => RawLength > InitMaxLen;

    public static Extent Parse(ReadOnlySpan<byte> raw) => new()
    {
        Block = BinaryPrimitives.ReadUInt32LittleEndian(raw),
        RawLength = BinaryPrimitives.ReadUInt16LittleEndian(raw[4..]),
        Start = (ulong)BinaryPrimitives.ReadUInt16LittleEndian(raw[6..]) << 32 | BinaryPrimitives.ReadUInt32LittleEndian(raw[8..]),
    };
}

/// <summary>struct ext4_extent_idx: an interior entry, pointing at the node that maps logical blocks from ei_block on.</summary>
public readonly struct ExtentIdx
{
    /// <summary>ei_block: the first logical block the child covers.</summary>
    public uint Block { get; init; }
    /// <summary>ei_leaf_lo and ei_leaf_hi: the child node's physical block.</summary>
    public ulong Leaf { get; init; }

    public static ExtentIdx Parse(ReadOnlySpan<byte> raw) => new()
    {
        Block = BinaryPrimitives.ReadUInt32LittleEndian(raw),
        Leaf = BinaryPrimitives.ReadUInt32LittleEndian(raw[4..]) | (ulong)BinaryPrimitives.ReadUInt16LittleEndian(raw[8..]) << 32,
    };
}
