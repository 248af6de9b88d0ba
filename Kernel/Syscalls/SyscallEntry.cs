namespace UserKernel.Kernel.Syscalls;

/// <summary>A syscall handler: decode the context's arguments, act, return a result or an errno.</summary>
public delegate SyscallResult SyscallHandler(SyscallContext ctx);

/// <summary>One row of the syscall table.</summary>
public sealed record SyscallEntry(int Number, string Name, Disposition Disposition, SyscallHandler? Handler, ArgFormat[] Args, string Note)
{
    /// <summary>The handler's method name, for the listing.</summary>
    public string HandlerName => Handler?.Method.Name ?? "-";
}
