using System.Runtime.InteropServices;
using UserKernel.Kernel.Abi;

namespace UserKernel.SyscallBridge.Interop;

/// <summary>prlimit(2): a guest thread's resource limits, which the kernel's calls on its behalf must honour.</summary>
internal static partial class Libc
{
    [LibraryImport(Name, EntryPoint = "prlimit", SetLastError = true)]
    private static partial int PrlimitGet(int pid, int resource, nint newLimit, out Rlimit oldLimit);

    [LibraryImport(Name, EntryPoint = "prlimit", SetLastError = true)]
    private static partial int PrlimitSet(int pid, int resource, in Rlimit newLimit, nint oldLimit);

    /// <summary>The limit <paramref name="resource"/> of host thread <paramref name="tid"/>; null if it cannot be read.</summary>
    internal static Rlimit? GetLimit(int tid, int resource) => PrlimitGet(tid, resource, 0, out Rlimit limit) == 0 ? limit : null;

    /// <summary>Sets the limit <paramref name="resource"/> of host thread <paramref name="tid"/>; whether the host agreed.</summary>
    internal static bool SetLimit(int tid, int resource, Rlimit limit) => PrlimitSet(tid, resource, limit, 0) == 0;
}
