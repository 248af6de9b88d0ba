using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using UserKernel.RootFs.Image;

namespace UserKernel.RootFs.Ext4;

// Extended attributes: the entries in the inode body after i_extra_isize, then those in the
// block i_file_acl names.
public sealed partial class Ext4Reader
{
    /// <summary>Size of struct ext4_xattr_header at the start of an attribute block.</summary>
    private const int XattrBlockHeaderSize = 32;

    /// <summary>
    /// The extended attributes of inode <paramref name="ino"/> with full names ("user.x",
    /// "security.capability", "system.posix_acl_access"), in-inode ones first, in stored order.
    /// POSIX ACLs come in getxattr(2)'s form. Values kept in their own inode (ea_inode) are not supported and throw.
    /// </summary>
    public IReadOnlyList<(string Name, byte[] Value)> ReadXattrs(uint ino)
    {
        ReadOnlySpan<byte> raw = RawInode(ino);
        var result = new List<(string, byte[])>();
        int start = SuperBlock.GoodOldInodeSize + Ext4Inode.ExtraIsize(ino, raw);
        if (raw.Length - start >= 4 && BinaryPrimitives.ReadUInt32LittleEndian(raw[start..]) == XattrEntry.IbodyMagic)
        {
            // In the inode body, value offsets count from the first entry, just past the magic.
            ReadOnlySpan<byte> body = raw[(start + 4)..];
            ReadEntries(ino, body, body, result);
        }
        ulong block = Ext4Inode.FileAclOf(raw);
        if (block != 0)
        {
            if (block >= _sb.BlocksCount)
            {
                throw new ImageFormatException($"corrupt filesystem: inode {ino} has its xattr block {block} past the end");
            }
            ReadOnlySpan<byte> data = _image.Slice((long)block << _blockShift, (int)_sb.BlockSize);
            if (BinaryPrimitives.ReadUInt32LittleEndian(data) != XattrEntry.IbodyMagic)
            {
                throw new ImageFormatException($"corrupt filesystem: xattr block {block} of inode {ino} has a bad magic");
            }
            // In a block, value offsets count from the start of the block.
            ReadEntries(ino, data[XattrBlockHeaderSize..], data, result);
        }
        return result;
    }

    private static void ReadEntries(uint ino, ReadOnlySpan<byte> entries, ReadOnlySpan<byte> valueBase, List<(string, byte[])> result)
    {
        int pos = 0;
        while (pos < entries.Length && !XattrEntry.IsLast(entries[pos..]))
        {
            if (!XattrEntry.TryParse(entries[pos..], out var entry))
            {
                throw new ImageFormatException($"corrupt filesystem: xattr entry of inode {ino} runs past its space");
            }
            string name = XattrName.Decode(entry.NameIndex, entry.Name);
            if (entry.ValueInum != 0)
            {
                throw new ImageFormatException($"unsupported: xattr '{name}' of inode {ino} keeps its value in inode {entry.ValueInum} (ea_inode)");
            }
            if (entry.ValueOffset + (long)entry.ValueSize > valueBase.Length)
            {
                throw new ImageFormatException($"corrupt filesystem: xattr '{name}' of inode {ino} has its value past its space");
            }
            ReadOnlySpan<byte> value = valueBase.Slice(entry.ValueOffset, (int)entry.ValueSize);
            // ACLs are stored in ext4's compact form; hand them out as getxattr(2) does.
            result.Add((name, entry.NameIndex is 2 or 3 ? PosixAcl.FromDisk(value, ino) : value.ToArray()));
            pos += entry.EntrySize;
        }
    }
}
