using System;
using System.Runtime.InteropServices;
using UserKernel.Kernel.Abi;
using UserKernel.Kernel.Guest;
using UserKernel.Kernel.Vfs;

namespace UserKernel.Kernel.Syscalls;

/// <summary>
/// Who gets SIGIO and SIGURG for a descriptor (fcntl F_SETOWN and its relatives, ioctl FIOSETOWN and SIOCSPGRP): a
/// process, a process group or a thread, named by id. The ids are the guest's, translated both ways; an id that is no
/// guest's is ESRCH, so no guest can have a host process signalled. What lives in guest memory (struct f_owner_ex, the
/// ioctls' int) is copied once and the call made by the kernel on its own duplicate of the descriptor.
/// </summary>
public static partial class Sys
{
    public const uint F_SETOWN = 8, F_GETOWN = 9, F_SETOWN_EX = 15, F_GETOWN_EX = 16, F_GETLK = 5, F_OFD_GETLK = 36, F_SETLEASE = 1024;
    public const uint FIOSETOWN = 0x8901, SIOCSPGRP = 0x8902, FIOGETOWN = 0x8903, SIOCGPGRP = 0x8904;
    private const int F_OWNER_TID = 0, F_OWNER_PID = 1, F_OWNER_PGRP = 2;

    /// <summary>fcntl(2) for F_SETOWN, F_GETOWN, F_SETOWN_EX, F_GETOWN_EX, F_GETLK and F_OFD_GETLK; the filter lets every other command run on the host.</summary>
    public static SyscallResult Fcntl(SyscallContext ctx)
    {
        switch ((uint)ctx.Arg(1))
        {
            case F_SETOWN:
                if (!HostOwner(ctx, ctx.IntArg(2)).TryGet(out int host, out Errno e)) return e;
                ctx.Rewrite(2, (ulong)(long)host);
                return SyscallResult.RunOnHost;
            case F_GETOWN:
                ctx.AtExit(GuestOwnerAtExit);
                return SyscallResult.RunOnHost;
            case F_SETOWN_EX:
                return SetOwnerEx(ctx);
            case F_SETLEASE:
                // Not offered, as on a host with leases disabled (fs.leases-enable = 0): a lease is kept per file, and an image
                // file is the content cache's, which other runs open too; a write lease there stalls their opens of it.
                return Errno.EINVAL;
            case F_GETLK or F_OFD_GETLK:
                // The host tests the lock for the caller (POSIX locks belong to its process) and names the holder by
                // its host pid: the guest's is put in its place at the exit.
                ctx.AtExit(LockHolderAtExit);
                return SyscallResult.RunOnHost;
            default:
                return GetOwnerEx(ctx);
        }
    }

    /// <summary>After F_GETLK: struct flock's l_pid (offset 24) names a conflicting lock's holder by host pid, 0 for none of the guests'.</summary>
    private static ExitOutcome LockHolderAtExit(SyscallContext ctx, IGuestThread thread, long rax)
    {
        const int F_UNLCK = 2;
        GuestPtr flock = ctx.PtrArg(2);
        if (rax != 0 || !ctx.Memory.ReadInt32(flock).TryGet(out int typeAndWhence, out _) || (short)typeAndWhence == F_UNLCK) return rax;
        GuestPtr pidAt = flock.Add(24);
        // An open file description's lock has no process: Linux reports -1, which stays.
        if (ctx.Memory.ReadInt32(pidAt).TryGet(out int hostPid, out _) && hostPid > 0) ctx.Memory.WriteInt32(pidAt, ctx.Kernel.Pids.ToGuest(hostPid));
        return rax;
    }

    /// <summary>F_SETOWN_EX: struct f_owner_ex { int type; pid_t pid; }, a thread, process or group.</summary>
    private static SyscallResult SetOwnerEx(SyscallContext ctx)
    {
        Span<byte> owner = stackalloc byte[8];
        if (ctx.Memory.Read(ctx.PtrArg(2), owner) != Errno.OK) return Errno.EFAULT;
        int type = MemoryMarshal.Read<int>(owner), id = MemoryMarshal.Read<int>(owner[4..]);
        if (type is not (F_OWNER_TID or F_OWNER_PID or F_OWNER_PGRP)) return Errno.EINVAL;
        int host = 0;
        if (id != 0)
        {
            host = type == F_OWNER_PGRP ? ctx.Kernel.Pids.ToHostGroup(id) : ctx.Kernel.Pids.ToHost(id);
            if (host < 0) return Errno.ESRCH;
        }
        MemoryMarshal.Write(owner[4..], in host);
        if (!ctx.Thread.DuplicateDescriptor(ctx.IntArg(0)).TryGet(out int fd, out Errno e)) return e;
        return Answer(fd, Interop.Libc.Fcntl(fd, (int)F_SETOWN_EX, owner));
    }

    /// <summary>F_GETOWN_EX: asked of the kernel's duplicate, the id translated for the guest.</summary>
    private static SyscallResult GetOwnerEx(SyscallContext ctx)
    {
        Span<byte> owner = stackalloc byte[8];
        if (!ctx.Thread.DuplicateDescriptor(ctx.IntArg(0)).TryGet(out int fd, out Errno e)) return e;
        SyscallResult answer = Answer(fd, Interop.Libc.Fcntl(fd, (int)F_GETOWN_EX, owner));
        if (answer.Value < 0) return answer;
        int type = MemoryMarshal.Read<int>(owner), id = MemoryMarshal.Read<int>(owner[4..]);
        int guest = ctx.Kernel.Pids.ToGuest(id);
        MemoryMarshal.Write(owner[4..], in guest);
        return ctx.Memory.Write(ctx.PtrArg(2), owner) == Errno.OK ? 0 : Errno.EFAULT;
    }

    /// <summary>ioctl FIOSETOWN and SIOCSPGRP (an int: a pid, or a process group negated) and FIOGETOWN and SIOCGPGRP.</summary>
    private static SyscallResult IoctlOwner(SyscallContext ctx, uint request)
    {
        int value = 0;
        bool setting = request is FIOSETOWN or SIOCSPGRP;
        Errno e;
        if (setting)
        {
            if (!ctx.Memory.ReadInt32(ctx.PtrArg(2)).TryGet(out int guest, out e)) return e;
            if (!HostOwner(ctx, guest).TryGet(out value, out e)) return e;
        }
        if (!ctx.Thread.DuplicateDescriptor(ctx.IntArg(0)).TryGet(out int fd, out e)) return e;
        SyscallResult answer = Answer(fd, Interop.Libc.Ioctl(fd, request, ref value));
        if (setting || answer.Value < 0) return answer;
        return ctx.Memory.WriteInt32(ctx.PtrArg(2), GuestOwner(ctx, value)) == Errno.OK ? 0 : Errno.EFAULT;
    }

    /// <summary>An owner as F_SETOWN takes it (a pid, a process group negated, 0 for none), the guest's made the host's.</summary>
    private static Result<int> HostOwner(SyscallContext ctx, int owner)
    {
        if (owner == 0) return 0;
        int host = owner > 0 ? ctx.Kernel.Pids.ToHost(owner) : ctx.Kernel.Pids.ToHostGroup(-owner);
        return host < 0 ? Errno.ESRCH : owner > 0 ? host : -host;
    }

    /// <summary>After F_GETOWN: the owner is a host pid, or a host process group negated.</summary>
    private static ExitOutcome GuestOwnerAtExit(SyscallContext ctx, IGuestThread thread, long rax) => GuestOwner(ctx, (int)rax);

    /// <summary>An owner as F_GETOWN answers it, the host's made the guest's (0 for one that is no guest's).</summary>
    private static int GuestOwner(SyscallContext ctx, int owner) =>
        owner > 0 ? ctx.Kernel.Pids.ToGuest(owner) : owner < 0 ? -ctx.Kernel.Pids.ToGuest(-owner) : 0;

    /// <summary>A host call's answer on the kernel's duplicate <paramref name="fd"/>, which is closed: the result or -errno.</summary>
    private static SyscallResult Answer(int fd, int result)
    {
        long answer = result >= 0 ? result : -(long)Marshal.GetLastPInvokeError();
        HostFiles.CloseKernelDescriptor(fd);
        return answer;
    }
}
