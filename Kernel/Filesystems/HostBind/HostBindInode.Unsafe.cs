using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using Tmds.Linux;
using UserKernel.Kernel.Abi;
using UserKernel.Kernel.Vfs;
using static Tmds.Linux.LibC;

namespace UserKernel.Kernel.Filesystems.HostBind;

/// <summary>
/// One host object of a bind mount, held by an O_PATH descriptor. Metadata is read from the host at every
/// stat; the write operations act on the host relative to the parent directory's descriptor, one name at a time.
/// </summary>
public sealed unsafe class HostBindInode : Inode
{
    private const int O_RDONLY = 0, O_WRONLY = 1, O_CREAT = 0x40, O_EXCL = 0x80, O_NOFOLLOW = 0x20000, O_CLOEXEC = 0x80000;
    private const int AT_FDCWD = -100, AT_REMOVEDIR = 0x200, AT_SYMLINK_FOLLOW = 0x400, AT_EMPTY_PATH = 0x1000;
    private const uint RENAME_EXCHANGE = 2;
    private const long UTIME_OMIT = 0x3ffffffe;

    private readonly HostBindSuperBlock fs;
    private int fd;
    private stat? lastStat; // what the object was when the kernel let go of it: a guest may still hold it open

    internal HostBindInode(HostBindSuperBlock superBlock, int fd, ulong ino) : base(superBlock, ino)
    {
        fs = superBlock;
        this.fd = fd;
    }

    /// <summary>
    /// The kernel's O_PATH descriptor of the host object, whatever its type (-1 once forgotten): the host path
    /// /proc/KERNELPID/fd/N leads to the object itself, which is how a guest's inotify watch reaches it.
    /// </summary>
    public int ObjectFd => fd;

    /// <summary>The host's link count now (0 once the object is gone).</summary>
    internal ulong Links => Stat().st_nlink;

    /// <summary>The host's device and inode numbers of the object.</summary>
    internal (ulong Dev, ulong Ino) HostKey { get { stat st = Stat(); return ((ulong)st.st_dev, (ulong)st.st_ino); } }

    /// <summary>
    /// Lets go of the host object (whose inode number the host may have given to another, or whose last name goes);
    /// its stat stays what it was then, with no link left, for the guests that still hold it open.
    /// </summary>
    internal void Forget()
    {
        if (fd < 0) return;
        stat st = Stat();
        st.st_nlink = default;
        lastStat = st;
        close(fd);
        fd = -1;
    }

    private stat Stat()
    {
        stat st = default;
        if (fd < 0) return lastStat ?? default;
        if (fstat(fd, &st) != 0) st = default;
        return st;
    }

    public override uint Mode => (uint)Stat().st_mode;
    public override uint Uid => Stat().st_uid;
    public override uint Gid => Stat().st_gid;
    public override ulong LinkCount => Stat().st_nlink;
    public override long Size => Stat().st_size;
    public override long Blocks512 => Stat().st_blocks;
    public override Timespec Atime { get { stat st = Stat(); return new(st.st_atim.tv_sec, (uint)(long)st.st_atim.tv_nsec); } }
    public override Timespec Mtime { get { stat st = Stat(); return new(st.st_mtim.tv_sec, (uint)(long)st.st_mtim.tv_nsec); } }
    public override Timespec Ctime { get { stat st = Stat(); return new(st.st_ctim.tv_sec, (uint)(long)st.st_ctim.tv_nsec); } }
    public override ulong Rdev => Stat().st_rdev;

    /// <summary>A regular file is opened by the kernel, for a guest, through its O_PATH descriptor.</summary>
    public override string? ContentPath => IsRegular && fd >= 0 ? $"/proc/self/fd/{fd}" : null;

    public override Result<Inode> Lookup(string name) => IsDirectory ? fs.Lookup(fd, name) : Errno.ENOTDIR;

    public override Result<IReadOnlyList<DirectoryEntry>> ReadDirectory()
    {
        if (!IsDirectory) return Errno.ENOTDIR;
        int dir = Reopen(O_RDONLY | 0x10000 /* O_DIRECTORY */);
        if (dir < 0) return (Errno)errno;
        var entries = new List<DirectoryEntry>();
        byte[] buffer = new byte[32768];
        try
        {
            while (true)
            {
                nint n;
                fixed (byte* b = buffer) n = Interop.Libc.Getdents64(dir, b, (nuint)buffer.Length);
                if (n < 0) return (Errno)Marshal.GetLastSystemError();
                if (n == 0) break;
                for (int at = 0; at < n;)
                {
                    ReadOnlySpan<byte> record = buffer.AsSpan(at);
                    ulong ino = System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(record);
                    int length = System.Buffers.Binary.BinaryPrimitives.ReadUInt16LittleEndian(record[16..]);
                    byte type = record[18];
                    ReadOnlySpan<byte> name = record[19..length];
                    name = name[..name.IndexOf((byte)0)];
                    entries.Add(new DirectoryEntry(Names.FromBytes(name), ino, type));
                    at += length;
                }
            }
        }
        finally { close(dir); }
        // "." and ".." first, as the guest's tree sees them.
        entries.RemoveAll(e => e.Name is "." or "..");
        entries.Insert(0, new DirectoryEntry(".", Ino, 4));
        entries.Insert(1, new DirectoryEntry("..", Ino, 4));
        return DirectoryEntry.InListOrder(entries);
    }

    public override Result<byte[]> ReadLink()
    {
        if (!IsSymlink) return Errno.EINVAL;
        byte[] target = new byte[4096];
        byte empty = 0;
        ssize_t n;
        fixed (byte* t = target) n = readlinkat(fd, &empty, t, (size_t)target.Length);
        if (n < 0) return (Errno)errno;
        return target[..(int)n];
    }

    public override Result<int> Read(long offset, Span<byte> buffer)
    {
        if (!IsRegular) return Errno.EINVAL;
        int file = Reopen(O_RDONLY);
        if (file < 0) return (Errno)errno;
        ssize_t n;
        fixed (byte* b = buffer) n = pread(file, b, (size_t)buffer.Length, offset);
        Errno e = n < 0 ? (Errno)errno : Errno.OK;
        close(file);
        return n < 0 ? e : (int)n;
    }

    public override Errno PrepareWrite() => fs.ReadOnly ? Errno.EROFS : IsRegular ? Errno.OK : Errno.EPERM;

    public override Result<Inode> Create(string name, uint mode, uint uid, uint gid)
    {
        if (fs.ReadOnly) return Errno.EROFS;
        uint type = mode & FileMode.S_IFMT;
        if (type is not (FileMode.S_IFREG or FileMode.S_IFIFO)) return Errno.EPERM;
        byte[] cname = CString(name);
        // mknod, not open(O_CREAT): the host's events (inotify) are a creation only, as the guest's call is.
        fixed (byte* p = cname)
            if (mknodat(fd, p, (mode_t)(int)(type | (mode & 0xFFF)), default) != 0) return (Errno)errno;
        return fs.Lookup(fd, name);
    }

    public override Result<Inode> Mkdir(string name, uint mode, uint uid, uint gid)
    {
        if (fs.ReadOnly) return Errno.EROFS;
        byte[] cname = CString(name);
        fixed (byte* p = cname)
            if (mkdirat(fd, p, (mode_t)(int)(mode & 0xFFF)) != 0) return (Errno)errno;
        return fs.Lookup(fd, name);
    }

    public override Result<Inode> Symlink(string name, byte[] target, uint uid, uint gid)
    {
        if (fs.ReadOnly) return Errno.EROFS;
        byte[] cname = CString(name);
        byte[] ctarget = new byte[target.Length + 1];
        target.CopyTo(ctarget, 0);
        fixed (byte* p = cname)
        fixed (byte* t = ctarget)
            if (symlinkat(t, fd, p) != 0) return (Errno)errno;
        return fs.Lookup(fd, name);
    }

    /// <summary>link: the host links the object itself, reached through the kernel's descriptor of it.</summary>
    public override Errno Link(string name, Inode existing)
    {
        if (fs.ReadOnly) return Errno.EROFS;
        if (existing is not HostBindInode other || other.fs != fs) return Errno.EXDEV;
        byte[] source = CString($"/proc/self/fd/{other.fd}");
        byte[] cname = CString(name);
        fixed (byte* from = source)
        fixed (byte* p = cname)
            return linkat(AT_FDCWD, from, fd, p, AT_SYMLINK_FOLLOW) == 0 ? Errno.OK : (Errno)errno;
    }

    /// <summary>
    /// unlink: a regular file whose last name this is, the kernel lets go of first (as rmdir does a directory), so the
    /// host frees it as the call removes the name, or at the last guest's close, and a host inotify watch on it reports
    /// IN_DELETE_SELF and IN_IGNORED when Linux does; it takes the file back if the host refuses.
    /// </summary>
    public override Errno Unlink(string name)
    {
        if (fs.ReadOnly) return Errno.EROFS;
        HostBindInode? file = fs.Lookup(fd, name).TryGet(out Inode? child, out _) ? child as HostBindInode : null;
        if (file != null && (!file.IsRegular || file.Links != 1)) file = null;
        if (file != null) fs.Drop(file);
        Errno e = Remove(name, 0);
        if (e != Errno.OK && file != null) fs.Restore(file, fd, name);
        return e;
    }

    /// <summary>
    /// rmdir: the kernel lets go of the directory first, so the host frees it as the call removes it and a host
    /// inotify watch on it reports IN_DELETE_SELF before its parent's IN_DELETE, as on Linux; it takes the
    /// directory back if the host refuses.
    /// </summary>
    public override Errno Rmdir(string name)
    {
        if (fs.ReadOnly) return Errno.EROFS;
        HostBindInode? dir = fs.Lookup(fd, name).TryGet(out Inode? child, out _) ? child as HostBindInode : null;
        if (dir != null) fs.Drop(dir);
        Errno e = Remove(name, AT_REMOVEDIR);
        if (e != Errno.OK && dir != null) fs.Restore(dir, fd, name);
        return e;
    }

    /// <summary>Holds the host object again through <paramref name="objectFd"/>, after <see cref="Forget"/>.</summary>
    internal void Attach(int objectFd)
    {
        fd = objectFd;
        lastStat = null;
    }

    private Errno Remove(string name, int flags)
    {
        if (fs.ReadOnly) return Errno.EROFS;
        byte[] cname = CString(name);
        fixed (byte* p = cname) return unlinkat(fd, p, flags) == 0 ? Errno.OK : (Errno)errno;
    }

    public override Errno Rename(string name, Inode newDir, string newName, bool exchange)
    {
        if (fs.ReadOnly) return Errno.EROFS;
        if (newDir is not HostBindInode to || to.fs != fs) return Errno.EXDEV;
        byte[] from = CString(name), into = CString(newName);
        HostBindInode? replaced = !exchange && fs.Lookup(to.fd, newName).TryGet(out Inode? there, out _) && there.IsDirectory ? there as HostBindInode : null;
        fixed (byte* f = from)
        fixed (byte* i = into)
        {
            if (Interop.Libc.Renameat2(fd, f, to.fd, i, exchange ? RENAME_EXCHANGE : 0) != 0) return (Errno)Marshal.GetLastSystemError();
        }
        if (replaced != null) fs.Drop(replaced);
        return Errno.OK;
    }

    public override Errno SetAttributes(uint? mode = null, uint? uid = null, uint? gid = null,
        Timespec? atime = null, Timespec? mtime = null, long? size = null)
    {
        if (fs.ReadOnly) return Errno.EROFS;
        byte[] self = CString($"/proc/self/fd/{fd}");
        byte empty = 0;
        fixed (byte* p = self)
        {
            if (mode is { } m)
            {
                if (IsSymlink) return Errno.EOPNOTSUPP;
                if (fchmodat(AT_FDCWD, p, (mode_t)(int)(m & 0xFFF), 0) != 0) return (Errno)errno;
            }
            if (uid != null || gid != null)
            {
                if (fchownat(fd, &empty, uid is { } u ? (uid_t)u : (uid_t)uint.MaxValue, gid is { } g ? (gid_t)g : (gid_t)uint.MaxValue, AT_EMPTY_PATH) != 0)
                    return (Errno)errno;
            }
            if (size is { } s)
            {
                if (!IsRegular) return Errno.EINVAL;
                // truncate by path, not an open descriptor: an open would be an extra IN_OPEN and IN_CLOSE_WRITE.
                if (truncate(p, s) != 0) return (Errno)errno;
            }
            if ((atime != null || mtime != null) && !IsSymlink)
            {
                timespec* times = stackalloc timespec[2];
                times[0].tv_sec = atime?.Seconds ?? 0;
                times[0].tv_nsec = (long_t)(atime is { } a ? a.Nanoseconds : UTIME_OMIT);
                times[1].tv_sec = mtime?.Seconds ?? 0;
                times[1].tv_nsec = (long_t)(mtime is { } mt ? mt.Nanoseconds : UTIME_OMIT);
                if (utimensat(AT_FDCWD, p, times, 0) != 0) return (Errno)errno;
            }
        }
        return Errno.OK;
    }

    /// <summary>A real descriptor of this object, opened through the kernel's own /proc/self/fd/N; -1 with errno set.</summary>
    private int Reopen(int flags)
    {
        byte[] self = CString($"/proc/self/fd/{fd}");
        fixed (byte* p = self) return open(p, flags | O_CLOEXEC, default);
    }

    /// <summary>A name as the host takes it: its bytes and a NUL.</summary>
    internal static byte[] CString(string name)
    {
        byte[] bytes = new byte[name.Length + 1];
        System.Text.Encoding.Latin1.GetBytes(name, bytes);
        return bytes;
    }
}
