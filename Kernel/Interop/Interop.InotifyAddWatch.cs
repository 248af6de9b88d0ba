using System.Runtime.InteropServices;

namespace UserKernel.Kernel;

internal static partial class Interop
{
    internal static partial class Libc
    {
        /// <summary>inotify_add_watch(2), made by the kernel on its own duplicate of a guest's inotify descriptor.</summary>
        [LibraryImport("libc", EntryPoint = "inotify_add_watch", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
        internal static partial int InotifyAddWatch(int fd, string pathname, uint mask);
    }
}
