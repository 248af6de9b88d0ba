using System;
using System.Buffers.Binary;
using UserKernel.RootFs.Image;

namespace UserKernel.RootFs.Ext4;

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
