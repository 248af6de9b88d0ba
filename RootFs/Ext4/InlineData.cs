using System;
using System.Buffers.Binary;
using UserKernel.RootFs.Image;

namespace UserKernel.RootFs.Ext4;

/// <summary>
/// Inline data (EXT4_INLINE_DATA_FL): a file's first 60 bytes are in i_block and the rest in the
/// value of the "system.data" extended attribute in the inode body. An inline directory keeps
/// its parent's inode number in the first 4 bytes of i_block, entries in the other 56, and more
/// entries in system.data; "." and ".." are implied.
/// </summary>
internal static class InlineData
{
    /// <summary>EXT4_INLINE_DOTDOT_SIZE: the parent inode number at the start of an inline directory.</summary>
    public const int DotDotSize = 4;

    private static ReadOnlySpan<byte> DataName => "data"u8;

    /// <summary>The value of system.data in the inode body; empty if there is none.</summary>
    public static ReadOnlySpan<byte> SystemData(uint ino, ReadOnlySpan<byte> raw)
    {
        int start = SuperBlock.GoodOldInodeSize + Ext4Inode.ExtraIsize(ino, raw);
        if (raw.Length - start < 4 || BinaryPrimitives.ReadUInt32LittleEndian(raw[start..]) != XattrEntry.IbodyMagic)
        {
            return default;
        }
        // Value offsets count from the first entry, just past the 4-byte header.
        ReadOnlySpan<byte> entries = raw[(start + 4)..];
        int pos = 0;
        while (!XattrEntry.IsLast(entries[pos..]))
        {
            if (!XattrEntry.TryParse(entries[pos..], out var entry))
            {
                throw Corrupt(ino, $"extended attribute entry at offset {pos} runs past the inode");
            }
            if (entry.NameIndex == XattrEntry.IndexSystem && entry.Name.SequenceEqual(DataName))
            {
                if (entry.ValueInum != 0 || entry.ValueOffset + (long)entry.ValueSize > entries.Length)
                {
                    throw Corrupt(ino, $"system.data value of {entry.ValueSize} bytes at offset {entry.ValueOffset} does not fit the inode");
                }
                return entries.Slice(entry.ValueOffset, (int)entry.ValueSize);
            }
            pos += entry.EntrySize;
            if (pos > entries.Length)
            {
                break;
            }
        }
        return default;
    }

    /// <summary>
    /// Copies file bytes from <paramref name="offset"/> into <paramref name="dest"/>; the caller has
    /// capped it at i_size. Bytes past what the inode stores read as zeros, as in Linux
    /// (e2fsprogs makes such files from sparse sources).
    /// </summary>
    public static void Read(uint ino, ReadOnlySpan<byte> raw, long offset, Span<byte> dest)
    {
        ReadOnlySpan<byte> head = Ext4Inode.IBlock(raw);
        ReadOnlySpan<byte> tail = SystemData(ino, raw);
        int done = 0;
        if (offset < head.Length)
        {
            int n = Math.Min(head.Length - (int)offset, dest.Length);
            head.Slice((int)offset, n).CopyTo(dest);
            done = n;
        }
        long tailOffset = offset + done - head.Length;
        if (done < dest.Length && tailOffset < tail.Length)
        {
            int n = Math.Min(tail.Length - (int)tailOffset, dest.Length - done);
            tail.Slice((int)tailOffset, n).CopyTo(dest[done..]);
            done += n;
        }
        dest[done..].Clear();
    }

    /// <summary>An inline directory's parent, from its i_block: the ".." it does not store as an entry.</summary>
    public static uint Parent(ReadOnlySpan<byte> iblock) => BinaryPrimitives.ReadUInt32LittleEndian(iblock);

    /// <summary>The entries stored in i_block, after the parent's inode number.</summary>
    public static ReadOnlySpan<byte> DirEntries(ReadOnlySpan<byte> iblock) => iblock[DotDotSize..];

    private static ImageFormatException Corrupt(uint ino, string what) => new($"corrupt inline data in inode {ino}: {what}");
}
