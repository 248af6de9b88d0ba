using System;
using System.Buffers.Binary;

namespace UserKernel.Kernel.Abi;

/// <summary>x86-64 struct stat (asm/stat.h), 144 bytes, written field by field.</summary>
public static class Stat
{
    public const int Size = 144;

    public static void Write(Span<byte> b, ulong st_dev, ulong st_ino, ulong st_nlink, uint st_mode, uint st_uid, uint st_gid,
        ulong st_rdev, long st_size, long st_blksize, long st_blocks,
        long atime, uint atimeNsec, long mtime, uint mtimeNsec, long ctime, uint ctimeNsec)
    {
        b[..Size].Clear();
        BinaryPrimitives.WriteUInt64LittleEndian(b[0..], st_dev);
        BinaryPrimitives.WriteUInt64LittleEndian(b[8..], st_ino);
        BinaryPrimitives.WriteUInt64LittleEndian(b[16..], st_nlink);
        BinaryPrimitives.WriteUInt32LittleEndian(b[24..], st_mode);
        BinaryPrimitives.WriteUInt32LittleEndian(b[28..], st_uid);
        BinaryPrimitives.WriteUInt32LittleEndian(b[32..], st_gid);
        BinaryPrimitives.WriteUInt64LittleEndian(b[40..], st_rdev);
        BinaryPrimitives.WriteInt64LittleEndian(b[48..], st_size);
        BinaryPrimitives.WriteInt64LittleEndian(b[56..], st_blksize);
        BinaryPrimitives.WriteInt64LittleEndian(b[64..], st_blocks);
        BinaryPrimitives.WriteInt64LittleEndian(b[72..], atime);
        BinaryPrimitives.WriteInt64LittleEndian(b[80..], atimeNsec);
        BinaryPrimitives.WriteInt64LittleEndian(b[88..], mtime);
        BinaryPrimitives.WriteInt64LittleEndian(b[96..], mtimeNsec);
        BinaryPrimitives.WriteInt64LittleEndian(b[104..], ctime);
        BinaryPrimitives.WriteInt64LittleEndian(b[112..], ctimeNsec);
    }
}

/// <summary>struct statx (linux/stat.h), 256 bytes, and its mask bits.</summary>
public static class Statx
{
    public const int Size = 256;
    public const uint STATX_BASIC_STATS = 0x7ff;
    public const uint STATX_BTIME = 0x800;
    public const uint STATX_MNT_ID = 0x1000;
    public const ulong STATX_ATTR_AUTOMOUNT = 0x1000, STATX_ATTR_MOUNT_ROOT = 0x2000, STATX_ATTR_DAX = 0x200000;

    /// <summary>stx_attributes and stx_attributes_mask.</summary>
    public static void WriteAttributes(Span<byte> b, ulong attributes, ulong mask)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(b[0x08..], attributes);
        BinaryPrimitives.WriteUInt64LittleEndian(b[0x38..], mask);
    }

    public static void WriteHeader(Span<byte> b, uint mask, uint blksize, uint nlink, uint uid, uint gid, ushort mode, ulong ino, ulong size, ulong blocks)
    {
        b[..Size].Clear();
        BinaryPrimitives.WriteUInt32LittleEndian(b[0x00..], mask);
        BinaryPrimitives.WriteUInt32LittleEndian(b[0x04..], blksize);
        BinaryPrimitives.WriteUInt32LittleEndian(b[0x10..], nlink);
        BinaryPrimitives.WriteUInt32LittleEndian(b[0x14..], uid);
        BinaryPrimitives.WriteUInt32LittleEndian(b[0x18..], gid);
        BinaryPrimitives.WriteUInt16LittleEndian(b[0x1c..], mode);
        BinaryPrimitives.WriteUInt64LittleEndian(b[0x20..], ino);
        BinaryPrimitives.WriteUInt64LittleEndian(b[0x28..], size);
        BinaryPrimitives.WriteUInt64LittleEndian(b[0x30..], blocks);
    }

    /// <summary>Offsets of stx_atime, stx_btime, stx_ctime, stx_mtime.</summary>
    public const int Atime = 0x40, Btime = 0x50, Ctime = 0x60, Mtime = 0x70;

    public static void WriteTime(Span<byte> b, int offset, long sec, uint nsec)
    {
        BinaryPrimitives.WriteInt64LittleEndian(b[offset..], sec);
        BinaryPrimitives.WriteUInt32LittleEndian(b[(offset + 8)..], nsec);
    }

    public static void WriteDevices(Span<byte> b, uint rdevMajor, uint rdevMinor, uint devMajor, uint devMinor, ulong mountId)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(b[0x80..], rdevMajor);
        BinaryPrimitives.WriteUInt32LittleEndian(b[0x84..], rdevMinor);
        BinaryPrimitives.WriteUInt32LittleEndian(b[0x88..], devMajor);
        BinaryPrimitives.WriteUInt32LittleEndian(b[0x8c..], devMinor);
        BinaryPrimitives.WriteUInt64LittleEndian(b[0x90..], mountId);
    }
}

/// <summary>dev_t as glibc's major()/minor() split it.</summary>
public static class DevT
{
    public static uint Major(ulong dev) => (uint)(((dev >> 32) & 0xfffff000) | ((dev >> 8) & 0xfff));
    public static uint Minor(ulong dev) => (uint)(((dev >> 12) & 0xffffff00) | (dev & 0xff));
}
