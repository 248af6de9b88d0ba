using System.Runtime.InteropServices;

namespace UserKernel.Kernel;

internal static partial class Interop
{
    internal static partial class Libc
    {
        /// <summary>getdents64(2) through glibc's wrapper: the host's directory entries as linux_dirent64 records.</summary>
        [LibraryImport("libc", EntryPoint = "getdents64", SetLastError = true)]
        internal static unsafe partial nint Getdents64(int fd, byte* buffer, nuint count);
    }
}
