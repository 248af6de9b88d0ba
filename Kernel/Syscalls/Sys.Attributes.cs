using System;
using System.Buffers.Binary;
using UserKernel.Kernel.Abi;
using UserKernel.Kernel.Guest;
using UserKernel.Kernel.Tasks;
using UserKernel.Kernel.Vfs;
using UserKernel.Kernel.Vfs.Notify;

namespace UserKernel.Kernel.Syscalls;

/// <summary>
/// The calls that change an inode's metadata: chmod, chown, the utime family and truncate. Each finds the file (by
/// path or descriptor) and calls the VFS's change (<see cref="Namei.ChangeMode"/> and its siblings); a descriptor of
/// a host object (a pipe, a socket) is the host's to change.
/// </summary>
public static partial class Sys
{
    private const long UTIME_NOW = 0x3fffffff, UTIME_OMIT = 0x3ffffffe;
    private const int NR_fchmod = (int)Sysno.fchmod, NR_fchown = (int)Sysno.fchown, NR_utimensat = (int)Sysno.utimensat;

    /// <summary>chmod(2)</summary>
    public static SyscallResult Chmod(SyscallContext ctx) => ChmodAt(ctx, AtFlags.AT_FDCWD, 0, (uint)ctx.Arg(1), 0);

    /// <summary>fchmodat(2)</summary>
    public static SyscallResult Fchmodat(SyscallContext ctx) => ChmodAt(ctx, ctx.IntArg(0), 1, (uint)ctx.Arg(2), 0);

    /// <summary>fchmodat2(2): fchmodat with flags (AT_SYMLINK_NOFOLLOW, AT_EMPTY_PATH).</summary>
    public static SyscallResult Fchmodat2(SyscallContext ctx) => ChmodAt(ctx, ctx.IntArg(0), 1, (uint)ctx.Arg(2), ctx.IntArg(3));

    /// <summary>fchmod(2)</summary>
    public static SyscallResult Fchmod(SyscallContext ctx)
    {
        Dentry? d = FileOf(ctx, ctx.IntArg(0));
        return d == null ? SyscallResult.RunOnHost : ctx.Kernel.Namei.ChangeMode(d, (uint)ctx.Arg(1), Fs(ctx));
    }

    private static SyscallResult ChmodAt(SyscallContext ctx, int dirfd, int pathArg, uint mode, int flags)
    {
        if ((flags & ~(AtFlags.AT_SYMLINK_NOFOLLOW | AtFlags.AT_EMPTY_PATH)) != 0) return Errno.EINVAL;
        bool follow = (flags & AtFlags.AT_SYMLINK_NOFOLLOW) == 0;
        if (!ResolveAt(ctx, dirfd, pathArg, follow, (flags & AtFlags.AT_EMPTY_PATH) != 0).TryGet(out Dentry? d, out Errno e)) return e;
        return d == null ? OnHostDescriptor(ctx, NR_fchmod, (ulong)dirfd, mode) : ctx.Kernel.Namei.ChangeMode(d, mode, Fs(ctx));
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
        Dentry? d = FileOf(ctx, ctx.IntArg(0));
        return d == null ? SyscallResult.RunOnHost : ctx.Kernel.Namei.ChangeOwner(d, (uint)ctx.Arg(1), (uint)ctx.Arg(2), Fs(ctx));
    }

    private static SyscallResult ChownAt(SyscallContext ctx, int dirfd, int pathArg, int ownerArg, int flags)
    {
        if ((flags & ~(AtFlags.AT_SYMLINK_NOFOLLOW | AtFlags.AT_EMPTY_PATH)) != 0) return Errno.EINVAL;
        bool follow = (flags & AtFlags.AT_SYMLINK_NOFOLLOW) == 0;
        if (!ResolveAt(ctx, dirfd, pathArg, follow, (flags & AtFlags.AT_EMPTY_PATH) != 0).TryGet(out Dentry? d, out Errno e)) return e;
        uint uid = (uint)ctx.Arg(ownerArg), gid = (uint)ctx.Arg(ownerArg + 1);
        return d == null ? OnHostDescriptor(ctx, NR_fchown, (ulong)dirfd, uid, gid) : ctx.Kernel.Namei.ChangeOwner(d, uid, gid, Fs(ctx));
    }

    /// <summary>utimensat(2): a null path names the descriptor itself.</summary>
    public static SyscallResult Utimensat(SyscallContext ctx)
    {
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
        return ctx.Kernel.Namei.ChangeTimes(d, atime, mtime, bothNow, Fs(ctx));
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
        return ctx.Kernel.Namei.ChangeTimes(d, atime, mtime, now, Fs(ctx));
    }

    /// <summary>truncate(2): a negative length is EINVAL before the path is looked at.</summary>
    public static SyscallResult Truncate(SyscallContext ctx)
    {
        long length = (long)ctx.Arg(1);
        if (length < 0) return Errno.EINVAL;
        if (!ResolveAt(ctx, AtFlags.AT_FDCWD, 0, follow: true).TryGet(out Dentry? d, out Errno e)) return e;
        if (d == null) return Errno.ENOENT;
        e = ctx.Kernel.Namei.Truncate(d, length, FileSizeLimit(ctx), Fs(ctx));
        return e == Errno.EFBIG ? FileTooBig : e;
    }

    /// <summary>
    /// The caller's RLIMIT_FSIZE: a file may grow no further, or the call fails with EFBIG and the caller gets SIGXFSZ
    /// (<see cref="FileTooBig"/>). The kernel sizes files itself, under its own limits, so it asks for the guest's.
    /// </summary>
    private static ulong FileSizeLimit(SyscallContext ctx) =>
        ctx.Thread.GetLimit(Rlimit.RLIMIT_FSIZE) is { } limit ? limit.rlim_cur : ulong.MaxValue;

    private static SyscallResult FileTooBig => SyscallResult.Raising(-(long)Errno.EFBIG, Signals.SIGXFSZ);
}
