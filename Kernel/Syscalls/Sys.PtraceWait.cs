using System;
using UserKernel.Kernel.Abi;
using UserKernel.Kernel.Guest;
using UserKernel.Kernel.Tasks;
using Task = UserKernel.Kernel.Tasks.Task;

namespace UserKernel.Kernel.Syscalls;

/// <summary>
/// wait4 and waitid of a guest tracer: its tracees' stops, and the exits of tracees that are not its children, exist only
/// in the kernel, which answers them; everything else is the host's, as for any guest.
/// </summary>
public static partial class Sys
{
    private const int CLD_EXITED = 1, CLD_KILLED = 2, CLD_DUMPED = 3, CLD_TRAPPED = 4;
    private const int RusageSize = 144;

    /// <summary>
    /// The tracer's wait for <paramref name="pid"/> (wait4's encoding): a tracee's stop or exit to report now, the answer
    /// given; or null, the host's wait as usual. With none to report yet and no child the host could report, the caller
    /// sleeps in pause() instead; a tracee's stop interrupts either sleep (<see cref="GuestKernel.PtraceStopped"/>) and the
    /// call, restarted, looks again.
    /// </summary>
    private static SyscallResult? WaitForTracee(SyscallContext ctx, int pid, uint options, bool waitid)
    {
        const uint WNOHANG = 1, WEXITED = 4, WNOWAIT = 0x01000000;
        bool exits = !waitid || (options & WEXITED) != 0;
        if (ctx.Kernel.ReportableTracee(ctx.Task, pid, exits, out bool anyLive) is { } tracee)
            return waitid ? ReportWaitid(ctx, tracee, (options & WNOWAIT) == 0) : ReportWait4(ctx, tracee);
        if (!anyLive) return null;
        bool hostChildren = ctx.Kernel.HasChildFor(ctx.Task.Group, pid);
        if ((options & WNOHANG) != 0)
        {
            if (hostChildren) return null;
            if (waitid && !ctx.PtrArg(2).IsNull && ctx.Memory.Write(ctx.PtrArg(2), stackalloc byte[SiginfoSize]) != Errno.OK) return Errno.EFAULT;
            return 0;
        }
        ctx.Task.WaitsForTracees = true;
        if (hostChildren) return null;
        ctx.RewriteNumber((int)Sysno.pause);
        ctx.AtExit(WaitForTraceesAtExit);
        return SyscallResult.RunOnHost;
    }

    /// <summary>The pause a tracer's wait became was interrupted: pause's ERESTARTNOHAND becomes ERESTARTSYS, so the host restarts the wait as it would wait4.</summary>
    private static ExitOutcome WaitForTraceesAtExit(SyscallContext ctx, IGuestThread thread, long rax) => rax == -514 ? -512 : rax;

    private static SyscallResult ReportWait4(SyscallContext ctx, Task tracee)
    {
        PtraceLink link = tracee.Ptrace!;
        if (!ctx.PtrArg(1).IsNull && ctx.Memory.WriteInt32(ctx.PtrArg(1), link.Status) != Errno.OK) return Errno.EFAULT;
        if (!ctx.PtrArg(3).IsNull && ctx.Memory.Write(ctx.PtrArg(3), stackalloc byte[RusageSize]) != Errno.OK) return Errno.EFAULT;
        ctx.Kernel.PtraceReported(tracee, consume: true);
        return tracee.Tid;
    }

    /// <summary>waitid's siginfo: CLD_TRAPPED with the stop's signal and event for a ptrace stop, as wait_task_stopped fills it.</summary>
    private static SyscallResult ReportWaitid(SyscallContext ctx, Task tracee, bool consume)
    {
        PtraceLink link = tracee.Ptrace!;
        int status = link.Status;
        (int code, int value) = (status & 0x7f) == 0x7f ? (CLD_TRAPPED, (status >> 8) & 0xffff)
            : (status & 0x7f) == 0 ? (CLD_EXITED, (status >> 8) & 0xff)
            : ((status & 0x80) != 0 ? CLD_DUMPED : CLD_KILLED, status & 0x7f);
        Span<byte> info = stackalloc byte[SiginfoSize];
        info.Clear();
        BitConverter.TryWriteBytes(info, Signals.SIGCHLD);
        BitConverter.TryWriteBytes(info[8..], code);
        BitConverter.TryWriteBytes(info[16..], tracee.Tid);
        BitConverter.TryWriteBytes(info[20..], tracee.Group.Credentials.Ruid);
        BitConverter.TryWriteBytes(info[24..], value);
        if (!ctx.PtrArg(2).IsNull && ctx.Memory.Write(ctx.PtrArg(2), info) != Errno.OK) return Errno.EFAULT;
        if (!ctx.PtrArg(4).IsNull && ctx.Memory.Write(ctx.PtrArg(4), stackalloc byte[RusageSize]) != Errno.OK) return Errno.EFAULT;
        ctx.Kernel.PtraceReported(tracee, consume);
        return 0;
    }
}
