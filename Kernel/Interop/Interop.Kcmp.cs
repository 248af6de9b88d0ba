using System.Runtime.InteropServices;

namespace UserKernel.Kernel;

internal static partial class Interop
{
    internal static partial class Libc
    {
        private const long SYS_kcmp = 312;
        private const int KCMP_FILE = 0;

        [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true)]
        private static partial long Syscall5(long number, long pid1, long pid2, long type, long idx1, long idx2);

        /// <summary>kcmp(2) KCMP_FILE: whether descriptor <paramref name="fd1"/> of <paramref name="pid1"/> and <paramref name="fd2"/> of <paramref name="pid2"/> are one open file.</summary>
        internal static bool SameOpenFile(int pid1, int fd1, int pid2, int fd2) => Syscall5(SYS_kcmp, pid1, pid2, KCMP_FILE, fd1, fd2) == 0;
    }
}
