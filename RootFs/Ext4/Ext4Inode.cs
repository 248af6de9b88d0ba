using System;
using System.Buffers.Binary;
using UserKernel.RootFs.Image;

namespace UserKernel.RootFs.Ext4;

/// <summary>
/// struct ext4_inode, parsed: the first 128 bytes (EXT4_GOOD_OLD_INODE_SIZE) and, in larger
/// inodes, the i_extra_isize bytes after them that hold nanoseconds, epoch bits and crtime.
/// </summary>
public sealed class Ext4Inode
{
    /// <summary>Offset of i_block, the 60 bytes holding a block map, an extent root, a fast symlink or inline data.</summary>
    internal const int IBlockOffset = 0x28;
    /// <summary>EXT4_N_BLOCKS * 4.</summary>
    internal const int IBlockSize = 60;
    private const int ExtraIsizeOffset = 0x80;

    // i_block as stored, so a directory walk maps its blocks (or finds inline entries) without the inode table.
    private readonly byte[] _iblock;

    private Ext4Inode(byte[] iblock) => _iblock = iblock;

    public uint Number { get; private init; }
    /// <summary>The full i_mode, file type bits included.</summary>
    public ushort Mode { get; private init; }
    public uint Uid { get; private init; }
    public uint Gid { get; private init; }
    public ulong Size { get; private init; }
    /// <summary>i_links_count. With dir_nlink a directory past 65000 links reads 1, meaning "many".</summary>
    public uint LinksCount { get; private init; }
    /// <summary>st_blocks: space used in 512-byte units.</summary>
    public ulong Blocks512 { get; private init; }
    public long AtimeSec { get; private init; }
    public uint AtimeNsec { get; private init; }
    public long MtimeSec { get; private init; }
    public uint MtimeNsec { get; private init; }
    public long CtimeSec { get; private init; }
    public uint CtimeNsec { get; private init; }
    public long CrtimeSec { get; private init; }
    public uint CrtimeNsec { get; private init; }
    /// <summary>Whether the inode is large enough to record its creation time.</summary>
    public bool HasCrtime { get; private init; }
    /// <summary>i_flags; see <see cref="InodeFlags"/>.</summary>
    public uint Flags { get; private init; }
    public uint Generation { get; private init; }
    /// <summary>The extended attribute block (i_file_acl), 0 if none.</summary>
    public ulong FileAcl { get; private init; }
    public uint RdevMajor { get; private init; }
    public uint RdevMinor { get; private init; }

    /// <summary>i_block: the 60 bytes holding a block map, an extent root, a fast symlink or inline data.</summary>
    internal ReadOnlySpan<byte> IBlockBytes => _iblock;

    public ushort FileType => (ushort)(Mode & InodeMode.TypeMask);
    public bool IsRegular => FileType == InodeMode.Regular;
    public bool IsDirectory => FileType == InodeMode.Directory;
    public bool IsSymlink => FileType == InodeMode.Symlink;
    public bool IsCharDevice => FileType == InodeMode.CharDevice;
    public bool IsBlockDevice => FileType == InodeMode.BlockDevice;
    public bool IsFifo => FileType == InodeMode.Fifo;
    public bool IsSocket => FileType == InodeMode.Socket;

    /// <summary>The directory-entry file type (EXT4_FT_*) matching <see cref="Mode"/>.</summary>
    public byte DirEntryType => DirEntry2.TypeFromMode(Mode);

    public bool HasFlag(InodeFlags flag) => ((InodeFlags)Flags & flag) == flag;

    /// <summary>
    /// Parses inode <paramref name="number"/> from its raw bytes (s_inode_size of them).
    /// Throws <see cref="ImageFormatException"/> if the inode is unused or malformed.
    /// </summary>
    public static Ext4Inode Parse(uint number, ReadOnlySpan<byte> raw, SuperBlock sb)
    {
        ushort mode = U16(raw, 0x0);
        uint links = U16(raw, 0x1A);
        if (links == 0)
        {
            // Linux: "deleted inode referenced".
            throw new ImageFormatException($"corrupt filesystem: inode {number} is not in use");
        }
        if (DirEntry2.TypeFromMode(mode) == DirEntry2.TypeUnknown)
        {
            throw new ImageFormatException($"corrupt filesystem: inode {number} has bad mode 0{Convert.ToString(mode, 8)}");
        }
        int extra = ExtraIsize(number, raw);
        var flags = (InodeFlags)U32(raw, 0x20);
        var (atime, atimeNs) = Time(raw, 0x08, extra, 0x8C);
        var (ctime, ctimeNs) = Time(raw, 0x0C, extra, 0x84);
        var (mtime, mtimeNs) = Time(raw, 0x10, extra, 0x88);
        bool hasCrtime = Fits(extra, 0x90);
        var (crtime, crtimeNs) = hasCrtime ? Time(raw, 0x90, extra, 0x94) : (0L, 0u);
        var (major, minor) = Rdev(mode, raw);
        return new Ext4Inode(IBlock(raw).ToArray())
        {
            Number = number,
            Mode = mode,
            Uid = U16(raw, 0x2) | (uint)U16(raw, 0x78) << 16,
            Gid = U16(raw, 0x18) | (uint)U16(raw, 0x7A) << 16,
            Size = SizeOf(raw, sb),
            LinksCount = links,
            Blocks512 = Blocks512Of(raw, flags, sb),
            AtimeSec = atime,
            AtimeNsec = atimeNs,
            CtimeSec = ctime,
            CtimeNsec = ctimeNs,
            MtimeSec = mtime,
            MtimeNsec = mtimeNs,
            CrtimeSec = crtime,
            CrtimeNsec = crtimeNs,
            HasCrtime = hasCrtime,
            Flags = (uint)flags,
            Generation = U32(raw, 0x64),
            FileAcl = FileAclOf(raw),
            RdevMajor = major,
            RdevMinor = minor,
        };
    }

    /// <summary>i_links_count.</summary>
    internal static ushort LinksCountOf(ReadOnlySpan<byte> raw) => U16(raw, 0x1A);

    /// <summary>i_mode.</summary>
    internal static ushort ModeOf(ReadOnlySpan<byte> raw) => U16(raw, 0x0);

    /// <summary>i_flags.</summary>
    internal static InodeFlags FlagsOf(ReadOnlySpan<byte> raw) => (InodeFlags)U32(raw, 0x20);

    /// <summary>i_block.</summary>
    internal static ReadOnlySpan<byte> IBlock(ReadOnlySpan<byte> raw) => raw.Slice(IBlockOffset, IBlockSize);

    /// <summary>
    /// i_size_lo and i_size_high. ext2 reused i_size_high as i_dir_acl for directories, so as in
    /// Linux the high half counts only for regular files or with large_dir.
    /// </summary>
    internal static ulong SizeOf(ReadOnlySpan<byte> raw, SuperBlock sb)
    {
        ulong size = U32(raw, 0x4);
        if ((ModeOf(raw) & InodeMode.TypeMask) == InodeMode.Regular || sb.Has(IncompatFeatures.LargeDir))
        {
            size |= (ulong)U32(raw, 0x6C) << 32;
        }
        return size;
    }

    /// <summary>i_blocks in 512-byte units: with huge_file it has 48 bits and may count filesystem blocks.</summary>
    internal static ulong Blocks512Of(ReadOnlySpan<byte> raw, InodeFlags flags, SuperBlock sb)
    {
        ulong blocks = U32(raw, 0x1C);
        if (!sb.Has(RoCompatFeatures.HugeFile))
        {
            return blocks;
        }
        blocks |= (ulong)U16(raw, 0x74) << 32;
        return (flags & InodeFlags.HugeFile) != 0 ? blocks * (sb.BlockSize / 512) : blocks;
    }

    /// <summary>i_file_acl_lo and l_i_file_acl_high.</summary>
    internal static ulong FileAclOf(ReadOnlySpan<byte> raw) => U32(raw, 0x68) | (ulong)U16(raw, 0x76) << 32;

    /// <summary>
    /// i_extra_isize, checked as Linux does: it must fit the inode and be a multiple of 4.
    /// 0 for 128-byte inodes, which have no extra fields.
    /// </summary>
    internal static int ExtraIsize(uint number, ReadOnlySpan<byte> raw)
    {
        if (raw.Length <= SuperBlock.GoodOldInodeSize)
        {
            return 0;
        }
        int extra = U16(raw, ExtraIsizeOffset);
        if (SuperBlock.GoodOldInodeSize + extra > raw.Length || (extra & 3) != 0)
        {
            throw new ImageFormatException(
                $"corrupt filesystem: inode {number} has i_extra_isize {extra}, which does not fit a {raw.Length}-byte inode");
        }
        return extra;
    }

    // An extra field exists when i_extra_isize reaches past its end.
    private static bool Fits(int extraIsize, int fieldOffset) =>
        SuperBlock.GoodOldInodeSize + extraIsize >= fieldOffset + 4;

    // Seconds are signed 32-bit; the low two bits of the _extra word extend them by 2^32 each
    // (years 2038 to 2446) and its other 30 bits are nanoseconds.
    private static (long Sec, uint Nsec) Time(ReadOnlySpan<byte> raw, int secOffset, int extraIsize, int extraOffset)
    {
        long sec = (int)U32(raw, secOffset);
        if (!Fits(extraIsize, extraOffset))
        {
            return (sec, 0);
        }
        uint extra = U32(raw, extraOffset);
        return (sec + ((long)(extra & 3) << 32), extra >> 2);
    }

    // Devices keep their number in i_block: the old 8:8 encoding in i_block[0], or, when that is
    // 0, the new 12:20 encoding (as the kernel's new_encode_dev) in i_block[1].
    private static (uint Major, uint Minor) Rdev(ushort mode, ReadOnlySpan<byte> raw)
    {
        ushort type = (ushort)(mode & InodeMode.TypeMask);
        if (type != InodeMode.CharDevice && type != InodeMode.BlockDevice)
        {
            return (0, 0);
        }
        uint old = U32(raw, IBlockOffset);
        if (old != 0)
        {
            return ((old >> 8) & 0xFF, old & 0xFF);
        }
        uint dev = U32(raw, IBlockOffset + 4);
        return ((dev & 0xFFF00) >> 8, (dev & 0xFF) | ((dev >> 12) & 0xFFF00));
    }

    private static uint U32(ReadOnlySpan<byte> raw, int offset) => BinaryPrimitives.ReadUInt32LittleEndian(raw[offset..]);
    private static ushort U16(ReadOnlySpan<byte> raw, int offset) => BinaryPrimitives.ReadUInt16LittleEndian(raw[offset..]);
}
