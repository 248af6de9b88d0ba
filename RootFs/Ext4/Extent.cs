using System;
using System.Buffers.Binary;

namespace UserKernel.RootFs.Ext4;

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
