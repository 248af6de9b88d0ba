using UserKernel.Kernel.Abi;
using UserKernel.Kernel.Guest;

namespace UserKernel.Kernel.Syscalls;

/// <summary>
/// Terminal requests that name process groups, which job control in a shell depends on. The seccomp filter
/// stops ioctl only for these requests (see the table's StopWhen); all other ioctls never reach the kernel.
/// </summary>
public static partial class Sys
{
    public const uint TIOCGPGRP = 0x540F, TIOCSPGRP = 0x5410, TIOCGSID = 0x5429;

    /// <summary>ioctl(2) for TIOCSPGRP (a guest pgid in), TIOCGPGRP and TIOCGSID (a host pgid or sid out).</summary>
    public static SyscallResult Ioctl(SyscallContext ctx)
    {
        uint request = (uint)ctx.Arg(1);
        if (request != TIOCSPGRP)
        {
            ctx.OnExit = ExitAction.TranslatePidAtPointer;
            ctx.ExitValue = 2;
            return SyscallResult.RunOnHost;
        }

        if (!ctx.Memory.ReadInt32(ctx.PtrArg(2)).TryGet(out int pgid, out Errno e)) return e;
        if (pgid < 0) return Errno.EINVAL;
        int host = ctx.Kernel.Pids.ToHost(pgid);
        if (host < 0) return Errno.ESRCH;
        byte[] value = System.BitConverter.GetBytes(host);
        if (!ctx.PushScratch(value).TryGet(out GuestPtr at, out e)) return e;
        ctx.Rewrite(2, at.Address);
        return SyscallResult.RunOnHost;
    }
}
