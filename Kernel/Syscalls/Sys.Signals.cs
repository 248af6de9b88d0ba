using System;
using System.Buffers.Binary;
using UserKernel.Kernel.Abi;
using UserKernel.Kernel.Guest;
using UserKernel.Kernel.Vfs;

namespace UserKernel.Kernel.Syscalls;

/// <summary>
/// Signals to other processes by pid beyond kill/tkill/tgkill: queued signals and pidfds. Pids are translated
/// to the host's; the siginfo a sender passes is delivered as it wrote it (its si_pid included), as on Linux.
/// </summary>
public static partial class Sys
{
    /// <summary>
    /// A host pid no process has (above PID_MAX_LIMIT, 2^22): the host answers ESRCH (EINVAL for a clock) after its own
    /// checks. It fits the 29 bits a CPU-time clock id has for a pid.
    /// </summary>
    private const int NoSuchHostPid = (1 << 28) - 1;

    /// <summary>rt_sigqueueinfo(2): (tgid, sig, info).</summary>
    public static SyscallResult RtSigqueueinfo(SyscallContext ctx)
    {
        if (Refused(ctx, null, ctx.IntArg(0), ctx.IntArg(1))) return Errno.EPERM;
        if (ProtectsInit(ctx, ctx.IntArg(0), ctx.IntArg(1))) return 0;
        ctx.Rewrite(0, (ulong)HostPidOrMissing(ctx, ctx.IntArg(0)));
        return SelfSentInfo(ctx, 2);
    }

    /// <summary>rt_tgsigqueueinfo(2): (tgid, tid, sig, info).</summary>
    public static SyscallResult RtTgsigqueueinfo(SyscallContext ctx)
    {
        if (Refused(ctx, ctx.IntArg(0), ctx.IntArg(1), ctx.IntArg(2))) return Errno.EPERM;
        if (ProtectsInit(ctx, ctx.IntArg(1), ctx.IntArg(2))) return 0;
        ctx.Rewrite(0, (ulong)HostPidOrMissing(ctx, ctx.IntArg(0)));
        ctx.Rewrite(1, (ulong)HostPidOrMissing(ctx, ctx.IntArg(1)));
        return SelfSentInfo(ctx, 3);
    }

    /// <summary>
    /// Whether a valid signal to the guest thread <paramref name="tid"/> (of process <paramref name="tgid"/>, when given) is
    /// one the caller may not send (EPERM). Ids no guest has, and invalid ones, are left to the host (ESRCH, EINVAL).
    /// </summary>
    private static bool Refused(SyscallContext ctx, int? tgid, int tid, int sig) =>
        tid > 0 && tgid is null or > 0 && sig is >= 0 and <= 64 && ctx.Kernel.Pids.ByGuest(tid) is { } target
        && (tgid == null || target.Group.Tgid == tgid) && !ctx.Task.Group.MaySignal(target.Group, sig, ctx.Kernel.Platform);

    /// <summary>
    /// Only a process signalling itself may queue a siginfo with a code the kernel uses (SI_USER, SI_TKILL...);
    /// delivery then takes its si_pid for one the host filled and turns it into a guest pid. The sender wrote a
    /// guest pid there, so a copy carrying the host's is queued instead, and the guest receives what it wrote.
    /// </summary>
    private static SyscallResult SelfSentInfo(SyscallContext ctx, int infoArg)
    {
        Span<byte> info = stackalloc byte[SiginfoSize];
        if (ctx.Memory.Read(ctx.PtrArg(infoArg), info) != Errno.OK) return SyscallResult.RunOnHost; // the host reports EFAULT
        int signo = BinaryPrimitives.ReadInt32LittleEndian(info), code = BinaryPrimitives.ReadInt32LittleEndian(info[8..]);
        int pid = BinaryPrimitives.ReadInt32LittleEndian(info[16..]);
        int host = pid > 0 ? ctx.Kernel.Pids.ToHost(pid) : -1;
        if (!Signals.KernelFillsSiPid(signo, code) || host < 0) return SyscallResult.RunOnHost;
        BinaryPrimitives.WriteInt32LittleEndian(info[16..], host);
        if (!ctx.PushScratch(info).TryGet(out GuestPtr copy, out Errno e)) return e;
        ctx.Rewrite(infoArg, copy.Address);
        return SyscallResult.RunOnHost;
    }

    private const int SiginfoSize = 128;

    /// <summary>rt_sigtimedwait(2) (sigwaitinfo, sigtimedwait): waits on the host; the siginfo it fills names the sender's guest pid.</summary>
    public static SyscallResult RtSigtimedwait(SyscallContext ctx)
    {
        ctx.AtExit(WaitedSignalAtExit);
        return SyscallResult.RunOnHost;
    }

    /// <summary>rt_sigtimedwait took a signal (rax) and filled the siginfo at argument 1: its si_pid becomes the sender's guest pid.</summary>
    private static ExitOutcome WaitedSignalAtExit(SyscallContext ctx, IGuestThread thread, long rax)
    {
        if (rax <= 0 || ctx.PtrArg(1).IsNull) return rax;
        Span<byte> info = stackalloc byte[SiginfoSize];
        if (ctx.Memory.Read(ctx.PtrArg(1), info) == Errno.OK && ctx.Kernel.TranslateSignalInfo(ctx.Task, info)) ctx.Memory.Write(ctx.PtrArg(1), info);
        return rax;
    }

    /// <summary>
    /// userfaultfd(2) with UFFD_USER_MODE_ONLY added: faults the kernel itself takes on the guest's memory (reading a path,
    /// a buffer) then fail with EFAULT instead of waiting for the guest's fault handler, which would stop the tracer.
    /// </summary>
    public static SyscallResult Userfaultfd(SyscallContext ctx)
    {
        const ulong UFFD_USER_MODE_ONLY = 1;
        ctx.Rewrite(0, ctx.Arg(0) | UFFD_USER_MODE_ONLY);
        return SyscallResult.RunOnHost;
    }

    /// <summary>pidfd_open(2): the pid is translated; the descriptor is the host's pidfd, so pidfd_send_signal, waitid(P_PIDFD) and poll need nothing more.</summary>
    public static SyscallResult PidfdOpen(SyscallContext ctx)
    {
        ctx.Rewrite(0, (ulong)HostPidOrMissing(ctx, ctx.IntArg(0)));
        return SyscallResult.RunOnHost;
    }

    /// <summary>
    /// pidfd_send_signal(2): the kernel reads the target of its own duplicate of the pidfd (a guest process: guests hold
    /// pidfds of guests only), or, for a descriptor of a /proc/PID directory, which Linux takes for one, of the process
    /// that directory is; it has the host send the signal by the target's host pid, as kill(2) or, with a siginfo,
    /// rt_sigqueueinfo(2), which check what pidfd_send_signal checks; so a descriptor swapped after the check changes
    /// nothing, and the receiver sees the sender's pid. The sender must be allowed to signal the target (EPERM).
    /// SIGKILL and SIGSTOP to pid 1 are ignored.
    /// </summary>
    public static SyscallResult PidfdSendSignal(SyscallContext ctx)
    {
        const int NR_kill = (int)Sysno.kill, NR_rt_sigqueueinfo = (int)Sysno.rt_sigqueueinfo;
        int sig = ctx.IntArg(1);
        if (ctx.Arg(3) != 0 || sig < 0 || sig > 64) return Errno.EINVAL;
        if (!TargetOfPidfd(ctx, ctx.IntArg(0)).TryGet(out Tasks.Task? target, out Errno e)) return e;
        if (!ctx.Task.Group.MaySignal(target.Group, sig, ctx.Kernel.Platform)) return Errno.EPERM;
        if (IsUnstoppable(sig) && target.Group == ctx.Kernel.Init) return 0;
        bool withInfo = ctx.Arg(2) != 0;
        ctx.RewriteNumber(withInfo ? NR_rt_sigqueueinfo : NR_kill);
        ctx.Rewrite(0, (ulong)target.Group.HostTgid);
        ctx.Rewrite(1, (ulong)sig);
        return withInfo ? SelfSentInfo(ctx, 2) : SyscallResult.RunOnHost;
    }

    /// <summary>
    /// The process a pidfd names, or a descriptor of a /proc/PID directory (tgid_pidfd_to_pid): EBADF for any other
    /// descriptor (a /proc/PID/task/TID directory included), ESRCH once the process is gone.
    /// </summary>
    private static Result<Tasks.Task> TargetOfPidfd(SyscallContext ctx, int fd)
    {
        if (FileOf(ctx, fd) is { } dentry)
        {
            if (dentry.Inode.SuperBlock is not Filesystems.Proc.ProcSuperBlock proc || dentry.Parent?.Inode != proc.Root || !dentry.Inode.IsDirectory
                || !int.TryParse(dentry.Name, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int pid))
                return Errno.EBADF;
            return ctx.Kernel.Pids.ByGuest(pid) is { } leader && leader.Tid == leader.Group.Tgid ? leader : Errno.ESRCH;
        }
        if (!ctx.Thread.DuplicateDescriptor(fd).TryGet(out int pidfd, out Errno e)) return e;
        int hostPid = Tasks.HostProcesses.PidOfPidfd(pidfd);
        HostFiles.CloseKernelDescriptor(pidfd);
        if (hostPid == 0) return Errno.EBADF; // no pidfd
        return ctx.Kernel.Pids.ByHost(hostPid) is { } target ? target : Errno.ESRCH;
    }

    /// <summary>
    /// A positive guest pid as the host's, or a pid no host process has; 0 and negative values stay as they
    /// are, so the host's EINVAL and EPERM checks come in Linux's order.
    /// </summary>
    private static uint HostPidOrMissing(SyscallContext ctx, int pid)
    {
        if (pid <= 0) return (uint)pid;
        int host = ctx.Kernel.Pids.ToHost(pid);
        return (uint)(host < 0 ? NoSuchHostPid : host);
    }
}
