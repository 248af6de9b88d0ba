using System.Runtime.InteropServices;

namespace UserKernel.Kernel;

internal static partial class Interop
{
    internal static partial class Libc
    {
        /// <summary>inotify_add_watch(2), made by the kernel on its own duplicate of a guest's inotify descriptor.</summary>
        [LibraryImport("libc", EntryPoint = "inotify_add_watch", SetLastError = true)]
        internal static unsafe partial int InotifyAddWatch(int fd, byte* pathname, uint mask);
    }
}
