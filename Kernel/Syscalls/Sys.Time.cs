using System;
using System.Buffers.Binary;
using UserKernel.Kernel.Abi;
using UserKernel.Kernel.Guest;

namespace UserKernel.Kernel.Syscalls;

/// <summary>
/// Clocks. Reading them is the host's (most never stop: the vDSO answers); setting one is refused, as to a process
/// without CAP_SYS_TIME, since the only clock there is is the host's. A CPU-time clock id names a process or thread
/// by pid inside it (clock_getcpuclockid, pthread_getcpuclockid), which the kernel translates.
/// </summary>
public static partial class Sys
{
    private const int CLOCK_REALTIME = 0;
    private const int CPUCLOCK_PERTHREAD = 4, CLOCKFD_MASK = 7, CLOCKFD = 3;
    private const long NSEC_PER_SEC = 1_000_000_000, USEC_PER_SEC = 1_000_000;

    /// <summary>TIME_SETTOD_SEC_MAX: KTIME_SEC_MAX less thirty years of uptime, the latest time settimeofday accepts.</summary>
    private const long SettodSecondsMax = 9_223_372_036 - 946_080_000;

    /// <summary>
    /// clock_gettime(2), clock_getres(2), clock_nanosleep(2), timer_create(2), for a CPU-time clock (a negative id, the only
    /// kind that stops): the pid inside it becomes the host's. A pid no guest has becomes one no host process has, so the
    /// host answers EINVAL where Linux would, after its own checks; 0 (the caller) and descriptor clocks stay as they are.
    /// </summary>
    public static SyscallResult CpuClock(SyscallContext ctx)
    {
        int clock = ctx.IntArg(0);
        if (clock >= 0 || (clock & CLOCKFD_MASK) == CLOCKFD) return SyscallResult.RunOnHost;
        int pid = ~(clock >> 3);
        if (pid == 0) return SyscallResult.RunOnHost;
        int host = ctx.Kernel.Pids.ToHost(pid);
        ctx.Rewrite(0, (ulong)(long)((~(host < 0 ? NoSuchHostPid : host) << 3) | (clock & 7)));
        return SyscallResult.RunOnHost;
    }

    /// <summary>
    /// clock_settime(2): EINVAL for a clock that cannot be set, EFAULT, EINVAL for a time out of range, then EPERM (the
    /// guest may not set the host's clock; nor may anyone set a CPU-time clock).
    /// </summary>
    public static SyscallResult ClockSettime(SyscallContext ctx)
    {
        int clock = ctx.IntArg(0);
        if (clock > CLOCK_REALTIME) return Errno.EINVAL; // no other clock has a setter
        Span<byte> ts = stackalloc byte[16];
        if (ctx.Memory.Read(ctx.PtrArg(1), ts) != Errno.OK) return Errno.EFAULT;
        if (clock < 0 && (clock & CLOCKFD_MASK) == CLOCKFD) return Errno.EINVAL; // a clock descriptor: guests have none
        if (clock < 0)
        {
            // posix_cpu_clock_set: the clock must name a task (EINVAL), which may never be set (EPERM).
            int pid = ~(clock >> 3);
            if (pid == 0) return Errno.EPERM;
            Tasks.Task? target = ctx.Kernel.Pids.ByGuest(pid);
            bool named = target != null && ((clock & CPUCLOCK_PERTHREAD) != 0 ? target.Group == ctx.Task.Group : target.Tid == target.Group.Tgid);
            return named ? Errno.EPERM : Errno.EINVAL;
        }
        return SettableTime(BinaryPrimitives.ReadInt64LittleEndian(ts), BinaryPrimitives.ReadInt64LittleEndian(ts[8..]));
    }

    /// <summary>settimeofday(2): EFAULT, EINVAL for microseconds or a time out of range, then EPERM, as clock_settime.</summary>
    public static SyscallResult Settimeofday(SyscallContext ctx)
    {
        if (ctx.PtrArg(0).IsNull) return ctx.PtrArg(1).IsNull || ctx.Memory.Read(ctx.PtrArg(1), stackalloc byte[8]) == Errno.OK ? Errno.EPERM : Errno.EFAULT;
        Span<byte> tv = stackalloc byte[16];
        if (ctx.Memory.Read(ctx.PtrArg(0), tv) != Errno.OK) return Errno.EFAULT;
        long usec = BinaryPrimitives.ReadInt64LittleEndian(tv[8..]);
        if (usec < 0 || usec > USEC_PER_SEC) return Errno.EINVAL;
        if (!ctx.PtrArg(1).IsNull && ctx.Memory.Read(ctx.PtrArg(1), stackalloc byte[8]) != Errno.OK) return Errno.EFAULT;
        return SettableTime(BinaryPrimitives.ReadInt64LittleEndian(tv), usec * 1000);
    }

    /// <summary>do_sys_settimeofday64: a time the clock could take is refused for want of CAP_SYS_TIME; any other is EINVAL.</summary>
    private static Errno SettableTime(long seconds, long nanoseconds) =>
        seconds < 0 || seconds >= SettodSecondsMax || nanoseconds < 0 || nanoseconds >= NSEC_PER_SEC ? Errno.EINVAL : Errno.EPERM;
}
