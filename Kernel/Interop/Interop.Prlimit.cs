using System.Runtime.InteropServices;
using UserKernel.Kernel.Abi;

namespace UserKernel.Kernel;

internal static partial class Interop
{
    internal static partial class Libc
    {
        /// <summary>prlimit(2) reading a host process's limit.</summary>
        [LibraryImport("libc", EntryPoint = "prlimit", SetLastError = true)]
        private static partial int PrlimitGet(int pid, int resource, nint newLimit, out Rlimit oldLimit);

        /// <summary>prlimit(2) setting a host process's limit.</summary>
        [LibraryImport("libc", EntryPoint = "prlimit", SetLastError = true)]
        private static partial int PrlimitSet(int pid, int resource, in Rlimit newLimit, nint oldLimit);

        /// <summary>The limit <paramref name="resource"/> of host process (or thread) <paramref name="pid"/>; null if it cannot be read.</summary>
        internal static Rlimit? GetLimit(int pid, int resource) => PrlimitGet(pid, resource, 0, out Rlimit limit) == 0 ? limit : null;

        /// <summary>Sets the limit <paramref name="resource"/> of host process <paramref name="pid"/>; whether the host agreed.</summary>
        internal static bool SetLimit(int pid, int resource, Rlimit limit) => PrlimitSet(pid, resource, limit, 0) == 0;
    }
}
