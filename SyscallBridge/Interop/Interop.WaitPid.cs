using System.Runtime.InteropServices;
using UserKernel.Kernel.Abi;
using UserKernel.Kernel.Trace;

namespace UserKernel.SyscallBridge.Interop;

internal static partial class Libc
{
    internal const int WNOHANG = 1, __WALL = 0x40000000;
    private const int P_PID = 1, WSTOPPED = 2, WNOWAIT = 0x01000000;

    [LibraryImport(Name, EntryPoint = "waitid", SetLastError = true)]
    private static unsafe partial int waitid_raw(int idtype, int id, byte* siginfo, int options);

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

    /// <summary>
    /// Whether the host holds the tracee <paramref name="tid"/> in a stop no wait has reported yet, without reporting it
    /// (waitid with WNOWAIT): the stop stays for the tracer's next wait.
    /// </summary>
    internal static unsafe bool HasUnreportedStop(int tid)
    {
        byte* info = stackalloc byte[128];
        new System.Span<byte>(info, 128).Clear();
        // With WNOHANG and nothing to report, waitid leaves si_pid (at offset 16) 0.
        return waitid_raw(P_PID, tid, info, WSTOPPED | WNOHANG | WNOWAIT | __WALL) == 0 && *(int*)(info + 16) != 0;
    }
}
