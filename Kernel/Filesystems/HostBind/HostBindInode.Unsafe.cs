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
    private const int AT_FDCWD = -100, AT_REMOVEDIR = 0x200, AT_EMPTY_PATH = 0x1000;
    private const uint RENAME_EXCHANGE = 2;
    private const long UTIME_OMIT = 0x3ffffffe;

    private readonly HostBindSuperBlock fs;
    private int fd;

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

    /// <summary>Lets go of the host object, whose inode number the host has given to another.</summary>
    internal void Forget()
    {
        if (fd >= 0) close(fd);
        fd = -1;
    }

    private stat Stat()
    {
        stat st = default;
        if (fd < 0 || fstat(fd, &st) != 0) st = default;
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

    /// <summary>A regular file is opened by the guest through the kernel's O_PATH descriptor, reopened by the host.</summary>
    public override int ContentFd => IsRegular ? fd : -1;

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
        if ((mode & FileMode.S_IFMT) != FileMode.S_IFREG) return Errno.EPERM;
        byte[] cname = CString(name);
        int made;
        fixed (byte* p = cname) made = openat(fd, p, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, (mode_t)(int)(mode & 0xFFF));
        if (made < 0) return (Errno)errno;
        close(made);
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

    public override Errno Unlink(string name) => Remove(name, 0);

    public override Errno Rmdir(string name) => Remove(name, AT_REMOVEDIR);

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
        fixed (byte* f = from)
        fixed (byte* i = into)
            return Interop.Libc.Renameat2(fd, f, to.fd, i, exchange ? RENAME_EXCHANGE : 0) == 0 ? Errno.OK : (Errno)Marshal.GetLastSystemError();
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
                int file = Reopen(O_WRONLY);
                if (file < 0) return (Errno)errno;
                int r = ftruncate(file, s);
                Errno e = r != 0 ? (Errno)errno : Errno.OK;
                close(file);
                if (e != Errno.OK) return e;
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
