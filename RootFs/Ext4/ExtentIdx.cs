using System;
using System.Buffers.Binary;

namespace UserKernel.RootFs.Ext4;

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
