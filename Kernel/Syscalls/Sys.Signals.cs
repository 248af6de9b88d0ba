using UserKernel.Kernel.Abi;

namespace UserKernel.Kernel.Syscalls;

/// <summary>
/// Signals to other processes by pid beyond kill/tkill/tgkill: queued signals and pidfds. Pids are translated
/// to the host's; the siginfo a sender passes is delivered as it wrote it (its si_pid included), as on Linux.
/// </summary>
public static partial class Sys
{
    /// <summary>A host pid no process has (above any pid_max): the host answers ESRCH after its own checks.</summary>
    private const int NoSuchHostPid = int.MaxValue;

    /// <summary>rt_sigqueueinfo(2): (tgid, sig, info).</summary>
    public static SyscallResult RtSigqueueinfo(SyscallContext ctx)
    {
        ctx.Rewrite(0, (ulong)HostPidOrMissing(ctx, ctx.IntArg(0)));
        return SyscallResult.RunOnHost;
    }

    /// <summary>rt_tgsigqueueinfo(2): (tgid, tid, sig, info).</summary>
    public static SyscallResult RtTgsigqueueinfo(SyscallContext ctx)
    {
        ctx.Rewrite(0, (ulong)HostPidOrMissing(ctx, ctx.IntArg(0)));
        ctx.Rewrite(1, (ulong)HostPidOrMissing(ctx, ctx.IntArg(1)));
        return SyscallResult.RunOnHost;
    }

    /// <summary>pidfd_open(2): the pid is translated; the descriptor is the host's pidfd, so pidfd_send_signal, waitid(P_PIDFD) and poll need nothing more.</summary>
    public static SyscallResult PidfdOpen(SyscallContext ctx)
    {
        ctx.Rewrite(0, (ulong)HostPidOrMissing(ctx, ctx.IntArg(0)));
        return SyscallResult.RunOnHost;
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
