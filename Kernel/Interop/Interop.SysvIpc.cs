using System.Runtime.InteropServices;

namespace UserKernel.Kernel;

internal static partial class Interop
{
    internal static partial class Libc
    {
        [LibraryImport("libc", EntryPoint = "shmctl")]
        internal static unsafe partial int Shmctl(int id, int cmd, void* buf);

        [LibraryImport("libc", EntryPoint = "semctl")]
        internal static partial int Semctl(int id, int num, int cmd);

        [LibraryImport("libc", EntryPoint = "msgctl")]
        internal static unsafe partial int Msgctl(int id, int cmd, void* buf);
    }
}
