using System.Runtime.InteropServices;

namespace UserKernel.Kernel;

internal static partial class Interop
{
    internal static partial class Libc
    {
        /// <summary>fstatfs(2) into a struct statfs (x86-64: f_type, f_bsize, f_blocks, f_bfree, f_bavail, ... as 120 bytes).</summary>
        [LibraryImport("libc", EntryPoint = "fstatfs", SetLastError = true)]
        internal static unsafe partial int Fstatfs(int fd, ulong* buf);
    }
}
