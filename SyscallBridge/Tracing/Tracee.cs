using System;
using UserKernel.Kernel.Abi;
using UserKernel.Kernel.Guest;
using UserKernel.Kernel.Loader;
using UserKernel.SyscallBridge.Guest;
using UserKernel.SyscallBridge.Interop;
using UserKernel.SyscallBridge.Memory;
using UserKernel.SyscallBridge.Notify;
using UserKernel.Kernel;
using Task = UserKernel.Kernel.Tasks.Task;

namespace UserKernel.SyscallBridge.Tracing;

/// <summary>
/// One traced host thread: its registers at the current stop, its memory, and the kernel task it runs.
/// Every method runs on the tracer thread, as ptrace requires.
/// </summary>
internal sealed partial class Tracee : HostGuestThread, IGuestThread
{
    private UserRegs regs;

    public Tracee(int tid) : base(tid)
    {
    }

    public Task? Task { get; set; }

    /// <summary>How descriptors the kernel opened reach this thread at a ptrace stop.</summary>
    public DescriptorInstaller? Installer { get; set; }

    /// <summary>Resume with PTRACE_SYSCALL so the syscall's exit stops too.</summary>
    public bool WantsSyscallExit { get; set; }

    /// <summary>The first stop of an auto-attached child has not been seen yet.</summary>
    public bool AwaitingFirstStop { get; set; }

    /// <summary>The kernel-injected execve of pid 1's program has not finished.</summary>
    public bool StartingInit { get; set; }

    /// <summary>A signal that arrived while a syscall was being injected, to deliver afterwards.</summary>
    public int DeferredSignal { get; set; }

    /// <summary>
    /// Between a syscall's entry (a seccomp or syscall-entry stop) and the exit stop the host will report: tells an exit
    /// from an entry, which the host reports alike, when a guest tracer asks for syscall stops.
    /// </summary>
    public bool InSyscall { get; set; }

    /// <summary>The host stops this thread at its exit (PTRACE_O_TRACEEXIT), set once a guest traces it; its children inherit it.</summary>
    public bool ReportsExit { get; set; }

    /// <summary>Held at its host exit event for the guest tracer's PTRACE_O_TRACEEXIT; its exit is reported next.</summary>
    public bool AtExitEvent { get; set; }

    /// <summary>
    /// Stopped at its host exit event (killed) while the kernel ran a call in it: the tracer reports that stop to the
    /// thread's guest tracer when it would resume the thread, instead of resuming it unseen.
    /// </summary>
    public bool ExitEventPending { get; set; }

    /// <summary>The kernel answered the call the thread is in and the host skips it (orig_rax -1).</summary>
    public bool KernelAnswered { get; set; }

    public ref UserRegs Regs => ref regs;

    /// <summary>This thread under a new host tid (an exec by a non-leader thread takes the leader's), with its state.</summary>
    public Tracee MoveTo(int tid) => new(tid)
    {
        Task = Task,
        Installer = Installer,
        WantsSyscallExit = WantsSyscallExit,
        AwaitingFirstStop = AwaitingFirstStop,
        StartingInit = StartingInit,
        DeferredSignal = DeferredSignal,
        InSyscall = InSyscall,
        ReportsExit = ReportsExit,
        regs = regs,
    };

    public ulong StackPointer => regs.rsp;

    public Errno LoadRegs() => Libc.GetRegs(HostTid, out regs);

    /// <summary>
    /// The event message (a new child's tid, an exec's former tid) of the stop this thread was reported in, if it is still
    /// in it. SIGKILL (a group exit, another thread's core dump) wakes a thread from any stop, and the only stop it makes
    /// after is its exit event: a stop handled after that finds the thread gone from it, or stopped at the exit event,
    /// whose message is an exit status. Neither names a process, so neither is returned.
    /// </summary>
    public bool TryEventMessage(out ulong message) => TryEventMessage(HostTid, out message);

    /// <inheritdoc cref="TryEventMessage(out ulong)"/>
    public static bool TryEventMessage(int hostTid, out ulong message) =>
        Libc.TryGetEventMessage(hostTid, out message) && message is > 0 and <= int.MaxValue && !Libc.HasUnreportedStop(hostTid);

    public Errno StoreRegs() => Libc.SetRegs(HostTid, regs);

    public long InjectSyscall(int number, ulong a0 = 0, ulong a1 = 0, ulong a2 = 0, ulong a3 = 0, ulong a4 = 0, ulong a5 = 0)
    {
        if (ExitEventPending) return -(long)Errno.ESRCH; // held at its exit event for its guest tracer: runs nothing more
        UserRegs saved = regs;
        UserRegs call = regs;
        call.rip = StubProgram.TrampolineAddress;
        call.rax = (ulong)number;
        call.orig_rax = ulong.MaxValue;
        call.rdi = a0; call.rsi = a1; call.rdx = a2; call.r10 = a3; call.r8 = a4; call.r9 = a5;
        if (Libc.SetRegs(HostTid, call) != Errno.OK) return -(long)Errno.ESRCH;
        if (Libc.Ptrace(Libc.PTRACE_CONT, HostTid, 0, 0) != Errno.OK) return -(long)Errno.ESRCH;

        while (true)
        {
            if (Libc.WaitPid(HostTid, out int status, Libc.__WALL, out _) < 0) return -(long)Errno.ESRCH;
            PtraceStop stop = PtraceStop.Decode(status);
            switch (stop.Kind)
            {
                case StopKind.Exited or StopKind.Killed:
                    return -(long)Errno.ESRCH;
                case StopKind.ExitEvent:
                    // Its guest tracer sees this stop: with the thread's own registers, not the injected call's.
                    regs = saved;
                    Libc.SetRegs(HostTid, regs);
                    ExitEventPending = true;
                    return -(long)Errno.ESRCH;
                case StopKind.SignalDelivery when stop.Signal == Signals.SIGTRAP:
                    Libc.GetRegs(HostTid, out UserRegs after);
                    regs = saved;
                    Libc.SetRegs(HostTid, regs);
                    return (long)after.rax;
                case StopKind.SignalDelivery:
                    DeferredSignal = stop.Signal;
                    break;
            }
            // The injected call's own seccomp stop, or anything else: let it run on.
            Libc.Ptrace(Libc.PTRACE_CONT, HostTid, 0, 0);
        }
    }

    public Result<int> DuplicateDescriptor(int guestFd) => GuestDescriptors.Duplicate(Task?.Group.HostTgid ?? HostTid, guestFd);

    public long InstallDescriptor(int kernelFd, bool closeOnExec) =>
        Installer?.Install(this, kernelFd, closeOnExec) ?? -(long)Errno.ENOSYS;

    public void SetStartRegisters(ulong instructionPointer, ulong stackPointer)
    {
        UserRegs fresh = default;
        fresh.cs = regs.cs;
        fresh.ss = regs.ss;
        fresh.ds = regs.ds;
        fresh.es = regs.es;
        fresh.eflags = 0x202;
        fresh.rip = instructionPointer;
        fresh.rsp = stackPointer;
        fresh.orig_rax = ulong.MaxValue;
        regs = fresh;
        Libc.SetRegs(HostTid, regs);
    }
}
