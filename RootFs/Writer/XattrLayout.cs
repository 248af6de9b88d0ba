using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using UserKernel.RootFs.Ext4;
using UserKernel.RootFs.Image;

namespace UserKernel.RootFs.Writer;

/// <summary>
/// Places a node's extended attributes: as many as fit in the inode body after i_extra_isize
/// (an ext4_xattr_ibody_header, then entries, values packed at the end), the rest in one
/// attribute block of its own (struct ext4_xattr_header, entries sorted as the kernel searches
/// them, values from the end down), with the entry hashes and block hash Linux computes.
/// </summary>
internal sealed class XattrLayout
{
    public const uint Magic = 0xEA020000;
    private const int EntryHeader = 16;
    private const int BlockHeader = 32;

    private XattrLayout(byte[]? body, byte[]? block)
    {
        Body = body;
        Block = block;
    }

    /// <summary>The bytes after i_extra_isize (magic included), or null if no attribute is in the inode.</summary>
    public byte[]? Body { get; }

    /// <summary>The attribute block, or null if every attribute fits in the inode.</summary>
    public byte[]? Block { get; }

    public static XattrLayout? For(IReadOnlyDictionary<string, byte[]> xattrs, int bodySpace, string path)
    {
        if (xattrs.Count == 0)
        {
            return null;
        }
        var entries = new List<(byte Index, byte[] Suffix, byte[] Value)>();
        foreach (var (name, value) in xattrs)
        {
            if (!XattrName.TryEncode(name, out byte index, out byte[] suffix) || suffix.Length > 255)
            {
                throw new ImageFormatException($"{path}: extended attribute '{name}' has no ext4 name prefix or is too long");
            }
            byte[] stored = index is 2 or 3 ? PosixAcl.ToDisk(value, path) : value;
            entries.Add((index, suffix, stored));
        }
        // The kernel searches a block's entries in this order and stops early.
        entries.Sort((a, b) =>
        {
            int c = a.Index.CompareTo(b.Index);
            if (c == 0) c = a.Suffix.Length.CompareTo(b.Suffix.Length);
            return c != 0 ? c : a.Suffix.AsSpan().SequenceCompareTo(b.Suffix);
        });
        var inBody = new List<(byte, byte[], byte[])>();
        int used = 4 + 4; // magic and the end marker
        int i = 0;
        for (; i < entries.Count; i++)
        {
            int size = EntrySize(entries[i].Suffix) + Pad(entries[i].Value.Length);
            if (used + size > bodySpace)
            {
                break;
            }
            used += size;
            inBody.Add(entries[i]);
        }
        var rest = entries.GetRange(i, entries.Count - i);
        byte[]? body = inBody.Count > 0 ? Pack(inBody, bodySpace, 4, path) : null;
        if (body is not null)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(body, Magic);
        }
        byte[]? block = null;
        if (rest.Count > 0)
        {
            block = Pack(rest, Geometry.BlockSize, BlockHeader, path);
            BinaryPrimitives.WriteUInt32LittleEndian(block, Magic);
            BinaryPrimitives.WriteUInt32LittleEndian(block.AsSpan(4), 1); // h_refcount
            BinaryPrimitives.WriteUInt32LittleEndian(block.AsSpan(8), 1); // h_blocks
            BinaryPrimitives.WriteUInt32LittleEndian(block.AsSpan(12), BlockHash(block));
        }
        return new XattrLayout(body, block);
    }

    private static int EntrySize(byte[] suffix) => (EntryHeader + suffix.Length + 3) & ~3;
    private static int Pad(int length) => (length + 3) & ~3;

    /// <summary>
    /// Entries from <paramref name="first"/> on, values packed at the end of <paramref name="size"/>
    /// bytes. Value offsets count from the first entry in the inode body and from the block start in a block.
    /// </summary>
    private static byte[] Pack(List<(byte Index, byte[] Suffix, byte[] Value)> entries, int size, int first, string path)
    {
        var space = new byte[size];
        int valueBase = first == BlockHeader ? 0 : first;
        int entry = first;
        int valueEnd = size;
        foreach (var (index, suffix, value) in entries)
        {
            int valueStart = valueEnd - Pad(value.Length);
            if (entry + EntrySize(suffix) + 4 > valueStart)
            {
                throw new ImageFormatException($"{path}: extended attributes take more than an inode and a block");
            }
            value.CopyTo(space, valueStart);
            Span<byte> e = space.AsSpan(entry);
            e[0] = (byte)suffix.Length;
            e[1] = index;
            BinaryPrimitives.WriteUInt16LittleEndian(e[2..], (ushort)(value.Length == 0 ? 0 : valueStart - valueBase));
            BinaryPrimitives.WriteUInt32LittleEndian(e[8..], (uint)value.Length);
            BinaryPrimitives.WriteUInt32LittleEndian(e[12..], EntryHash(suffix, space.AsSpan(valueStart, Pad(value.Length))));
            suffix.CopyTo(e[EntryHeader..]);
            entry += EntrySize(suffix);
            if (value.Length > 0)
            {
                valueEnd = valueStart;
            }
        }
        return space;
    }

    /// <summary>ext4_xattr_hash_entry: the name's bytes, then the value's 32-bit words.</summary>
    internal static uint EntryHash(ReadOnlySpan<byte> name, ReadOnlySpan<byte> paddedValue)
    {
        uint hash = 0;
        foreach (byte b in name)
        {
            hash = (hash << 5) ^ (hash >> 27) ^ b;
        }
        for (int i = 0; i + 4 <= paddedValue.Length; i += 4)
        {
            hash = (hash << 16) ^ (hash >> 16) ^ BinaryPrimitives.ReadUInt32LittleEndian(paddedValue[i..]);
        }
        return hash;
    }

    /// <summary>ext4_xattr_rehash: the entry hashes folded together.</summary>
    private static uint BlockHash(byte[] block)
    {
        uint hash = 0;
        int pos = BlockHeader;
        while (BinaryPrimitives.ReadUInt32LittleEndian(block.AsSpan(pos)) != 0)
        {
            uint entryHash = BinaryPrimitives.ReadUInt32LittleEndian(block.AsSpan(pos + 12));
            hash = (hash << 16) ^ (hash >> 16) ^ entryHash;
            pos += (EntryHeader + block[pos] + 3) & ~3;
        }
        return hash;
    }
}
