namespace UserKernel.Kernel.Syscalls;

/// <summary>A syscall handler: decode the context's arguments, act, return a result or an errno.</summary>
public delegate SyscallResult SyscallHandler(SyscallContext ctx);

/// <summary>
/// A narrowing of when a mediated syscall stops: only when argument <paramref name="Arg"/> (its low 32 bits)
/// is one of <paramref name="Values"/>; otherwise the seccomp filter lets it run like a passthrough call.
/// ioctl uses it: only the terminal requests that carry process group ids need the kernel.
/// </summary>
public sealed record StopWhen(int Arg, uint[] Values);

/// <summary>One row of the syscall table.</summary>
public sealed record SyscallEntry(int Number, string Name, Disposition Disposition, SyscallHandler? Handler, ArgFormat[] Args, string Note)
{
    /// <summary>The handler's method name, for the listing.</summary>
    public string HandlerName => Handler?.Method.Name ?? "-";

    /// <summary>When set, the call stops only for these argument values.</summary>
    public StopWhen? StopWhen { get; init; }
}
