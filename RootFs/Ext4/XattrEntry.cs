using System;
using System.Buffers.Binary;

namespace UserKernel.RootFs.Ext4;

/// <summary>
/// struct ext4_xattr_entry, as found after the ext4_xattr_ibody_header in the inode body:
/// e_name_len, e_name_index, e_value_offs, e_value_inum, e_value_size, e_hash, then the name,
/// padded to 4 bytes. A list ends with four zero bytes.
/// </summary>
public readonly ref struct XattrEntry
{
    /// <summary>h_magic of struct ext4_xattr_ibody_header.</summary>
    public const uint IbodyMagic = 0xEA020000;
    /// <summary>Bytes before the name.</summary>
    public const int HeaderSize = 16;
    /// <summary>EXT4_XATTR_INDEX_SYSTEM: the "system." name prefix.</summary>
    public const byte IndexSystem = 7;

    public byte NameIndex { get; init; }
    /// <summary>e_value_offs: where the value starts, counted from the first entry.</summary>
    public ushort ValueOffset { get; init; }
    /// <summary>e_value_inum: nonzero when the value lives in its own inode (ea_inode).</summary>
    public uint ValueInum { get; init; }
    public uint ValueSize { get; init; }
    /// <summary>The name without its prefix.</summary>
    public ReadOnlySpan<byte> Name { get; init; }

    /// <summary>EXT4_XATTR_LEN: this entry's size, name padding included.</summary>
    public int EntrySize => (HeaderSize + Name.Length + 3) & ~3;

    /// <summary>Whether <paramref name="raw"/> starts with the end-of-list marker (or cannot hold another entry).</summary>
    public static bool IsLast(ReadOnlySpan<byte> raw) => raw.Length < 4 || BinaryPrimitives.ReadUInt32LittleEndian(raw) == 0;

    /// <summary>Parses the entry at the start of <paramref name="raw"/>; false if its name runs past the end.</summary>
    public static bool TryParse(ReadOnlySpan<byte> raw, out XattrEntry entry)
    {
        entry = default;
        if (raw.Length < HeaderSize || HeaderSize + raw[0] > raw.Length)
        {
            return false;
        }
        entry = new XattrEntry
        {
            NameIndex = raw[1],
            ValueOffset = BinaryPrimitives.ReadUInt16LittleEndian(raw[2..]),
            ValueInum = BinaryPrimitives.ReadUInt32LittleEndian(raw[4..]),
            ValueSize = BinaryPrimitives.ReadUInt32LittleEndian(raw[8..]),
            Name = raw.Slice(HeaderSize, raw[0]),
        };
        return true;
    }
}
