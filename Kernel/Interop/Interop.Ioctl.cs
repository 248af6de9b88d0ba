using System;
using System.Runtime.InteropServices;

namespace UserKernel.Kernel;

internal static partial class Interop
{
    internal static partial class Libc
    {
        /// <summary>ioctl(2) with an int argument in the kernel's memory (TIOCGPTN, FIOSETOWN...), on a kernel descriptor.</summary>
        [LibraryImport("libc", EntryPoint = "ioctl", SetLastError = true)]
        internal static partial int Ioctl(int fd, ulong request, ref int arg);

        /// <summary>fcntl(2) with a struct argument in the kernel's memory (struct f_owner_ex), on a kernel descriptor.</summary>
        [LibraryImport("libc", EntryPoint = "fcntl", SetLastError = true)]
        internal static partial int Fcntl(int fd, int cmd, Span<byte> arg);
    }
}
