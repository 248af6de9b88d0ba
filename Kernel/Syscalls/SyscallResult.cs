using UserKernel.Kernel.Abi;
using UserKernel.Kernel.Guest;

namespace UserKernel.Kernel.Syscalls;

/// <summary>
/// What a handler decided: a value (or -errno) the guest receives without the host running the call;
/// <see cref="RunOnHost"/>, to let the host execute the call with the (possibly rewritten) arguments;
/// <see cref="NewDescriptor"/>, a descriptor the kernel opened itself, which the platform installs in the
/// caller as the call's result; or <see cref="Blocking"/>, work that may wait on other guests (a FIFO's
/// open, a connect) and so runs off the tracer thread while the caller waits in its call.
/// </summary>
public readonly struct SyscallResult
{
    private SyscallResult(long value, ResultKind kind, object? work = null, int signal = 0, bool closeOnExec = false, bool kernelMayCloseLast = false)
    {
        KernelMayCloseLast = kernelMayCloseLast;
        Value = value;
        Kind = kind;
        Work = work;
        Signal = signal;
        CloseOnExec = closeOnExec;
    }

    /// <summary>The value, -errno, or for <see cref="ResultKind.NewDescriptor"/> the kernel's descriptor.</summary>
    public long Value { get; }
    public ResultKind Kind { get; }
    public bool IsRunOnHost => Kind == ResultKind.RunOnHost;

    /// <summary>For <see cref="ResultKind.Value"/>: a signal the caller gets as the call returns (<see cref="Raising"/>), or 0.</summary>
    public int Signal { get; }

    /// <summary>For <see cref="ResultKind.NewDescriptor"/>: install it close-on-exec.</summary>
    public bool CloseOnExec { get; }

    /// <summary>
    /// For <see cref="ResultKind.NewDescriptor"/>: no guest can tell whether its close or the kernel's is the open file's
    /// last (no IN_CLOSE anyone watches, no FIFO's end, no terminal's hangup), so the platform may answer the call as
    /// it installs the descriptor and close its own just after, one wake-up of the caller instead of two.
    /// </summary>
    public bool KernelMayCloseLast { get; }

    /// <summary>For <see cref="ResultKind.Blocking"/>: the work to run.</summary>
    public BlockingWork? BlockingWork => Work as BlockingWork;

    private object? Work { get; }

    /// <summary>Let the host kernel run the syscall as it now stands.</summary>
    public static SyscallResult RunOnHost => new(0, ResultKind.RunOnHost);

    /// <summary>
    /// The call's result is a new guest descriptor for the kernel's own descriptor <paramref name="kernelFd"/>,
    /// which the platform installs in the caller and then closes.
    /// </summary>
    public static SyscallResult NewDescriptor(int kernelFd, bool closeOnExec, bool kernelMayCloseLast = false) =>
        new(kernelFd, ResultKind.NewDescriptor, closeOnExec: closeOnExec, kernelMayCloseLast: kernelMayCloseLast);

    /// <summary>
    /// The call's result comes from <paramref name="work"/>, which may block and so runs on a worker thread,
    /// without the kernel's lock; the caller stays in its call until the work returns.
    /// </summary>
    public static SyscallResult Blocking(BlockingWork work) => new(0, ResultKind.Blocking, work);

    /// <summary>
    /// Only at a ptrace stop: the thread executes its syscall instruction again, as the call the handler rewrote
    /// (<see cref="SyscallContext.CurrentNumber"/>, <see cref="SyscallContext.Current"/>), which stops afresh. For a
    /// handler that has injected calls into the thread, which ends the stop it was in.
    /// </summary>
    public static SyscallResult Reissue => new(0, ResultKind.Reissue);

    /// <summary>
    /// The call returns <paramref name="value"/> and the caller gets <paramref name="signal"/>, as Linux's send_sig(sig,
    /// current) from inside a call (SIGXFSZ, SIGPIPE). At a ptrace stop it is pending as the call returns, as on Linux; a
    /// notified call gets it just after its answer, since a signal that reached a thread waiting in a notification would
    /// end the wait and have the call made again.
    /// </summary>
    public static SyscallResult Raising(long value, int signal) => new(value, ResultKind.Value, null, signal);

    public static implicit operator SyscallResult(Errno errno) => new(-(long)errno, ResultKind.Value);
    public static implicit operator SyscallResult(long value) => new(value, ResultKind.Value);
}

/// <summary>Work of a syscall that may block; it returns a value, an errno or a new descriptor, never RunOnHost.</summary>
public delegate SyscallResult BlockingWork();

/// <summary>The kinds of <see cref="SyscallResult"/>.</summary>
public enum ResultKind : byte
{
    Value,
    RunOnHost,
    NewDescriptor,
    Blocking,
    Reissue,
}

/// <summary>How the table classifies a syscall; the seccomp filter and the listing are made from it.</summary>
public enum Disposition
{
    /// <summary>Runs on the host without ever stopping: the seccomp filter allows it.</summary>
    Passthrough,
    /// <summary>
    /// Stops; the kernel answers with a value, an errno or a descriptor it opened, and the host never runs the guest's
    /// call. The host may run a helper in its place whose result the kernel replaces (getdents64 moves its cursor with an
    /// lseek). A row with <see cref="SyscallEntry.ForwardsHostDescriptors"/> forwards a call on a host object.
    /// </summary>
    Emulate,
    /// <summary>
    /// Stops; the kernel checks the call and rewrites registers (a pid, a descriptor of its own in place of a path), and
    /// the host runs it; the exit may translate the result. A call the kernel's checks refuse gets their errno instead.
    /// </summary>
    Forward,
    /// <summary>Stops and answers ENOSYS: not implemented, and the tracer says so.</summary>
    Unimplemented,
}

/// <summary>
/// What the kernel does when a call it let the host run returns with <paramref name="rax"/>: a handler names it
/// (<see cref="SyscallContext.AtExit(ExitWork)"/>) next to its entry half. A static method, so the delegate is cached
/// and a stop allocates nothing. <paramref name="thread"/> is the thread as it is now (after an exec by another thread
/// of the group, not the one that entered).
/// </summary>
public delegate ExitOutcome ExitWork(SyscallContext ctx, IGuestThread thread, long rax);

/// <summary>What exit work decided: the value the guest sees, or that the caller must be killed; and whether an exec completed.</summary>
public readonly struct ExitOutcome
{
    private ExitOutcome(long result, bool kill, bool execed)
    {
        Result = result;
        Kill = kill;
        Execed = execed;
    }

    /// <summary>What the guest's rax becomes.</summary>
    public long Result { get; }

    /// <summary>The caller must not run on: it raced a check the kernel made at entry, or its exec failed past the point of no return.</summary>
    public bool Kill { get; }

    /// <summary>The thread now runs a new program: the host's exec of the stub returned and the loader mapped the guest's.</summary>
    public bool Execed { get; }

    /// <summary>The caller is killed; <paramref name="result"/> is what the trace shows.</summary>
    public static ExitOutcome Killed(long result) => new(result, kill: true, execed: false);

    /// <summary>An exec completed: the call returns 0 in a new program.</summary>
    public static ExitOutcome Exec => new(0, kill: false, execed: true);

    public static implicit operator ExitOutcome(long result) => new(result, kill: false, execed: false);
}

/// <summary>How the tracer prints one argument, in strace's notation. *Out formats are read after the call.</summary>
public enum ArgFormat
{
    Int, Hex, Ptr, Fd, DirFd, Path, Str, OpenFlags, OpenMode, AtFlags, Mode, AccessMode, Signal, Pid, Size,
    Argv, Envp, CloneFlags, WaitOptions, Resource, RlimitIn, StatxMask, StatxFlags, Sockaddr, IoctlRequest,
    StatOut, StatxOut, StatfsOut, DirentsOut, StringOut, UtsOut, WaitStatusOut, RlimitOut,
}
