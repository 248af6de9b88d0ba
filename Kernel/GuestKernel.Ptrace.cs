using System;
using System.Collections.Generic;
using UserKernel.Kernel.Abi;
using UserKernel.Kernel.Guest;
using UserKernel.Kernel.Tasks;
using Task = UserKernel.Kernel.Tasks.Task;

namespace UserKernel.Kernel;

/// <summary>
/// Guest ptrace: the links between guest tracers and their tracees, the stops reported to tracers, and what becomes of
/// links when either side ends. Nothing here runs unless a guest has asked to trace another.
/// </summary>
public sealed partial class GuestKernel
{
    /// <summary>The platform's side of guest ptrace; null where tracing guests is not offered (unit tests).</summary>
    public IPtracePlatform? PtracePlatform { get; set; }

    /// <summary>Makes <paramref name="tracer"/> the tracer of <paramref name="tracee"/>.</summary>
    public PtraceLink Link(Task tracee, Task tracer, bool seized, uint options, bool autoAttached = false)
    {
        var link = new PtraceLink(tracer, seized, options) { AutoAttached = autoAttached };
        tracee.Ptrace = link;
        (tracer.Group.Tracees ??= new List<Task>()).Add(tracee);
        return link;
    }

    /// <summary>Ends <paramref name="tracee"/>'s link (detach, exit reported, tracer gone).</summary>
    public void Unlink(Task tracee)
    {
        if (tracee.Ptrace is not { } link) return;
        tracee.Ptrace = null;
        link.Tracer.Group.Tracees?.Remove(tracee);
    }

    /// <summary>
    /// The platform holds <paramref name="tracee"/> in a stop its guest tracer must see, with wait status
    /// <paramref name="status"/>: the tracer gets SIGCHLD, and a wait it sleeps in on the host is interrupted to look again.
    /// </summary>
    public void PtraceStopped(Task tracee, int status, PtraceHold hold, bool syscallEntry = false)
    {
        if (tracee.Ptrace is not { } link) return;
        link.Stop(status, hold, syscallEntry);
        NotifyTracer(link.Tracer, tracee, status);
    }

    private void NotifyTracer(Task tracer, Task tracee, int status)
    {
        ThreadGroup group = tracer.Group;
        if (group.Exited) return;
        group.LastPtraceNotice = (tracee.Tid, status);
        Tmds.Linux.LibC.kill(group.HostTgid, Signals.SIGCHLD);
        foreach (Task t in group.Threads)
            if (t.WaitsForTracees) PtracePlatform?.Interrupt(t);
    }

    /// <summary>
    /// A fork, vfork or clone event of a traced <paramref name="parent"/> made <paramref name="child"/>: with the option for
    /// the event (<paramref name="option"/>), the child is traced by the same tracer from its first instruction.
    /// </summary>
    public bool PtraceFollows(Task parent, Task child, uint option)
    {
        if (parent.Ptrace is not { } link || !link.Has(option)) return false;
        PtraceLink followed = Link(child, link.Tracer, link.Seized, link.Options, autoAttached: true);
        followed.Mode = PtraceResume.Cont;
        return true;
    }

    /// <summary>
    /// A guest thread has ended with wait status <paramref name="status"/>. As its tracee, its tracer hears of it unless
    /// the tracer is its parent process, which the host tells itself; as a tracer, its tracees are let go (or killed, with
    /// PTRACE_O_EXITKILL).
    /// </summary>
    public void PtraceExited(Task task, int status)
    {
        if (task.Ptrace is { } link && !PtraceExiting(task, status, hostHeld: false)) Unlink(task);
        if (task.Group.Tracees is not { } tracees) return;
        foreach (Task tracee in tracees.ToArray())
        {
            if (tracee.Ptrace is not { } l || l.Tracer != task) continue;
            Unlink(tracee);
            if (l.Exited)
            {
                if (l.HostHeld) PtracePlatform?.Resume(tracee, PtraceHold.Event, PtraceResume.Cont, 0);
                continue;
            }
            if (l.Has(PtraceLink.PTRACE_O_EXITKILL)) SignalThread(tracee, Signals.SIGKILL);
            else if (l.Stopped) PtracePlatform?.Resume(tracee, l.Hold, PtraceResume.Cont, 0);
        }
    }

    /// <summary>
    /// The SIGCHLD the kernel sent a guest tracer (from its own pid, SI_USER, which no guest can send) becomes the one Linux
    /// sends a tracer: CLD_TRAPPED for a stop, CLD_EXITED or CLD_KILLED for an exit, naming the tracee. False for any other signal.
    /// </summary>
    private bool PtraceNotice(ThreadGroup tracer, Span<byte> siginfo)
    {
        const int SI_USER = 0, CLD_EXITED = 1, CLD_KILLED = 2, CLD_TRAPPED = 4, CLD_STOPPED = 5;
        if (System.Buffers.Binary.BinaryPrimitives.ReadInt32LittleEndian(siginfo) != Signals.SIGCHLD
            || System.Buffers.Binary.BinaryPrimitives.ReadInt32LittleEndian(siginfo[8..]) != SI_USER
            || System.Buffers.Binary.BinaryPrimitives.ReadInt32LittleEndian(siginfo[16..]) != Environment.ProcessId) return false;
        (int pid, int status) = tracer.LastPtraceNotice;
        // A PTRACE_EVENT_STOP is told as CLD_STOPPED (do_jobctl_trap), every other stop as CLD_TRAPPED.
        (int code, int value) = (status & 0x7f) == 0x7f ? ((status >> 16) == PtraceLink.PTRACE_EVENT_STOP ? CLD_STOPPED : CLD_TRAPPED, (status >> 8) & 0x7f)
            : (status & 0x7f) == 0 ? (CLD_EXITED, (status >> 8) & 0xff) : (CLD_KILLED, status & 0x7f);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(siginfo[8..], code);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(siginfo[16..], pid);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(siginfo[20..], 0);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(siginfo[24..], value);
        trace?.ProcessEvent(tracer.Tgid, "signal", $"--- SIGCHLD {{si_signo=SIGCHLD, si_code={code}, si_pid={pid}}} ---");
        return true;
    }

    /// <summary>
    /// <paramref name="tracee"/> is exiting with wait status <paramref name="status"/> (<paramref name="hostHeld"/>: the
    /// platform holds it at its host exit event, so it is not dead yet): its tracer hears of it unless the tracer is its
    /// parent process, which the host tells itself. False if the tracer does not hear of it.
    /// </summary>
    public bool PtraceExiting(Task tracee, int status, bool hostHeld)
    {
        if (tracee.Ptrace is not { Exited: false } link) return false;
        bool parentHears = tracee.Tid == tracee.Group.Tgid && tracee.Group.Parent == link.Tracer.Group;
        if (parentHears || link.Tracer.Group.Exited) return false;
        link.Exit(status, hostHeld);
        NotifyTracer(link.Tracer, tracee, status);
        return true;
    }

    /// <summary>
    /// A tracee of <paramref name="waiter"/>'s process whose stop or exit a wait for <paramref name="pid"/> (wait4's
    /// encoding) may report now; null if none. <paramref name="anyLive"/> says whether a tracee matches at all.
    /// </summary>
    public Task? ReportableTracee(Task waiter, int pid, bool exits, out bool anyLive)
    {
        anyLive = false;
        if (waiter.Group.Tracees is not { } tracees) return null;
        int group = pid < -1 ? Pids.ToHostGroup(-pid) : pid == 0 ? HostProcessGroupOf(waiter.Group) : 0;
        foreach (Task t in tracees)
        {
            if (t.Ptrace is not { } link) continue;
            if (pid > 0 ? t.Tid != pid : pid != -1 && HostProcessGroupOf(t.Group) != group) continue;
            anyLive |= !link.Exited;
            if (link.Reported || !(link.Stopped || (link.Exited && exits))) continue;
            return t;
        }
        return null;
    }

    /// <summary>The wait reported <paramref name="tracee"/>'s stop or exit: an exit ends the link, unless the wait leaves it (WNOWAIT).</summary>
    public void PtraceReported(Task tracee, bool consume)
    {
        if (!consume || tracee.Ptrace is not { } link) return;
        link.Reported = true;
        if (!link.Exited) return;
        Unlink(tracee);
        // Its parent hears of it now, after its tracer, as on Linux.
        if (link.HostHeld) PtracePlatform?.Resume(tracee, PtraceHold.Event, PtraceResume.Cont, 0);
    }

    /// <summary>Whether <paramref name="group"/> has a child process the host can report to a wait for <paramref name="pid"/>.</summary>
    public bool HasChildFor(ThreadGroup group, int pid)
    {
        foreach (Task t in Pids.All)
        {
            if (t.Group.Parent != group || t.Tid != t.Group.Tgid) continue;
            if (pid <= 0 || t.Tid == pid) return true;
        }
        return false;
    }
}
