using System;
using System.Buffers.Binary;
using System.Collections.Generic;

namespace UserKernel.RootFs.Writer;

/// <summary>
/// Lays out a linear directory: struct ext4_dir_entry_2 records ("." and ".." first) packed
/// into blocks; an entry never crosses a block, and the last one of a block stretches its
/// rec_len to the block's end.
/// </summary>
internal static class DirectoryBuilder
{
    private const int EntryHeader = 8;

    /// <summary>The size of an entry with a name of <paramref name="nameLength"/> bytes (EXT4_DIR_REC_LEN).</summary>
    public static int RecordLength(int nameLength) => (EntryHeader + nameLength + 3) & ~3;

    /// <summary>How many blocks the entries take.</summary>
    public static ulong BlocksFor(IEnumerable<int> nameLengths)
    {
        ulong blocks = 1;
        int used = 0;
        foreach (int length in nameLengths)
        {
            int size = RecordLength(length);
            if (used + size > Geometry.BlockSize)
            {
                blocks++;
                used = 0;
            }
            used += size;
        }
        return blocks;
    }

    /// <summary>The directory's blocks, <paramref name="entries"/> in order.</summary>
    public static IEnumerable<byte[]> Blocks(IEnumerable<(byte[] Name, uint Inode, byte FileType)> entries)
    {
        var block = new byte[Geometry.BlockSize];
        int used = 0;
        int lastStart = -1;
        foreach (var (name, inode, type) in entries)
        {
            int size = RecordLength(name.Length);
            if (used + size > Geometry.BlockSize)
            {
                Stretch(block, lastStart);
                yield return block;
                block = new byte[Geometry.BlockSize];
                used = 0;
            }
            Span<byte> entry = block.AsSpan(used, size);
            BinaryPrimitives.WriteUInt32LittleEndian(entry, inode);
            BinaryPrimitives.WriteUInt16LittleEndian(entry[4..], (ushort)size);
            entry[6] = (byte)name.Length;
            entry[7] = type;
            name.CopyTo(entry[EntryHeader..]);
            lastStart = used;
            used += size;
        }
        Stretch(block, lastStart);
        yield return block;
    }

    private static void Stretch(byte[] block, int lastStart) =>
        BinaryPrimitives.WriteUInt16LittleEndian(block.AsSpan(lastStart + 4), (ushort)(Geometry.BlockSize - lastStart));
}
