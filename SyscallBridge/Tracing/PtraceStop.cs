using UserKernel.Kernel.Abi;
using UserKernel.SyscallBridge.Interop;

namespace UserKernel.SyscallBridge.Tracing;

/// <summary>The kinds of stop and exit a waitpid status can report for a seized tracee.</summary>
internal enum StopKind
{
    Exited, Killed, SeccompStop, SyscallExit, Fork, Vfork, Clone, Exec, ExitEvent, VforkDone, GroupStop, EventStop, SignalDelivery, Other,
}

/// <summary>A decoded waitpid status (wait(2), ptrace(2) "Stopped states").</summary>
internal readonly record struct PtraceStop(StopKind Kind, int Signal, int ExitCode)
{
    public static PtraceStop Decode(int status)
    {
        if ((status & 0x7f) == 0) return new(StopKind.Exited, 0, (status >> 8) & 0xff);
        if ((status & 0xff) != 0x7f) return new(StopKind.Killed, status & 0x7f, 0);
        int sig = (status >> 8) & 0xff;
        int ev = (status >> 16) & 0xff;
        return ev switch
        {
            Libc.PTRACE_EVENT_SECCOMP => new(StopKind.SeccompStop, sig, 0),
            Libc.PTRACE_EVENT_FORK => new(StopKind.Fork, sig, 0),
            Libc.PTRACE_EVENT_VFORK => new(StopKind.Vfork, sig, 0),
            Libc.PTRACE_EVENT_CLONE => new(StopKind.Clone, sig, 0),
            Libc.PTRACE_EVENT_EXEC => new(StopKind.Exec, sig, 0),
            Libc.PTRACE_EVENT_EXIT => new(StopKind.ExitEvent, sig, 0),
            Libc.PTRACE_EVENT_VFORK_DONE => new(StopKind.VforkDone, sig, 0),
            Libc.PTRACE_EVENT_STOP => new(Signals.IsStopSignal(sig) ? StopKind.GroupStop : StopKind.EventStop, sig, 0),
            0 when sig == (Signals.SIGTRAP | 0x80) => new(StopKind.SyscallExit, 0, 0),
            0 => new(StopKind.SignalDelivery, sig, 0),
            _ => new(StopKind.Other, sig, 0),
        };
    }
}
