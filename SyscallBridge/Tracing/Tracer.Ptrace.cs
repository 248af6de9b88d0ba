using System;
using UserKernel.Kernel;
using UserKernel.Kernel.Abi;
using UserKernel.Kernel.Guest;
using UserKernel.Kernel.Tasks;
using UserKernel.SyscallBridge.Interop;
using UserKernel.SyscallBridge.Launch;
using Task = UserKernel.Kernel.Tasks.Task;

namespace UserKernel.SyscallBridge.Tracing;

/// <summary>
/// Guest ptrace on the tracer thread: which host stops of a guest-traced thread its guest tracer sees, held until the
/// guest tracer resumes it; and the host side of the guest tracer's requests (<see cref="IPtracePlatform"/>). A thread no
/// guest traces never comes here: its stops are the kernel's alone. The kernel's own stops (seccomp stops, injected calls,
/// the exec's surgery, the interruptions that end a tracer's wait) are never reported.
/// </summary>
public sealed partial class Tracer
{
    /// <summary>The host request that resumes a guest-traced thread, given what the kernel itself needs (<paramref name="request"/>).</summary>
    private static int GuestResumeRequest(PtraceLink link, int request) => link.Mode switch
    {
        PtraceResume.Syscall => Libc.PTRACE_SYSCALL,
        PtraceResume.SingleStep when request != Libc.PTRACE_SYSCALL => Libc.PTRACE_SINGLESTEP,
        _ => request,
    };

    /// <summary>Holds <paramref name="t"/> in its host stop and reports it to its guest tracer.</summary>
    private void Hold(Tracee t, int status, PtraceHold hold, bool syscallEntry = false)
    {
        if (!t.ReportsExit)
        {
            // From now on the host stops it as it exits, so the tracer hears of the exit before its parent does, and when
            // a vfork child of its lets it go (PTRACE_O_TRACEVFORKDONE).
            t.ReportsExit = true;
            Libc.Ptrace(Libc.PTRACE_SETOPTIONS, t.HostTid, 0, GuestLauncher.Options | Libc.PTRACE_O_TRACEEXIT | Libc.PTRACE_O_TRACEVFORKDONE);
        }
        kernel.PtraceStopped(t.Task!, status, hold, syscallEntry);
    }

    /// <summary>A syscall-entry stop, which only a guest tracer's PTRACE_SYSCALL asks for.</summary>
    private void OnSyscallEntry(Tracee t)
    {
        t.InSyscall = true;
        t.KernelAnswered = false;
        if (t.Task?.Ptrace is { Mode: PtraceResume.Syscall } link) Hold(t, link.SyscallStatus, PtraceHold.Syscall, syscallEntry: true);
        else Resume(t, 0);
    }

    /// <summary>A syscall's exit, the kernel's work on it done: the exec event, then the syscall-exit stop, as the guest tracer asked.</summary>
    private bool GuestSyscallExit(Tracee t, bool execed)
    {
        bool answered = t.KernelAnswered;
        t.KernelAnswered = false;
        if (t.Task?.Ptrace is not { } link) return false;
        Task task = t.Task;
        if (execed)
        {
            if (link.Has(PtraceLink.PTRACE_O_TRACEEXEC))
            {
                link.EventMessage = (ulong)task.Tid;
                link.ThenSyscallExit = link.Mode == PtraceResume.Syscall;
                Hold(t, PtraceLink.EventStatus(PtraceLink.PTRACE_EVENT_EXEC), PtraceHold.Event);
                return true;
            }
            // Without PTRACE_O_TRACEEXEC a traced exec raises SIGTRAP (ptrace(2), "execve(2) under ptrace").
            if (!link.Seized) kernel.SignalThread(task, Signals.SIGTRAP);
        }
        if (link.Mode != PtraceResume.Syscall) return false;
        // A call the kernel answered was skipped (orig_rax -1): the tracer sees the number the guest asked for.
        if (answered && t.LoadRegs() == Errno.OK && t.Regs.orig_rax == ulong.MaxValue)
        {
            t.Regs.orig_rax = (ulong)task.Context.Number;
            t.StoreRegs();
        }
        Hold(t, link.SyscallStatus, PtraceHold.Syscall);
        return true;
    }

    /// <summary>The option that has a guest tracer follow a child made by a fork, vfork or clone event.</summary>
    private static uint TraceOption(StopKind kind) => kind switch
    {
        StopKind.Fork => PtraceLink.PTRACE_O_TRACEFORK,
        StopKind.Vfork => PtraceLink.PTRACE_O_TRACEVFORK,
        _ => PtraceLink.PTRACE_O_TRACECLONE,
    };

    /// <summary>A fork, vfork or clone event: with the option for it, the child is traced too (<see cref="OnClone"/>) and the parent stops.</summary>
    private bool GuestForkEvent(Tracee t, Task child, StopKind kind)
    {
        if (t.Task?.Ptrace is not { } link || !link.Has(TraceOption(kind))) return false;
        int ev = kind switch { StopKind.Fork => PtraceLink.PTRACE_EVENT_FORK, StopKind.Vfork => PtraceLink.PTRACE_EVENT_VFORK, _ => PtraceLink.PTRACE_EVENT_CLONE };
        link.EventMessage = (ulong)child.Tid;
        Hold(t, PtraceLink.EventStatus(ev), PtraceHold.Event);
        return true;
    }

    /// <summary>A traced child's first stop: a seized one shows PTRACE_EVENT_STOP, another a SIGSTOP (ptrace(2), "Attaching").</summary>
    private bool GuestChildStarted(Tracee t)
    {
        // A child attached to before its first stop (ATTACH or SEIZE right after its fork) stops only as those ask; a
        // PTRACE_INTERRUPT that came before this stop found it stopped already, so this stop is the interrupt's.
        if (t.Task?.Ptrace is not { } link || !(link.AutoAttached || link.InterruptPending)) return false;
        link.InterruptPending = false;
        if (link.Seized) Hold(t, PtraceLink.EventStatus(PtraceLink.PTRACE_EVENT_STOP), PtraceHold.Event);
        else Hold(t, PtraceLink.StopStatus(Signals.SIGSTOP), PtraceHold.Syscall);
        return true;
    }

    /// <summary>
    /// The host exit event of a thread a guest traces (or traced): with PTRACE_O_TRACEEXIT the tracer sees the event;
    /// then the exit is reported while the thread is held here, not dead yet, so its parent hears of it only after the
    /// tracer has waited for it.
    /// </summary>
    private bool GuestExitEvent(Tracee t)
    {
        if (t.Task?.Ptrace is not { } link) return false;
        Libc.TryGetEventMessage(t.HostTid, out ulong status); // a wait status, which names nothing; no stop follows this one
        if (link.Has(PtraceLink.PTRACE_O_TRACEEXIT))
        {
            link.EventMessage = status;
            t.AtExitEvent = true;
            Hold(t, PtraceLink.EventStatus(PtraceLink.PTRACE_EVENT_EXIT), PtraceHold.Event);
            return true;
        }
        return kernel.PtraceExiting(t.Task, (int)status, hostHeld: true);
    }

    /// <summary>PTRACE_EVENT_VFORK_DONE: a vfork child of the tracee has exec'd or exited, the event message its pid.</summary>
    private bool GuestVforkDone(Tracee t)
    {
        if (t.Task?.Ptrace is not { } link || !link.Has(PtraceLink.PTRACE_O_TRACEVFORKDONE)) return false;
        if (!t.TryEventMessage(out ulong child)) return false;
        link.EventMessage = (ulong)kernel.Pids.ToGuest((int)child);
        Hold(t, PtraceLink.EventStatus(PtraceLink.PTRACE_EVENT_VFORK_DONE), PtraceHold.Event);
        return true;
    }

    private bool GuestGroupStop(Tracee t, int sig)
    {
        if (t.Task?.Ptrace is not { } link) return false;
        if (link.Mode == PtraceResume.Listen && !link.InterruptPending)
        {
            // Still in the group-stop the tracer let it listen in: nothing new to report.
            Libc.Ptrace(Libc.PTRACE_LISTEN, t.HostTid, 0, 0);
            return true;
        }
        link.InterruptPending = false;
        Hold(t, link.Seized ? PtraceLink.EventStatus(PtraceLink.PTRACE_EVENT_STOP, sig) : PtraceLink.StopStatus(sig), PtraceHold.Group);
        return true;
    }

    /// <summary>A PTRACE_EVENT_STOP the guest tracer asked for with PTRACE_INTERRUPT; the kernel's own are not reported.</summary>
    private bool GuestInterruptStop(Tracee t)
    {
        if (t.Task?.Ptrace is not { InterruptPending: true } link) return false;
        link.InterruptPending = false;
        Hold(t, PtraceLink.EventStatus(PtraceLink.PTRACE_EVENT_STOP), PtraceHold.Event);
        return true;
    }

    private bool GuestSignalStop(Tracee t, int sig)
    {
        if (t.Task?.Ptrace is null) return false;
        Hold(t, PtraceLink.StopStatus(sig), PtraceHold.SignalDelivery);
        return true;
    }

    private Tracee? Held(Task task) => tracees.TryGetValue(task.HostTid, out Tracee? t) ? t : null;

    Errno IPtracePlatform.Transfer(Task tracee, int request, Span<byte> buffer) =>
        Held(tracee) is { } t ? Libc.Transfer(request, t.HostTid, 0, buffer) : Errno.ESRCH;

    Result<ulong> IPtracePlatform.Peek(Task tracee, int request, ulong addr)
    {
        if (Held(tracee) is not { } t) return Errno.ESRCH;
        Errno e = Libc.Peek(request, t.HostTid, addr, out ulong word);
        return e != Errno.OK ? e : word;
    }

    Errno IPtracePlatform.Poke(Task tracee, int request, ulong addr, ulong word) =>
        Held(tracee) is { } t ? Libc.Ptrace(request, t.HostTid, (nint)addr, (nint)word) : Errno.ESRCH;

    Result<int> IPtracePlatform.Regset(Task tracee, int request, int type, Span<byte> buffer)
    {
        if (Held(tracee) is not { } t) return Errno.ESRCH;
        Errno e = Libc.Regset(request, t.HostTid, type, buffer, out int used);
        return e != Errno.OK ? e : used;
    }

    void IPtracePlatform.Resume(Task tracee, PtraceHold hold, PtraceResume mode, int signal)
    {
        if (Held(tracee) is not { } t) return;
        if (mode == PtraceResume.Listen)
        {
            Libc.Ptrace(Libc.PTRACE_LISTEN, t.HostTid, 0, 0);
            return;
        }
        if (t.AtExitEvent)
        {
            t.AtExitEvent = false;
            if (tracee.Ptrace is { } link && kernel.PtraceExiting(tracee, (int)link.EventMessage, hostHeld: true)) return;
        }
        int deliver = 0;
        if (hold == PtraceHold.SignalDelivery) deliver = signal;
        else if (hold == PtraceHold.Syscall && signal != 0) kernel.SignalThread(tracee, signal);
        Resume(t, deliver);
    }

    void IPtracePlatform.Interrupt(Task task)
    {
        if (Held(task) is { } t) Libc.Ptrace(Libc.PTRACE_INTERRUPT, t.HostTid, 0, 0);
    }

    bool IPtracePlatform.IsStarting(Task task) => Held(task) is not { } t || t.StartingInit;
}
