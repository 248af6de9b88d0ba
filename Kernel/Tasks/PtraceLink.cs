namespace UserKernel.Kernel.Tasks;

/// <summary>How a guest tracer last resumed its tracee (PTRACE_CONT, PTRACE_SYSCALL, PTRACE_SINGLESTEP, PTRACE_LISTEN).</summary>
public enum PtraceResume : byte
{
    Cont,
    Syscall,
    SingleStep,
    Listen,
}

/// <summary>What kind of host stop the kernel holds a tracee in for its guest tracer: how a resume signal reaches it.</summary>
public enum PtraceHold : byte
{
    /// <summary>A host signal-delivery-stop: the signal the tracer resumes with is the one delivered (or none).</summary>
    SignalDelivery,
    /// <summary>A syscall-entry or syscall-exit stop: a resume signal is sent to the thread, as Linux's ptrace_report_syscall does.</summary>
    Syscall,
    /// <summary>An event stop (fork, exec, exit, PTRACE_EVENT_STOP, a new child's first stop): a resume signal is ignored.</summary>
    Event,
    /// <summary>A group-stop: stays stopped under PTRACE_LISTEN.</summary>
    Group,
}

/// <summary>
/// One guest ptrace link (Linux's task->ptrace and ptrace_entry): who traces the task, with which options, and the stop
/// the kernel holds it in for that tracer. Only the kernel's own host stops of the task exist on the host; the guest
/// tracer sees those the kernel chooses to report, in the wait status Linux would give.
/// </summary>
public sealed class PtraceLink(Task tracer, bool seized, uint options)
{
    public const uint PTRACE_O_TRACESYSGOOD = 1, PTRACE_O_TRACEFORK = 2, PTRACE_O_TRACEVFORK = 4, PTRACE_O_TRACECLONE = 8,
        PTRACE_O_TRACEEXEC = 0x10, PTRACE_O_TRACEVFORKDONE = 0x20, PTRACE_O_TRACEEXIT = 0x40, PTRACE_O_TRACESECCOMP = 0x80,
        PTRACE_O_EXITKILL = 0x100000, PTRACE_O_SUSPEND_SECCOMP = 0x200000;

    public const int PTRACE_EVENT_FORK = 1, PTRACE_EVENT_VFORK = 2, PTRACE_EVENT_CLONE = 3, PTRACE_EVENT_EXEC = 4,
        PTRACE_EVENT_VFORK_DONE = 5, PTRACE_EVENT_EXIT = 6, PTRACE_EVENT_STOP = 128;

    /// <summary>The tracing thread; any thread of its process may wait for the tracee and make requests.</summary>
    public Task Tracer { get; } = tracer;

    /// <summary>Attached with PTRACE_SEIZE (or inherited from a seized parent): INTERRUPT and LISTEN work, group-stops show as events.</summary>
    public bool Seized { get; } = seized;

    public uint Options { get; set; } = options;

    public bool Has(uint option) => (Options & option) != 0;

    /// <summary>Traced from its first instruction, as the child of a traced parent (PTRACE_O_TRACEFORK and the rest): its first stop is reported.</summary>
    public bool AutoAttached { get; init; }

    /// <summary>How the tracer last resumed the tracee.</summary>
    public PtraceResume Mode { get; set; }

    /// <summary>The kernel holds the tracee stopped for its tracer (ptrace requests need this).</summary>
    public bool Stopped { get; private set; }

    public PtraceHold Hold { get; private set; }

    /// <summary>The wait status of the stop held (or of the exit).</summary>
    public int Status { get; private set; }

    /// <summary>The tracer has waited for the stop already.</summary>
    public bool Reported { get; set; }

    /// <summary>The tracee is gone: the tracer is yet to wait for its exit status.</summary>
    public bool Exited { get; private set; }

    /// <summary>PTRACE_GETEVENTMSG: the new child's pid, the exec'ing thread's former tid, the exit status.</summary>
    public ulong EventMessage { get; set; }

    /// <summary>The tracer asked for PTRACE_INTERRUPT: the next PTRACE_EVENT_STOP is its, not the kernel's.</summary>
    public bool InterruptPending { get; set; }

    /// <summary>An exec event is held at the exec's syscall exit: after it the tracer may still see that exit.</summary>
    public bool ThenSyscallExit { get; set; }

    /// <summary>The syscall stop held is a syscall-entry stop (else, with <see cref="PtraceHold.Syscall"/>, an exit).</summary>
    public bool AtSyscallEntry { get; private set; }

    public void Stop(int status, PtraceHold hold, bool syscallEntry = false)
    {
        Stopped = true;
        Hold = hold;
        AtSyscallEntry = syscallEntry;
        Status = status;
        Reported = false;
    }

    /// <summary>The tracer resumed the tracee.</summary>
    public void Resumed(PtraceResume mode)
    {
        Stopped = false;
        Mode = mode;
    }

    /// <summary>
    /// The tracee's exit was reported while the platform still holds it at its host exit event: it dies, and its parent
    /// hears of it, once the tracer has waited for the exit, as on Linux.
    /// </summary>
    public bool HostHeld { get; private set; }

    public void Exit(int status, bool hostHeld)
    {
        Stopped = false;
        Exited = true;
        HostHeld = hostHeld;
        Status = status;
        Reported = false;
    }

    /// <summary>The status of a signal-delivery or group stop: WIFSTOPPED, WSTOPSIG = <paramref name="sig"/>.</summary>
    public static int StopStatus(int sig) => (sig << 8) | 0x7f;

    /// <summary>The status of an event stop: WSTOPSIG = SIGTRAP, the event in bits 16-23.</summary>
    public static int EventStatus(int ev, int sig = Abi.Signals.SIGTRAP) => ((sig | (ev << 8)) << 8) | 0x7f;

    /// <summary>The status of a syscall stop: SIGTRAP, or SIGTRAP|0x80 with PTRACE_O_TRACESYSGOOD.</summary>
    public int SyscallStatus => StopStatus(Abi.Signals.SIGTRAP | (Has(PTRACE_O_TRACESYSGOOD) ? 0x80 : 0));
}
