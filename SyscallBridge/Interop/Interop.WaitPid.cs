using System.Runtime.InteropServices;
using UserKernel.Kernel.Abi;
using UserKernel.Kernel.Trace;

namespace UserKernel.SyscallBridge.Interop;

internal static partial class Libc
{
    internal const int WNOHANG = 1, __WALL = 0x40000000;

    [LibraryImport(Name, EntryPoint = "waitpid", SetLastError = true)]
    private static unsafe partial int waitpid_raw(int pid, int* status, int options);

    /// <summary>waitpid(2): the pid, or -1 with the errno in <paramref name="error"/>.</summary>
    internal static unsafe int WaitPid(int pid, out int status, int options, out Errno error)
    {
        int s = 0;
        int r = waitpid_raw(pid, &s, options);
        error = r < 0 ? (Errno)Marshal.GetLastSystemError() : Errno.OK;
        status = s;
        if (r > 0) StartupProfile.Waits++;
        return r;
    }
}
