using System;

namespace UserKernel.RootFs.Ext4;

/// <summary>i_flags (EXT4_*_FL).</summary>
[Flags]
public enum InodeFlags : uint
{
    None = 0,
    SecureRm = 0x1,
    Unrm = 0x2,
    Compr = 0x4,
    Sync = 0x8,
    Immutable = 0x10,
    Append = 0x20,
    NoDump = 0x40,
    NoAtime = 0x80,
    Dirty = 0x100,
    ComprBlk = 0x200,
    NoCompr = 0x400,
    Encrypt = 0x800,
    /// <summary>The directory is hash-indexed (htree).</summary>
    Index = 0x1000,
    Imagic = 0x2000,
    JournalData = 0x4000,
    NoTail = 0x8000,
    DirSync = 0x10000,
    TopDir = 0x20000,
    /// <summary>i_blocks counts filesystem blocks, not 512-byte sectors (with the huge_file feature).</summary>
    HugeFile = 0x40000,
    /// <summary>i_block holds an extent tree rather than a block map.</summary>
    Extents = 0x80000,
    Verity = 0x100000,
    EaInode = 0x200000,
    Dax = 0x2000000,
    /// <summary>The data lives in i_block and the system.data extended attribute.</summary>
    InlineData = 0x10000000,
    ProjInherit = 0x20000000,
    Casefold = 0x40000000,
}
