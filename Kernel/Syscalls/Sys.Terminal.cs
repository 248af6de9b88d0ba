using System;
using UserKernel.Kernel.Abi;
using UserKernel.Kernel.Vfs;
using UserKernel.Kernel.Guest;

namespace UserKernel.Kernel.Syscalls;

/// <summary>
/// The ioctl requests the kernel must see; the seccomp filter stops ioctl only for these (see the table's StopWhen),
/// all others never reach the kernel. Terminal requests that name process groups (job control in a shell depends on
/// them) are translated; the owner requests are <see cref="IoctlOwner"/>'s; and the requests that reach past the
/// guest through a terminal are refused: TIOCSTI (typing into it), TIOCCONS (redirecting the console), TIOCLINUX,
/// and TIOCSCTTY's stealing of a terminal from another session. TIOCGPTN answers in the guests' pty numbering. The
/// requests that set a file's attributes (chattr's flags, the inode's generation, ext4's migration to extents, fs-verity) are
/// refused (<see cref="FileAttributeIoctl"/>).
/// </summary>
public static partial class Sys
{
    public const uint TIOCSCTTY = 0x540E, TIOCGPGRP = 0x540F, TIOCSPGRP = 0x5410, TIOCSTI = 0x5412, TIOCLINUX = 0x541C, TIOCCONS = 0x541D, TIOCGSID = 0x5429,
        TIOCGPTN = 0x80045430;

    // FS_IOC_SETFLAGS, FS_IOC_FSSETXATTR, FS_IOC_SETVERSION (EXT4_IOC_SETVERSION_OLD), EXT4_IOC_SETVERSION, EXT4_IOC_MIGRATE,
    // FS_IOC_ENABLE_VERITY (which asks write permission of the inode, and a guest's root may override the mode bits of a
    // file whose owner its user namespace maps: the user's).
    private const uint FS_IOC_SETFLAGS = 0x40086602, FS_IOC_FSSETXATTR = 0x401C5820, FS_IOC_SETVERSION = 0x40087602,
        EXT4_IOC_SETVERSION = 0x40086604, EXT4_IOC_MIGRATE = 0x6609, FS_IOC_ENABLE_VERITY = 0x40806685;

    /// <summary>Every request the filter stops ioctl for.</summary>
    public static readonly uint[] MediatedIoctls =
        [TIOCGPGRP, TIOCSPGRP, TIOCGSID, TIOCSTI, TIOCCONS, TIOCLINUX, TIOCSCTTY, FIOSETOWN, SIOCSPGRP, FIOGETOWN, SIOCGPGRP, TIOCGPTN,
            FS_IOC_SETFLAGS, FS_IOC_FSSETXATTR, FS_IOC_SETVERSION, EXT4_IOC_SETVERSION, EXT4_IOC_MIGRATE, FS_IOC_ENABLE_VERITY];

    /// <summary>ioctl(2) for the requests in <see cref="MediatedIoctls"/>.</summary>
    public static SyscallResult Ioctl(SyscallContext ctx)
    {
        uint request = (uint)ctx.Arg(1);
        if (ctx.Kernel.Registry.Devices.Count > 0 && DeviceIoctl(ctx, request) is { } answered) return answered;
        switch (request)
        {
            case TIOCSTI or TIOCCONS or TIOCLINUX:
                return Errno.EPERM;
            case TIOCSCTTY:
                return ctx.Arg(2) != 0 ? Errno.EPERM : SyscallResult.RunOnHost;
            case FIOSETOWN or SIOCSPGRP or FIOGETOWN or SIOCGPGRP:
                return IoctlOwner(ctx, request);
            case TIOCSPGRP:
                return SetForegroundGroup(ctx);
            case TIOCGPTN:
                return PtyNumber(ctx);
            case FS_IOC_SETFLAGS or FS_IOC_FSSETXATTR or FS_IOC_SETVERSION or EXT4_IOC_SETVERSION or EXT4_IOC_MIGRATE or FS_IOC_ENABLE_VERITY:
                return FileAttributeIoctl(ctx);
            default:
                ctx.AtExit(PidAtArgumentAtExit);
                return SyscallResult.RunOnHost;
        }
    }

    /// <summary>
    /// A request that changes the attributes of the file the descriptor names. The host checks only that the caller owns
    /// that file, and an image file opened to read is the user's own file in the content cache, which other runs of the
    /// image open too: the change would outlive the run and reach the others. Checking the descriptor and then letting the
    /// host act on it would leave a sibling thread time to dup2 such a file onto it, so no descriptor gets these: the answer
    /// is a filesystem's without attributes (ENOTTY, as from vfs_fileattr_set), as gVisor's.
    /// </summary>
    private static SyscallResult FileAttributeIoctl(SyscallContext ctx) =>
        ctx.Thread.Descriptors.IsOpen(ctx.IntArg(0)) ? Errno.ENOTTY : Errno.EBADF;

    /// <summary>
    /// An ioctl on one of the kernel's own devices: the device answers, with the caller stopped and its memory at hand.
    /// Null when the descriptor is no such device (the request is one of the kernel's own, or the host's to answer).
    /// </summary>
    private static SyscallResult? DeviceIoctl(SyscallContext ctx, uint request)
    {
        if (ctx.Thread.Descriptors.ObjectOf(ctx.IntArg(0)) is not { } identity) return null;
        if (ctx.Kernel.Devices.FileOf(identity, out Extensions.RegisteredDevice? device) is not { } file || device == null) return null;
        bool declared = false;
        foreach (uint r in device.Device.IoctlRequests) declared |= r == request;
        if (!declared) return null;
        try
        {
            return file.Ioctl(request, ctx.Arg(2), ctx.Memory).TryGet(out long value, out Errno e) ? value : e;
        }
        catch (Exception ex)
        {
            ctx.Fault = ctx.Kernel.ReportFault(device.Owner, $"ioctl of /dev/{device.Device.Name} (pid {ctx.Task.Tid})", ex);
            return Errno.EIO;
        }
    }

    /// <summary>
    /// TIOCGPTN (ptsname(3)): the pty's number in the guests' /dev/pts, asked of the kernel's duplicate of the master, so
    /// the host's number never reaches guest memory.
    /// </summary>
    private static SyscallResult PtyNumber(SyscallContext ctx)
    {
        if (!ctx.Thread.DuplicateDescriptor(ctx.IntArg(0)).TryGet(out int fd, out Errno e)) return e;
        Result<uint> number = ctx.Kernel.Terminals.NumberOfMaster(fd);
        Tmds.Linux.LibC.close(fd);
        if (!number.TryGet(out uint guest, out e)) return e;
        return ctx.Memory.WriteInt32(ctx.PtrArg(2), (int)guest) is var w && w != Errno.OK ? w : 0;
    }

    /// <summary>
    /// TIOCSPGRP: only the caller's own session can set its terminal's foreground group (the host checks that), so the
    /// host's pgid goes in a copy below the guest's stack. A sibling could change that copy before the host reads it, to
    /// another group of the session; so the exit checks the terminal's foreground group is the one the kernel meant,
    /// and kills a caller that raced it. A group no guest has becomes one no host process has, and a negative one stays,
    /// so the host answers EBADF, ENOTTY, EINVAL and ESRCH in Linux's order.
    /// </summary>
    private static SyscallResult SetForegroundGroup(SyscallContext ctx)
    {
        if (!ctx.Memory.ReadInt32(ctx.PtrArg(2)).TryGet(out int pgid, out Errno e))
            return ctx.Thread.Descriptors.IsOpen(ctx.IntArg(0)) ? e : Errno.EBADF;
        int host = pgid <= 0 ? pgid : ctx.Kernel.Pids.ToHostGroup(pgid) is int h and >= 0 ? h : NoSuchHostPid;
        byte[] value = System.BitConverter.GetBytes(host);
        if (!ctx.PushScratch(value).TryGet(out GuestPtr at, out e)) return e;
        ctx.Rewrite(2, at.Address);
        ctx.AtExit(ForegroundGroupAtExit, host);
        return SyscallResult.RunOnHost;
    }

    /// <summary>
    /// After TIOCSPGRP succeeded: the terminal's foreground group must be the host group the kernel meant
    /// (<see cref="SyscallContext.ExitState"/>); a caller that raced another group into the copy is killed.
    /// </summary>
    private static ExitOutcome ForegroundGroupAtExit(SyscallContext ctx, IGuestThread thread, long rax)
    {
        if (rax != 0 || thread.ForegroundGroup == ctx.ExitState) return rax;
        Console.Error.WriteLine($"userkernel: guest pid {ctx.Task.Group.Tgid} raced its TIOCSPGRP to another process group; killed");
        return ExitOutcome.Killed(rax);
    }

    /// <summary>After an ioctl that wrote a host pid where argument 2 points (TIOCGPGRP, TIOCGSID): the guest's goes there.</summary>
    private static ExitOutcome PidAtArgumentAtExit(SyscallContext ctx, IGuestThread thread, long rax)
    {
        GuestPtr at = ctx.PtrArg(2);
        if (rax == 0 && ctx.Memory.ReadInt32(at).TryGet(out int hostId, out _)) ctx.Memory.WriteInt32(at, ctx.Kernel.Pids.ToGuest(hostId));
        return rax;
    }
}
