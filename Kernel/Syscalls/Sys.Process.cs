using System;
using System.Buffers.Binary;
using UserKernel.Kernel.Abi;
using UserKernel.Kernel.Guest;
using UserKernel.Kernel.Tasks;

namespace UserKernel.Kernel.Syscalls;

/// <summary>Processes: guest pids in, host pids out, and back again when a result carries one.</summary>
public static partial class Sys
{
    private const ulong CLONE_THREAD = 0x10000, CLONE_PARENT_SETTID = 0x100000, CLONE_CHILD_SETTID = 0x1000000;
    private const uint WaitThreadFlags = 0x20000000 | 0x40000000 | 0x80000000; // __WNOTHREAD, __WALL, __WCLONE
    private const ulong CLONE_NEW_ANY = 0x7E020000 | 0x80; // CLONE_NEWNS..NEWNET, NEWCGROUP, NEWTIME
    private const ulong CLONE_UNTRACED = 0x00800000;

    /// <summary>getpid(2)</summary>
    public static SyscallResult Getpid(SyscallContext ctx) => ctx.Task.Group.Tgid;

    /// <summary>getppid(2): 0 for the first guest process, 1 for an orphan, as in a pid namespace.</summary>
    public static SyscallResult Getppid(SyscallContext ctx)
    {
        ThreadGroup g = ctx.Task.Group;
        return g.Parent?.Tgid ?? (g.Tgid == 1 ? 0 : 1);
    }

    /// <summary>gettid(2)</summary>
    public static SyscallResult Gettid(SyscallContext ctx) => ctx.Task.Tid;

    /// <summary>fork(2): a real host fork, followed by the tracer; the parent sees the guest pid.</summary>
    public static SyscallResult Fork(SyscallContext ctx) => StartClone(ctx, 17 /* SIGCHLD */, 0);

    /// <summary>vfork(2)</summary>
    public static SyscallResult Vfork(SyscallContext ctx) => StartClone(ctx, 0x4111 /* CLONE_VM|CLONE_VFORK|SIGCHLD */, 0);

    /// <summary>
    /// clone(2): x86-64 argument order is flags, stack, parent_tid, child_tid, tls. CLONE_UNTRACED is taken away (in a
    /// register, so no sibling can put it back): every guest task is the kernel's to trace.
    /// </summary>
    public static SyscallResult Clone(SyscallContext ctx)
    {
        ulong flags = ctx.Arg(0);
        if ((flags & CLONE_NEW_ANY) != 0) return Errno.EPERM; // namespaces inside the guest are not offered
        if ((flags & CLONE_UNTRACED) != 0) ctx.Rewrite(0, flags &= ~CLONE_UNTRACED);
        return StartClone(ctx, flags, ctx.Arg(3), ctx.Arg(2));
    }

    private static SyscallResult StartClone(SyscallContext ctx, ulong flags, ulong childTid, ulong parentTid = 0)
    {
        // Like the pids cgroup: a task exists until it is reaped, and a clone under way counts already, so forks made
        // at once by many tasks cannot pass the limit together.
        if (ctx.Kernel.Pids.Count + ctx.Kernel.ClonesUnderWay >= ctx.Kernel.Options.PidsLimit) return Errno.EAGAIN;
        ctx.Kernel.CloneStarting(ctx.Task);
        ctx.Task.PendingClone = new CloneRequest(flags, (flags & CLONE_CHILD_SETTID) != 0 ? childTid : 0,
            (flags & CLONE_PARENT_SETTID) != 0 ? parentTid : 0);
        ctx.AtExit(GuestPidAtExit);
        return SyscallResult.RunOnHost;
    }

    /// <summary>wait4(2)</summary>
    public static SyscallResult Wait4(SyscallContext ctx)
    {
        const uint WNOHANG = 1, WUNTRACED = 2, WCONTINUED = 8;
        if (((uint)ctx.Arg(2) & ~(WNOHANG | WUNTRACED | WCONTINUED | WaitThreadFlags)) != 0) return Errno.EINVAL;
        if (ctx.Task.Group.Tracees is { Count: > 0 } && WaitForTracee(ctx, ctx.IntArg(0), (uint)ctx.Arg(2), waitid: false) is { } traced) return traced;
        if (!TranslateWaitTarget(ctx, (int)ctx.Arg(0), out long hostTarget)) return Errno.ECHILD;
        ctx.Rewrite(0, (ulong)hostTarget);
        ctx.AtExit(ReapedPidAtExit);
        return SyscallResult.RunOnHost;
    }

    /// <summary>After a call that returns a host pid (fork, getpgid, set_tid_address...): the guest's.</summary>
    private static ExitOutcome GuestPidAtExit(SyscallContext ctx, IGuestThread thread, long rax) =>
        rax > 0 ? ctx.Kernel.GuestPidOfReturned((int)rax, reaps: false) : rax;

    /// <summary>After wait4: the reaped child's guest pid, which is free from now on.</summary>
    private static ExitOutcome ReapedPidAtExit(SyscallContext ctx, IGuestThread thread, long rax) =>
        rax > 0 ? ctx.Kernel.GuestPidOfReturned((int)rax, reaps: true) : rax;

    /// <summary>
    /// waitid(2): P_PID and P_PGID ids translated (P_PGID 0 is the caller's group, as on the host); P_ALL and
    /// P_PIDFD (a host pidfd) as they are; si_pid translated on return.
    /// </summary>
    public static SyscallResult Waitid(SyscallContext ctx)
    {
        const int P_PID = 1, P_PGID = 2;
        const uint WNOHANG = 1, WSTOPPED = 2, WEXITED = 4, WCONTINUED = 8, WNOWAIT = 0x01000000;
        uint options = (uint)ctx.Arg(3);
        if ((options & ~(WNOHANG | WSTOPPED | WEXITED | WCONTINUED | WNOWAIT | WaitThreadFlags)) != 0) return Errno.EINVAL;
        if ((options & (WSTOPPED | WEXITED | WCONTINUED)) == 0) return Errno.EINVAL;
        int idtype = ctx.IntArg(0), id = ctx.IntArg(1);
        if (idtype == P_PID && id <= 0) return Errno.EINVAL;
        if (ctx.Task.Group.Tracees is { Count: > 0 } && idtype is 0 or P_PID or P_PGID
            && WaitForTracee(ctx, idtype == 0 ? -1 : idtype == P_PID ? id : -id, options, waitid: true) is { } traced) return traced;
        if (idtype == P_PID || (idtype == P_PGID && id != 0))
        {
            int host = idtype == P_PID ? ctx.Kernel.Pids.ToHost(id) : ctx.Kernel.Pids.ToHostGroup(id);
            if (host < 0) return id < 0 ? Errno.EINVAL : Errno.ECHILD;
            ctx.Rewrite(1, (ulong)host);
        }
        ctx.AtExit(WaitidInfoAtExit);
        return SyscallResult.RunOnHost;
    }

    /// <summary>After waitid: the siginfo_t's si_pid is the child's host pid; the guest's goes in its place.</summary>
    private static ExitOutcome WaitidInfoAtExit(SyscallContext ctx, IGuestThread thread, long rax)
    {
        const ulong WNOWAIT = 0x01000000;
        GuestPtr info = ctx.PtrArg(2);
        if (rax != 0 || info.IsNull) return rax;
        if (!ctx.Memory.ReadInt32(info.Add(16)).TryGet(out int hostPid, out _) || hostPid == 0) return rax;
        ctx.Memory.WriteInt32(info.Add(16), ctx.Kernel.GuestPidOfReturned(hostPid, reaps: (ctx.Arg(3) & WNOWAIT) == 0));
        return rax;
    }

    /// <summary>wait4's pid: a pid, -1 (any child), 0 (the caller's group) or -pgid; a group outlives its leader.</summary>
    private static bool TranslateWaitTarget(SyscallContext ctx, int pid, out long host)
    {
        host = pid;
        if (pid == -1 || pid == 0 || pid == int.MinValue) return true;
        int h = pid > 0 ? ctx.Kernel.Pids.ToHost(pid) : ctx.Kernel.Pids.ToHostGroup(-pid);
        if (h < 0) return false;
        host = pid > 0 ? h : -h;
        return true;
    }

    /// <summary>set_tid_address(2): the host records the address; the caller gets its guest tid.</summary>
    public static SyscallResult SetTidAddress(SyscallContext ctx)
    {
        ctx.AtExit(GuestPidAtExit);
        return SyscallResult.RunOnHost;
    }

    /// <summary>
    /// kill(2). kill(-1) is sent by the kernel to every guest process but the caller and pid 1, never to the host's.
    /// SIGKILL and SIGSTOP never reach pid 1 from inside, as in a pid namespace: to pid 1 they are ignored, and to a
    /// process group pid 1 is in, the kernel sends them to the others. The kernel checks the sender may signal its
    /// target (<see cref="ThreadGroup.MaySignal"/>, EPERM); to a group, where a caller without CAP_KILL may be refused
    /// some members, it sends them one at a time.
    /// </summary>
    public static SyscallResult Kill(SyscallContext ctx)
    {
        int pid = ctx.IntArg(0), sig = ctx.IntArg(1);
        if (sig < 0 || sig > 64) return Errno.EINVAL;
        ThreadGroup sender = ctx.Task.Group;
        if (pid == -1) return ctx.Kernel.SignalAllGuests(sender, sig);
        if (pid > 0)
        {
            if (ctx.Kernel.Pids.ByGuest(pid) is not { } target) return Errno.ESRCH;
            if (!sender.MaySignal(target.Group, sig, ctx.Kernel.Platform)) return Errno.EPERM;
            if (ProtectsInit(ctx, pid, sig)) return 0;
            ctx.Rewrite(0, (ulong)target.HostTid);
            return SyscallResult.RunOnHost;
        }
        bool everyMember = sender.Credentials.Capable(Capabilities.CAP_KILL);
        if (pid == 0 && !IsUnstoppable(sig) && everyMember) return SyscallResult.RunOnHost; // the caller's own process group, a guest group
        int host = pid == 0 ? ctx.Kernel.HostProcessGroupOf(sender) : ctx.Kernel.Pids.ToHostGroup(-pid);
        if (host < 0) return Errno.ESRCH;
        if (!everyMember || (IsUnstoppable(sig) && ctx.Kernel.Init is { } init && ctx.Kernel.HostProcessGroupOf(init) == host))
            return ctx.Kernel.SignalGroup(sender, host, sig);
        ctx.Rewrite(0, (ulong)(long)-host);
        return SyscallResult.RunOnHost;
    }

    /// <summary>tkill(2)</summary>
    public static SyscallResult Tkill(SyscallContext ctx) => SendToThread(ctx, null, ctx.IntArg(0), ctx.IntArg(1));

    /// <summary>tgkill(2)</summary>
    public static SyscallResult Tgkill(SyscallContext ctx) => SendToThread(ctx, ctx.IntArg(0), ctx.IntArg(1), ctx.IntArg(2));

    /// <summary>
    /// tkill (no <paramref name="tgid"/>) and tgkill: the host checks the ids and the signal (EINVAL) and finds the thread
    /// (ESRCH); the kernel asks first whether the sender may signal a thread it found (EPERM), and keeps SIGKILL and SIGSTOP
    /// from pid 1.
    /// </summary>
    private static SyscallResult SendToThread(SyscallContext ctx, int? tgid, int tid, int sig)
    {
        if (Refused(ctx, tgid, tid, sig)) return Errno.EPERM;
        if (ProtectsInit(ctx, tid, sig)) return 0;
        return tgid == null ? TranslateArgs(ctx, 0, -1) : TranslateArgs(ctx, 0, 1);
    }

    private static bool IsUnstoppable(int sig) => sig is Signals.SIGKILL or Signals.SIGSTOP;

    /// <summary>Whether a signal to the guest task <paramref name="tid"/> is SIGKILL or SIGSTOP for pid 1, which ignores them.</summary>
    private static bool ProtectsInit(SyscallContext ctx, int tid, int sig) =>
        IsUnstoppable(sig) && ctx.Kernel.Pids.ByGuest(tid) is { } target && target.Group == ctx.Kernel.Init;

    /// <summary>getpgid(2)</summary>
    public static SyscallResult Getpgid(SyscallContext ctx) => TranslateArgs(ctx, 0, -1, translateResult: true);

    /// <summary>getsid(2)</summary>
    public static SyscallResult Getsid(SyscallContext ctx) => TranslateArgs(ctx, 0, -1, translateResult: true);

    /// <summary>getpgrp(2)</summary>
    public static SyscallResult Getpgrp(SyscallContext ctx) => TranslateArgs(ctx, -1, -1, translateResult: true);

    /// <summary>setsid(2): returns the new session id, which is the caller's pid.</summary>
    public static SyscallResult Setsid(SyscallContext ctx) => TranslateArgs(ctx, -1, -1, translateResult: true);

    /// <summary>setpgid(2): EINVAL for a negative group, ESRCH for no such process, EPERM for no such group.</summary>
    public static SyscallResult Setpgid(SyscallContext ctx)
    {
        int pgid = ctx.IntArg(1);
        if (pgid < 0) return Errno.EINVAL;
        TranslateArgs(ctx, 0, -1);
        if (pgid == 0) return SyscallResult.RunOnHost;
        int host = ctx.Kernel.Pids.ToHostGroup(pgid);
        if (host < 0) return Errno.EPERM;
        ctx.Rewrite(1, (ulong)host);
        return SyscallResult.RunOnHost;
    }

    /// <summary>
    /// getpriority(2), setpriority(2): "who" is a pid or a process group for PRIO_PROCESS and PRIO_PGRP, translated; for
    /// PRIO_USER a user id, which on the host would reach every host process of that uid: EPERM (the guests' users have no
    /// host processes to name).
    /// </summary>
    public static SyscallResult Priority(SyscallContext ctx) => ctx.IntArg(0) switch
    {
        0 => TranslateArgs(ctx, 1, -1),
        1 => TranslateGroupArg(ctx, 1),
        2 => Errno.EPERM,
        _ => Errno.EINVAL,
    };

    /// <summary>
    /// ioprio_get(2), ioprio_set(2): IOPRIO_WHO_PROCESS and IOPRIO_WHO_PGRP ids translated; IOPRIO_WHO_USER, which names
    /// host users' processes, EPERM.
    /// </summary>
    public static SyscallResult Ioprio(SyscallContext ctx) => ctx.IntArg(0) switch
    {
        1 => TranslateArgs(ctx, 1, -1),
        2 => TranslateGroupArg(ctx, 1),
        3 => Errno.EPERM,
        _ => Errno.EINVAL,
    };

    /// <summary>A process group id argument (0 is the caller's own group), translated; ESRCH for one no guest has.</summary>
    private static SyscallResult TranslateGroupArg(SyscallContext ctx, int arg)
    {
        int pgid = ctx.IntArg(arg);
        if (pgid == 0) return SyscallResult.RunOnHost;
        int host = pgid > 0 ? ctx.Kernel.Pids.ToHostGroup(pgid) : -1;
        if (host < 0) return Errno.ESRCH;
        ctx.Rewrite(arg, (ulong)host);
        return SyscallResult.RunOnHost;
    }

    /// <summary>sched_*, prlimit64: the first argument is a pid, 0 meaning the caller.</summary>
    public static SyscallResult PidArgument(SyscallContext ctx) => TranslateArgs(ctx, 0, -1);

    /// <summary>
    /// Rewrites the pid arguments at <paramref name="a"/> and <paramref name="b"/> (-1: none) with <see cref="HostPidOrMissing"/>:
    /// 0 and negative pids stay, a pid no guest has becomes one no host process has, so the host answers EINVAL, ESRCH and
    /// its other errors in Linux's order (sched_getaffinity's EINVAL for a short mask before ESRCH, say).
    /// </summary>
    private static SyscallResult TranslateArgs(SyscallContext ctx, int a, int b, bool translateResult = false)
    {
        foreach (int arg in (ReadOnlySpan<int>)[a, b])
            if (arg >= 0 && ctx.IntArg(arg) > 0) ctx.Rewrite(arg, HostPidOrMissing(ctx, ctx.IntArg(arg)));
        if (translateResult) ctx.AtExit(GuestPidAtExit);
        return SyscallResult.RunOnHost;
    }
}
