using System.Runtime.InteropServices;

namespace UserKernel.Kernel;

internal static partial class Interop
{
    internal static partial class Libc
    {
        /// <summary>renameat2(2) through glibc's wrapper; flags 0 or RENAME_EXCHANGE (2).</summary>
        [LibraryImport("libc", EntryPoint = "renameat2", SetLastError = true)]
        internal static unsafe partial int Renameat2(int olddirfd, byte* oldpath, int newdirfd, byte* newpath, uint flags);
    }
}
