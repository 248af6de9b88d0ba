using System;
using System.Buffers.Binary;
using UserKernel.RootFs.Tree;

namespace UserKernel.RootFs.Writer;

/// <summary>What the writing pass decided about an inode, beyond the node's own metadata.</summary>
internal sealed class InodeFields
{
    public uint Mode { get; init; }
    public uint Links { get; set; }
    public ulong Size { get; set; }
    public ulong Blocks512 { get; set; }
    public bool Extents { get; set; }
    public ulong FileAcl { get; set; }
    public byte[]? FastSymlink { get; set; }
    public (uint Major, uint Minor)? Device { get; set; }
    /// <summary>i_block as built by a mapping builder.</summary>
    public byte[] IBlock { get; } = new byte[60];
}

/// <summary>Lays out struct ext4_inode (256 bytes: the 128 classic ones and 32 extra, then in-inode xattrs).</summary>
internal static class InodeBytes
{
    public static byte[] Build(TreeNode node, InodeFields f, Timestamp created, byte[]? xattrBody)
    {
        var raw = new byte[Geometry.InodeSize];
        var s = raw.AsSpan();
        U16(s, 0x00, (ushort)f.Mode);
        U16(s, 0x02, (ushort)node.Uid);
        U32(s, 0x04, (uint)f.Size);
        Time(s, 0x08, 0x8C, node.Atime);
        Time(s, 0x0C, 0x84, node.Ctime);
        Time(s, 0x10, 0x88, node.Mtime);
        U16(s, 0x18, (ushort)node.Gid);
        U16(s, 0x1A, (ushort)f.Links);
        U32(s, 0x1C, (uint)f.Blocks512);
        U32(s, 0x20, f.Extents ? Ext4Constants.ExtentsFlag : 0);
        if (f.FastSymlink is not null)
        {
            f.FastSymlink.CopyTo(s[0x28..]);
        }
        else if (f.Device is var (major, minor))
        {
            // As Linux's ext4: the old 8:8 encoding in i_block[0] when it fits, else the new one in i_block[1].
            if (major < 256 && minor < 256)
            {
                U32(s, 0x28, major << 8 | minor);
            }
            else
            {
                U32(s, 0x2C, (minor & 0xFF) | (major << 8) | ((minor & ~0xFFu) << 12));
            }
        }
        else
        {
            f.IBlock.CopyTo(s[0x28..]);
        }
        U32(s, 0x68, (uint)f.FileAcl);
        U32(s, 0x6C, (uint)(f.Size >> 32));
        U16(s, 0x74, (ushort)(f.Blocks512 >> 32));
        U16(s, 0x76, (ushort)(f.FileAcl >> 32));
        U16(s, 0x78, (ushort)(node.Uid >> 16));
        U16(s, 0x7A, (ushort)(node.Gid >> 16));
        U16(s, 0x80, Ext4Constants.ExtraIsize);
        Time(s, 0x90, 0x94, created);
        xattrBody?.CopyTo(s[(128 + Ext4Constants.ExtraIsize)..]);
        return raw;
    }

    // Seconds in the classic field (signed 32 bits); the _extra word holds nanoseconds above two
    // epoch bits that extend the seconds to 34 bits.
    private static void Time(Span<byte> s, int secOffset, int extraOffset, Timestamp t)
    {
        U32(s, secOffset, (uint)t.Seconds);
        uint epoch = (uint)((t.Seconds - (int)t.Seconds) >> 32) & 3;
        U32(s, extraOffset, Math.Min(t.Nanoseconds, 999_999_999u) << 2 | epoch);
    }

    private static void U16(Span<byte> s, int offset, ushort value) => BinaryPrimitives.WriteUInt16LittleEndian(s[offset..], value);
    private static void U32(Span<byte> s, int offset, uint value) => BinaryPrimitives.WriteUInt32LittleEndian(s[offset..], value);
}
