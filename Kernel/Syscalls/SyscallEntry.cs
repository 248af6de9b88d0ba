using UserKernel.Kernel.Abi;

namespace UserKernel.Kernel.Syscalls;

/// <summary>A syscall handler: decode the context's arguments, act, return a result or an errno.</summary>
public delegate SyscallResult SyscallHandler(SyscallContext ctx);

/// <summary>
/// A narrowing of when a mediated syscall stops: only when argument <paramref name="Arg"/> (its low 32 bits)
/// is one of <paramref name="Values"/>, or, with <paramref name="Nonzero"/>, whenever the whole 64-bit argument
/// is not 0, or, with <paramref name="Negative"/> (<paramref name="Positive"/>), whenever its low 32 bits are an int below
/// (above) 0; otherwise the seccomp filter lets it run like a passthrough call. ioctl uses it (only the requests that carry
/// process ids need the kernel), sendto (only a call that names an address), the clock calls (only a CPU-time clock, which
/// names a pid) and the calls that take a pid (only a pid above 0 names another process; 0 is the caller).
/// </summary>
public sealed record StopWhen(int Arg, uint[] Values, bool Nonzero = false, bool Negative = false, bool Positive = false)
{
    /// <summary>Stop when the argument is not 0 (a pointer that is given).</summary>
    public static StopWhen NotZero(int arg) => new(arg, [], Nonzero: true);

    /// <summary>Stop when the argument, an int, is below 0 (a clock id that encodes a pid).</summary>
    public static StopWhen BelowZero(int arg) => new(arg, [], Negative: true);

    /// <summary>Stop when the argument, an int, is above 0 (a pid that names a process other than the caller).</summary>
    public static StopWhen AboveZero(int arg) => new(arg, [], Positive: true);

    /// <summary>Whether the kernel's filter stops a call with these arguments (as <c>FilterBuilder</c> encodes it).</summary>
    public bool Matches(System.ReadOnlySpan<ulong> args)
    {
        if (Nonzero) return args[Arg] != 0;
        if (Negative) return (int)args[Arg] < 0;
        if (Positive) return (int)args[Arg] > 0;
        uint low = (uint)args[Arg];
        foreach (uint v in Values)
            if (v == low) return true;
        return false;
    }
}

/// <summary>
/// A notified row's exception: the call comes by ptrace instead when argument <paramref name="Arg"/> (its low 32 bits) has
/// any of <paramref name="AnyOf"/> set. newfstatat with AT_EMPTY_PATH may name a host descriptor (a pipe, a socket),
/// whose call only the host can answer, and a notified call cannot be handed to the host.
/// </summary>
public sealed record PtraceWhen(int Arg, uint AnyOf)
{
    /// <summary>Whether a call with these arguments comes by ptrace.</summary>
    public bool Matches(System.ReadOnlySpan<ulong> args) => ((uint)args[Arg] & AnyOf) != 0;
}

/// <summary>How a mediated syscall reaches the kernel.</summary>
public enum StopVia
{
    /// <summary>A ptrace stop (SECCOMP_RET_TRACE): the kernel may read and change registers, inject calls, and see the call's exit.</summary>
    Ptrace,

    /// <summary>
    /// A seccomp user notification (SECCOMP_RET_USER_NOTIF): cheaper, and the only way the kernel can hand the caller a
    /// descriptor it opened itself; but no registers and no exit stop, so the handler must answer the call completely.
    /// </summary>
    Notification,
}

/// <summary>One row of the syscall table. <paramref name="GivenName"/> is an extension's name for its call; null for Linux's own.</summary>
public sealed record SyscallEntry(int Number, string? GivenName, Disposition Disposition, SyscallHandler? Handler, ArgFormat[] Args, string Note)
{
    /// <summary>
    /// The call's name: an extension's own, or Linux's (its <see cref="Sysno"/> name), looked up when asked. A NativeAOT
    /// program reads an enum's names from metadata at the first ToString, a millisecond and more that a run which never
    /// prints a name should not pay at start.
    /// </summary>
    public string Name => GivenName ?? ((Sysno)Number).ToString();

    /// <summary>The handler's method name, for the listing.</summary>
    public string HandlerName => Handler?.Method.Name ?? "-";

    /// <summary>What the call is about, in strace's classes (file, process, …).</summary>
    public SyscallClass Class { get; init; } = SyscallClass.Other;

    /// <summary>
    /// An emulated call whose descriptor names a host object (a pipe, a socket, a terminal: nothing the kernel's VFS
    /// holds) is the host's to answer: the kernel forwards it, as it stands or as the descriptor's own call (fstat for
    /// newfstatat with AT_EMPTY_PATH), and the trace says forwarded.
    /// </summary>
    public bool ForwardsHostDescriptors { get; init; }

    /// <summary>When set, the call stops only for these argument values.</summary>
    public StopWhen? StopWhen { get; init; }

    /// <summary>How the call stops, when it does.</summary>
    public StopVia Via { get; init; } = StopVia.Ptrace;

    /// <summary>For a notified row: the arguments with which the call comes by ptrace instead.</summary>
    public PtraceWhen? PtraceWhen { get; init; }

    /// <summary>The extension that supplied the row, or null for the kernel's own.</summary>
    public string? Extension { get; init; }
}
