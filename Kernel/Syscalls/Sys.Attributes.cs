using System;
using System.Buffers.Binary;
using UserKernel.Kernel.Abi;
using UserKernel.Kernel.Guest;
using UserKernel.Kernel.Tasks;
using UserKernel.Kernel.Vfs;
using UserKernel.Kernel.Vfs.Notify;

namespace UserKernel.Kernel.Syscalls;

/// <summary>
/// The calls that change an inode's metadata: chmod, chown, the utime family and truncate. Ownership and
/// modes are recorded in the kernel's filesystem only, never on a host file. With a read-only root they
/// answer as a read-only mount does.
/// </summary>
public static partial class Sys
{
    private const long UTIME_NOW = 0x3fffffff, UTIME_OMIT = 0x3ffffffe;
    private const int NR_fchmod = (int)Sysno.fchmod, NR_fchown = (int)Sysno.fchown, NR_utimensat = (int)Sysno.utimensat;
    private const uint S_ISUID = 0x800, S_ISGID = 0x400, S_IXGRP = 0x8;

    /// <summary>chmod(2)</summary>
    public static SyscallResult Chmod(SyscallContext ctx) => ChmodAt(ctx, AtFlags.AT_FDCWD, 0, (uint)ctx.Arg(1), 0);

    /// <summary>fchmodat(2)</summary>
    public static SyscallResult Fchmodat(SyscallContext ctx) => ChmodAt(ctx, ctx.IntArg(0), 1, (uint)ctx.Arg(2), 0);

    /// <summary>fchmodat2(2): fchmodat with flags (AT_SYMLINK_NOFOLLOW, AT_EMPTY_PATH).</summary>
    public static SyscallResult Fchmodat2(SyscallContext ctx) => ChmodAt(ctx, ctx.IntArg(0), 1, (uint)ctx.Arg(2), ctx.IntArg(3));

    /// <summary>fchmod(2)</summary>
    public static SyscallResult Fchmod(SyscallContext ctx)
    {
        if (ReadOnlyRoot(ctx)) return ReadOnlyFd(ctx);
        Dentry? d = FileOf(ctx, ctx.IntArg(0));
        return d == null ? SyscallResult.RunOnHost : ChangeMode(ctx, d, (uint)ctx.Arg(1));
    }

    private static SyscallResult ChmodAt(SyscallContext ctx, int dirfd, int pathArg, uint mode, int flags)
    {
        if (ReadOnlyRoot(ctx)) return ReadOnlyPath(ctx);
        if ((flags & ~(AtFlags.AT_SYMLINK_NOFOLLOW | AtFlags.AT_EMPTY_PATH)) != 0) return Errno.EINVAL;
        bool follow = (flags & AtFlags.AT_SYMLINK_NOFOLLOW) == 0;
        if (!ResolveAt(ctx, dirfd, pathArg, follow, (flags & AtFlags.AT_EMPTY_PATH) != 0).TryGet(out Dentry? d, out Errno e)) return e;
        if (d == null) return OnHostDescriptor(ctx, NR_fchmod, (ulong)dirfd, mode);
        if (d.Inode.IsSymlink) return Errno.EOPNOTSUPP;
        return ChangeMode(ctx, d, mode);
    }

    /// <summary>chmod_common: EROFS, then EPERM unless the caller owns the file (or is root).</summary>
    private static Errno ChangeMode(SyscallContext ctx, Dentry file, uint mode)
    {
        Inode inode = file.Inode;
        if (inode.SuperBlock.ReadOnly) return Errno.EROFS;
        var who = Caller(ctx);
        if (!Permissions.IsOwnerOrCapable(who, inode)) return Errno.EPERM;
        mode &= 0xFFF;
        // Only a member of the file's group (or a caller with CAP_FSETID) may set its set-group-ID bit.
        if (!who.InGroup(inode.Gid) && !who.Capable(Capabilities.CAP_FSETID)) mode &= ~S_ISGID;
        return ctx.Kernel.Fsnotify.Change(file, AttributeChange.Attributes, () => inode.SetAttributes(mode: mode));
    }

    /// <summary>chown(2)</summary>
    public static SyscallResult Chown(SyscallContext ctx) => ChownAt(ctx, AtFlags.AT_FDCWD, 0, 1, 0);

    /// <summary>lchown(2)</summary>
    public static SyscallResult Lchown(SyscallContext ctx) => ChownAt(ctx, AtFlags.AT_FDCWD, 0, 1, AtFlags.AT_SYMLINK_NOFOLLOW);

    /// <summary>fchownat(2)</summary>
    public static SyscallResult Fchownat(SyscallContext ctx) => ChownAt(ctx, ctx.IntArg(0), 1, 2, ctx.IntArg(4));

    /// <summary>fchown(2)</summary>
    public static SyscallResult Fchown(SyscallContext ctx)
    {
        if (ReadOnlyRoot(ctx)) return ReadOnlyFd(ctx);
        Dentry? d = FileOf(ctx, ctx.IntArg(0));
        return d == null ? SyscallResult.RunOnHost : ChangeOwner(ctx, d, (uint)ctx.Arg(1), (uint)ctx.Arg(2));
    }

    private static SyscallResult ChownAt(SyscallContext ctx, int dirfd, int pathArg, int ownerArg, int flags)
    {
        if (ReadOnlyRoot(ctx)) return ReadOnlyPath(ctx);
        if ((flags & ~(AtFlags.AT_SYMLINK_NOFOLLOW | AtFlags.AT_EMPTY_PATH)) != 0) return Errno.EINVAL;
        bool follow = (flags & AtFlags.AT_SYMLINK_NOFOLLOW) == 0;
        if (!ResolveAt(ctx, dirfd, pathArg, follow, (flags & AtFlags.AT_EMPTY_PATH) != 0).TryGet(out Dentry? d, out Errno e)) return e;
        if (d == null) return OnHostDescriptor(ctx, NR_fchown, (ulong)dirfd, ctx.Arg(ownerArg), ctx.Arg(ownerArg + 1));
        return ChangeOwner(ctx, d, (uint)ctx.Arg(ownerArg), (uint)ctx.Arg(ownerArg + 1));
    }

    /// <summary>
    /// chown_common: -1 leaves an id as it is. Only CAP_CHOWN gives a file away; an owner may change its group to
    /// one of its own. Like Linux, any chown of a non-directory clears set-user-ID, and set-group-ID where group-execute is set.
    /// </summary>
    private static Errno ChangeOwner(SyscallContext ctx, Dentry file, uint uid, uint gid)
    {
        Inode inode = file.Inode;
        if (inode.SuperBlock.ReadOnly) return Errno.EROFS;
        uint? newUid = uid == uint.MaxValue ? null : uid;
        uint? newGid = gid == uint.MaxValue ? null : gid;
        var who = Caller(ctx);
        if (!who.Capable(Capabilities.CAP_CHOWN))
        {
            if (newUid is uint u && u != inode.Uid) return Errno.EPERM;
            if (newGid is uint g && g != inode.Gid && (who.Uid != inode.Uid || !who.InGroup(g))) return Errno.EPERM;
        }
        uint? mode = null;
        if (!inode.IsDirectory)
        {
            uint m = inode.Mode & 0xFFF & ~S_ISUID;
            if ((m & S_IXGRP) != 0) m &= ~S_ISGID;
            if (m != (inode.Mode & 0xFFF)) mode = m;
        }
        return ctx.Kernel.Fsnotify.Change(file, AttributeChange.Attributes, () => inode.SetAttributes(mode: mode, uid: newUid, gid: newGid));
    }

    /// <summary>utimensat(2): a null path names the descriptor itself.</summary>
    public static SyscallResult Utimensat(SyscallContext ctx)
    {
        if (ReadOnlyRoot(ctx)) return ReadOnlyPath(ctx);
        int flags = ctx.IntArg(3);
        if ((flags & ~(AtFlags.AT_SYMLINK_NOFOLLOW | AtFlags.AT_EMPTY_PATH)) != 0) return Errno.EINVAL;
        Timespec? atime = null, mtime = null;
        bool bothNow = true;
        if (ctx.Arg(2) != 0)
        {
            Span<byte> times = stackalloc byte[32];
            if (ctx.Memory.Read(ctx.PtrArg(2), times) != Errno.OK) return Errno.EFAULT;
            Errno e = DecodeTime(times[..16], out atime, ref bothNow);
            if (e == Errno.OK) e = DecodeTime(times[16..], out mtime, ref bothNow);
            if (e != Errno.OK) return e;
            if (atime == null && mtime == null && !bothNow) return 0; // both UTIME_OMIT
        }
        Dentry? d;
        if (ctx.Arg(1) == 0)
        {
            d = FileOf(ctx, ctx.IntArg(0));
            if (d == null) return SyscallResult.RunOnHost;
        }
        else
        {
            bool follow = (flags & AtFlags.AT_SYMLINK_NOFOLLOW) == 0;
            if (!ResolveAt(ctx, ctx.IntArg(0), 1, follow, (flags & AtFlags.AT_EMPTY_PATH) != 0).TryGet(out d, out Errno e)) return e;
            // utimensat(fd, NULL, times, 0) names the descriptor's own file.
            if (d == null) return OnHostDescriptor(ctx, NR_utimensat, ctx.Arg(0), 0, ctx.Arg(2), 0);
        }
        return ChangeTimes(ctx, d, atime, mtime, bothNow);
    }

    /// <summary>One struct timespec of utimensat: UTIME_NOW is now, UTIME_OMIT is null; EINVAL for a bad tv_nsec.</summary>
    private static Errno DecodeTime(ReadOnlySpan<byte> raw, out Timespec? time, ref bool bothNow)
    {
        long sec = BinaryPrimitives.ReadInt64LittleEndian(raw);
        long nsec = BinaryPrimitives.ReadInt64LittleEndian(raw[8..]);
        time = null;
        if (nsec == UTIME_OMIT) { bothNow = false; return Errno.OK; }
        if (nsec == UTIME_NOW) { time = Timespec.Now(); return Errno.OK; }
        if (nsec is < 0 or >= 1_000_000_000) return Errno.EINVAL;
        bothNow = false;
        time = new Timespec(sec, (uint)nsec);
        return Errno.OK;
    }

    /// <summary>utimes(2): struct timeval times[2], or null for now.</summary>
    public static SyscallResult Utimes(SyscallContext ctx) => UtimesAt(ctx, AtFlags.AT_FDCWD, 0, 1);

    /// <summary>futimesat(2)</summary>
    public static SyscallResult Futimesat(SyscallContext ctx) => UtimesAt(ctx, ctx.IntArg(0), 1, 2);

    private static SyscallResult UtimesAt(SyscallContext ctx, int dirfd, int pathArg, int timesArg)
    {
        if (ReadOnlyRoot(ctx)) return ReadOnlyPath(ctx);
        Timespec? atime = null, mtime = null;
        if (ctx.Arg(timesArg) != 0)
        {
            Span<byte> tv = stackalloc byte[32];
            if (ctx.Memory.Read(ctx.PtrArg(timesArg), tv) != Errno.OK) return Errno.EFAULT;
            long asec = BinaryPrimitives.ReadInt64LittleEndian(tv), ausec = BinaryPrimitives.ReadInt64LittleEndian(tv[8..]);
            long msec = BinaryPrimitives.ReadInt64LittleEndian(tv[16..]), musec = BinaryPrimitives.ReadInt64LittleEndian(tv[24..]);
            if (ausec is < 0 or >= 1_000_000 || musec is < 0 or >= 1_000_000) return Errno.EINVAL;
            (atime, mtime) = (new Timespec(asec, (uint)ausec * 1000), new Timespec(msec, (uint)musec * 1000));
        }
        return TimesOfPath(ctx, dirfd, pathArg, atime, mtime);
    }

    /// <summary>utime(2): struct utimbuf { actime, modtime }, or null for now.</summary>
    public static SyscallResult Utime(SyscallContext ctx)
    {
        if (ReadOnlyRoot(ctx)) return ReadOnlyPath(ctx);
        Timespec? atime = null, mtime = null;
        if (ctx.Arg(1) != 0)
        {
            Span<byte> buf = stackalloc byte[16];
            if (ctx.Memory.Read(ctx.PtrArg(1), buf) != Errno.OK) return Errno.EFAULT;
            (atime, mtime) = (new Timespec(BinaryPrimitives.ReadInt64LittleEndian(buf), 0), new Timespec(BinaryPrimitives.ReadInt64LittleEndian(buf[8..]), 0));
        }
        return TimesOfPath(ctx, AtFlags.AT_FDCWD, 0, atime, mtime);
    }

    private static SyscallResult TimesOfPath(SyscallContext ctx, int dirfd, int pathArg, Timespec? atime, Timespec? mtime)
    {
        if (!ResolveAt(ctx, dirfd, pathArg, follow: true).TryGet(out Dentry? d, out Errno e)) return e;
        if (d == null) return SyscallResult.RunOnHost;
        bool now = atime == null;
        if (now) atime = mtime = Timespec.Now();
        return ChangeTimes(ctx, d, atime, mtime, now);
    }

    /// <summary>
    /// utimes_common: setting both times to now needs ownership or write permission (EACCES), any other
    /// time ownership (EPERM); root may do either.
    /// </summary>
    private static Errno ChangeTimes(SyscallContext ctx, Dentry file, Timespec? atime, Timespec? mtime, bool bothNow)
    {
        Inode inode = file.Inode;
        if (inode.SuperBlock.ReadOnly) return Errno.EROFS;
        var who = Caller(ctx);
        if (!Permissions.IsOwnerOrCapable(who, inode))
        {
            if (!bothNow) return Errno.EPERM;
            if (!Permissions.May(who, inode, AccessMode.W_OK)) return Errno.EACCES;
        }
        if (bothNow && atime == null) atime = mtime = Timespec.Now();
        AttributeChange change = mtime == null ? AttributeChange.AccessTime : atime == null ? AttributeChange.ModifyTime : AttributeChange.Times;
        return ctx.Kernel.Fsnotify.Change(file, change, () => inode.SetAttributes(atime: atime, mtime: mtime));
    }

    /// <summary>truncate(2): the stored file is cut or grown by the kernel (ENOSPC past the store's room).</summary>
    public static SyscallResult Truncate(SyscallContext ctx)
    {
        if (ReadOnlyRoot(ctx)) return ReadOnlyPath(ctx);
        long length = (long)ctx.Arg(1);
        if (!ResolveAt(ctx, AtFlags.AT_FDCWD, 0, follow: true).TryGet(out Dentry? d, out Errno e)) return e;
        if (d == null) return Errno.ENOENT;
        Inode inode = d.Inode;
        if (inode.IsDirectory) return Errno.EISDIR;
        if (!inode.IsRegular) return Errno.EINVAL;
        if (length < 0) return Errno.EINVAL;
        if (inode.SuperBlock.ReadOnly) return Errno.EROFS;
        if (!Permissions.May(Caller(ctx), inode, AccessMode.W_OK)) return Errno.EACCES;
        if (ctx.Kernel.Pids.IsRunning(inode)) return Errno.ETXTBSY;
        if (PastFileSizeLimit(ctx, inode.Size, length)) return FileTooBig;
        return ctx.Kernel.Fsnotify.Change(d, AttributeChange.ModifyTime, () => inode.SetAttributes(size: length));
    }

    /// <summary>
    /// inode_newsize_ok: a file may grow no further than the caller's RLIMIT_FSIZE, or the call fails with EFBIG and the
    /// caller gets SIGXFSZ (<see cref="FileTooBig"/>). The kernel sizes files itself, under its own limits, so it asks for
    /// the guest's.
    /// </summary>
    private static bool PastFileSizeLimit(SyscallContext ctx, long size, long length) =>
        length > size && ctx.Thread.GetLimit(Rlimit.RLIMIT_FSIZE) is { } limit && (ulong)length > limit.rlim_cur;

    private static SyscallResult FileTooBig => SyscallResult.Raising(-(long)Errno.EFBIG, Signals.SIGXFSZ);
}
