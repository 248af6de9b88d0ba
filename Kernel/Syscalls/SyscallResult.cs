using UserKernel.Kernel.Abi;

namespace UserKernel.Kernel.Syscalls;

/// <summary>
/// What a handler decided: a value (or -errno) the guest receives without the host running the call,
/// or <see cref="RunOnHost"/>, to let the host execute the call with the (possibly rewritten) arguments.
/// </summary>
public readonly struct SyscallResult
{
    private SyscallResult(long value, bool runOnHost)
    {
        Value = value;
        IsRunOnHost = runOnHost;
    }

    public long Value { get; }
    public bool IsRunOnHost { get; }

    /// <summary>Let the host kernel run the syscall as it now stands.</summary>
    public static SyscallResult RunOnHost => new(0, true);

    public static implicit operator SyscallResult(Errno errno) => new(-(long)errno, false);
    public static implicit operator SyscallResult(long value) => new(value, false);
}

/// <summary>How the table classifies a syscall; the seccomp filter and the listing are made from it.</summary>
public enum Disposition
{
    /// <summary>Runs on the host without ever stopping: the seccomp filter allows it.</summary>
    Passthrough,
    /// <summary>Stops; the kernel computes the result itself and the host never runs the call.</summary>
    Emulate,
    /// <summary>Stops; the kernel rewrites arguments (a path, a pid) and lets the host run it.</summary>
    Forward,
    /// <summary>Stops and answers ENOSYS: not implemented, and the tracer says so.</summary>
    Unimplemented,
}

/// <summary>What the kernel must do when a syscall it let the host run comes back.</summary>
public enum ExitAction
{
    None,
    /// <summary>Only the tracer wants the result.</summary>
    Trace,
    /// <summary>rax is a host pid (fork, wait4, getpgid...): give the guest's.</summary>
    TranslatePid,
    /// <summary>The call wrote a host pid where argument ExitValue points (TIOCGPGRP): translate it there.</summary>
    TranslatePidAtPointer,
    /// <summary>waitid filled a siginfo_t: translate its si_pid.</summary>
    TranslateWaitid,
    /// <summary>The host exec of the stub returned: load the guest program.</summary>
    FinishExec,
    /// <summary>The host call was a helper (the lseek after getdents): report ExitValue if it succeeded.</summary>
    ReplaceResult,
    /// <summary>The guest opened a volatile memfd (procfs) by the kernel's path: the kernel closes its own descriptor ExitValue.</summary>
    CloseKernelFd,
    /// <summary>bind gave a Unix socket its host name: make the guest's name (ExitState) in the VFS.</summary>
    BindUnixName,
    /// <summary>The call wrote a socket address (getsockname, accept...): a kernel host path becomes the guest's name.</summary>
    TranslateUnixAddress,
}

/// <summary>How the tracer prints one argument, in strace's notation. *Out formats are read after the call.</summary>
public enum ArgFormat
{
    Int, Hex, Ptr, Fd, DirFd, Path, Str, OpenFlags, OpenMode, AtFlags, Mode, AccessMode, Signal, Pid, Size,
    Argv, Envp, CloneFlags, WaitOptions, Resource, RlimitIn, StatxMask, StatxFlags, Sockaddr, IoctlRequest,
    StatOut, StatxOut, StatfsOut, DirentsOut, StringOut, UtsOut, WaitStatusOut, RlimitOut,
}
