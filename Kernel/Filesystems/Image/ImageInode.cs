using System;
using System.Collections.Generic;
using UserKernel.Kernel.Abi;
using UserKernel.Kernel.Vfs;
using UserKernel.RootFs.Ext4;
using UserKernel.RootFs.Image;

namespace UserKernel.Kernel.Filesystems.Image;

/// <summary>An inode of the image. A corrupt structure found while reading answers EIO.</summary>
public sealed class ImageInode : Inode
{
    private readonly Ext4Inode disk;
    private readonly ImageSuperBlock image;
    private Dictionary<string, uint>? index;

    // The listing, made on the first read: the image never changes, and getdents reads a directory a buffer at a time, so
    // without it a listing of n entries would be decoded and its names made n / (entries a buffer) times over.
    private List<DirectoryEntry>? listing;

    internal ImageInode(ImageSuperBlock image, Ext4Inode disk) : base(image, disk.Number)
    {
        this.image = image;
        this.disk = disk;
    }

    public override uint Mode => disk.Mode;
    public override uint Uid => disk.Uid;
    public override uint Gid => disk.Gid;
    public override ulong LinkCount => disk.LinksCount;
    public override long Size => (long)disk.Size;
    public override long Blocks512 => (long)disk.Blocks512;
    public override Timespec Atime => new(disk.AtimeSec, disk.AtimeNsec);
    public override Timespec Mtime => new(disk.MtimeSec, disk.MtimeNsec);
    public override Timespec Ctime => new(disk.CtimeSec, disk.CtimeNsec);
    public override Timespec? Btime => disk.HasCrtime ? new Timespec(disk.CrtimeSec, disk.CrtimeNsec) : null;
    // ext4's inode flags COMPR, IMMUTABLE, APPEND, NODUMP, ENCRYPT and VERITY have the same bits as the STATX_ATTR_ values.
    private const ulong Ext4StatxAttributes = 0x4 | 0x10 | 0x20 | 0x40 | 0x800 | 0x100000;

    public override ulong StatxAttributes => disk.Flags & Ext4StatxAttributes;

    public override Result<string>? CachedContent =>
        IsRegular && image.Cache is { } cache ? cache.PathOf(Ino.ToString(System.Globalization.CultureInfo.InvariantCulture), this) : (Result<string>?)null;
    public override ulong StatxAttributesMask => Ext4StatxAttributes;
    public override ulong Rdev => UserKernel.Kernel.Vfs.SuperBlock.MakeDev(disk.RdevMajor, disk.RdevMinor);

    /// <summary>
    /// The image's attributes in stored order. ext4 keeps POSIX ACLs (system.posix_acl_*) in its own
    /// compact format and inline data as system.data, so the system namespace is not shown; the syscall
    /// layer answers EOPNOTSUPP for it, as without ACL support.
    /// </summary>
    public override Result<KeyValuePair<string, byte[]>[]> ListXattrs()
    {
        try
        {
            var kept = new List<KeyValuePair<string, byte[]>>();
            foreach (var (name, value) in image.Reader.ReadXattrs(disk.Number))
                if (!name.StartsWith("system.", StringComparison.Ordinal)) kept.Add(new(name, value));
            return kept.ToArray();
        }
        catch (ImageFormatException)
        {
            return Errno.EIO;
        }
    }

    public override Result<byte[]> GetXattr(string name)
    {
        if (!ListXattrs().TryGet(out var all, out Errno e)) return e;
        foreach (var (n, value) in all)
            if (n == name) return value;
        return Errno.ENODATA;
    }

    public override Result<Inode> Lookup(string name)
    {
        if (!IsDirectory) return Errno.ENOTDIR;
        try
        {
            // Large directories are indexed once; small ones are scanned by the reader.
            uint? ino;
            if (index != null) ino = index.TryGetValue(name, out uint i) ? i : null;
            else if (disk.Size > 64 * 1024) { BuildIndex(); ino = index!.TryGetValue(name, out uint i2) ? i2 : null; }
            else if (name.Length <= PathWalk.NAME_MAX)
            {
                Span<byte> bytes = stackalloc byte[name.Length];
                ino = image.Reader.Lookup(disk, bytes[..Names.ToBytes(name, bytes)]);
            }
            else ino = null;
            if (ino == null) return Errno.ENOENT;
            Inode? child = image.Get(ino.Value);
            return child != null ? child : Errno.EIO;
        }
        catch (ImageFormatException)
        {
            return Errno.EIO;
        }
    }

    private void BuildIndex()
    {
        var map = new Dictionary<string, uint>(StringComparer.Ordinal);
        foreach (DirEntry e in image.Reader.ReadDirectory(disk.Number)) map[Names.FromBytes(e.Name)] = e.Inode;
        index = map;
    }

    public override Result<IReadOnlyList<DirectoryEntry>> ReadDirectory()
    {
        if (!IsDirectory) return Errno.ENOTDIR;
        if (listing != null) return listing;
        try
        {
            // Linux's order and d_off values (hash order for most directories), so listings match a native run.
            var list = new List<DirectoryEntry>();
            foreach (ReaddirEntry r in image.Reader.ReadDirectoryForReaddir(disk.Number))
                list.Add(new DirectoryEntry(Names.FromBytes(r.Entry.Name), r.Entry.Inode, DirentType(r.Entry.FileType), r.Position, r.NextPosition));
            return listing = list;
        }
        catch (ImageFormatException)
        {
            return Errno.EIO;
        }
    }

    // ext4's dir-entry file types (1 reg .. 7 symlink) as getdents64's DT_* values.
    private static byte DirentType(byte ext4Type) => ext4Type switch
    {
        1 => 8,
        2 => 4,
        3 => 2,
        4 => 6,
        5 => 1,
        6 => 12,
        7 => 10,
        _ => 0,
    };

    public override Result<byte[]> ReadLink()
    {
        if (!IsSymlink) return Errno.EINVAL;
        try { return image.Reader.ReadSymlink(disk.Number); }
        catch (ImageFormatException) { return Errno.EIO; }
    }

    public override Result<int> Read(long offset, Span<byte> buffer)
    {
        try { return image.Reader.Read(disk.Number, offset, buffer); }
        catch (ImageFormatException) { return Errno.EIO; }
    }
}
