using System;
using System.Buffers.Binary;
using System.IO;
using UserKernel.RootFs.Image;

namespace UserKernel.RootFs.Ext4;

/// <summary>
/// POSIX ACLs in their two forms: what getxattr(2) returns for system.posix_acl_access
/// (posix_acl_xattr: version 2, 8-byte entries) and what ext4 stores (ext4_acl: version 1,
/// 4-byte entries except for named users and groups, which carry an id).
/// </summary>
public static class PosixAcl
{
    private const uint XattrVersion = 2;
    private const uint DiskVersion = 1;
    private const ushort AclUser = 0x02;
    private const ushort AclGroup = 0x08;

    /// <summary>The ext4 on-disk form of an ACL given in getxattr form.</summary>
    public static byte[] ToDisk(ReadOnlySpan<byte> xattr, string path)
    {
        if (xattr.Length < 4 || (xattr.Length - 4) % 8 != 0 || BinaryPrimitives.ReadUInt32LittleEndian(xattr) != XattrVersion)
        {
            throw new ImageFormatException($"{path}: a POSIX ACL that is not in getxattr's version 2 form");
        }
        var disk = new MemoryStream();
        Span<byte> word = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(word, DiskVersion);
        disk.Write(word);
        for (int pos = 4; pos < xattr.Length; pos += 8)
        {
            ushort tag = BinaryPrimitives.ReadUInt16LittleEndian(xattr[pos..]);
            disk.Write(xattr.Slice(pos, tag is AclUser or AclGroup ? 8 : 4));
        }
        return disk.ToArray();
    }

    /// <summary>The getxattr form of an ACL stored by ext4.</summary>
    public static byte[] FromDisk(ReadOnlySpan<byte> disk, uint ino)
    {
        if (disk.Length < 4 || BinaryPrimitives.ReadUInt32LittleEndian(disk) != DiskVersion)
        {
            throw new ImageFormatException($"corrupt filesystem: inode {ino} has a POSIX ACL of an unknown version");
        }
        var xattr = new MemoryStream();
        Span<byte> entry = stackalloc byte[8];
        BinaryPrimitives.WriteUInt32LittleEndian(entry, XattrVersion);
        xattr.Write(entry[..4]);
        int pos = 4;
        while (pos + 4 <= disk.Length)
        {
            ushort tag = BinaryPrimitives.ReadUInt16LittleEndian(disk[pos..]);
            int size = tag is AclUser or AclGroup ? 8 : 4;
            if (pos + size > disk.Length)
            {
                throw new ImageFormatException($"corrupt filesystem: inode {ino} has a truncated POSIX ACL");
            }
            entry.Clear();
            disk.Slice(pos, size).CopyTo(entry);
            if (size == 4)
            {
                BinaryPrimitives.WriteUInt32LittleEndian(entry[4..], uint.MaxValue); // ACL_UNDEFINED_ID
            }
            xattr.Write(entry);
            pos += size;
        }
        return xattr.ToArray();
    }
}
