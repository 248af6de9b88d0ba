using System.Runtime.InteropServices;

namespace UserKernel.Kernel;

internal static partial class Interop
{
    internal static partial class Libc
    {
        /// <summary>tgkill(2): a signal to one host thread of one host process.</summary>
        [LibraryImport("libc", EntryPoint = "tgkill", SetLastError = true)]
        internal static partial int Tgkill(int tgid, int tid, int sig);
    }
}
