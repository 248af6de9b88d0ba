using System.Runtime.InteropServices;

namespace UserKernel.Kernel;

internal static partial class Interop
{
    internal static partial class Libc
    {
        /// <summary>pidfd_send_signal(2), sent by the kernel on its own duplicate of a guest's pidfd.</summary>
        [LibraryImport("libc", EntryPoint = "pidfd_send_signal", SetLastError = true)]
        internal static unsafe partial int PidfdSendSignal(int pidfd, int sig, void* info, uint flags);
    }
}
