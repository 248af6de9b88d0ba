using System.Runtime.InteropServices;

namespace UserKernel.Kernel;

internal static partial class Interop
{
    internal static partial class Libc
    {
        /// <summary>ioctl(2) with a pointer argument in the kernel's memory, on a kernel descriptor.</summary>
        [LibraryImport("libc", EntryPoint = "ioctl", SetLastError = true)]
        internal static unsafe partial int Ioctl(int fd, ulong request, void* arg);

        /// <summary>fcntl(2) with a pointer argument in the kernel's memory, on a kernel descriptor.</summary>
        [LibraryImport("libc", EntryPoint = "fcntl", SetLastError = true)]
        internal static unsafe partial int Fcntl(int fd, int cmd, void* arg);
    }
}
