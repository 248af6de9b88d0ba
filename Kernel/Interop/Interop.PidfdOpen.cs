using System.Runtime.InteropServices;

namespace UserKernel.Kernel;

internal static partial class Interop
{
    internal static partial class Libc
    {
        /// <summary>pidfd_open(2), for a pidfd the kernel installs in a guest (SO_PEERPIDFD).</summary>
        [LibraryImport("libc", EntryPoint = "pidfd_open", SetLastError = true)]
        internal static partial int PidfdOpen(int pid, uint flags);
    }
}
