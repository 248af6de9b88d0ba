using System.Runtime.InteropServices;
using UserKernel.Kernel.Abi;

namespace UserKernel.SyscallBridge.Interop;

/// <summary>pidfd_open(2), pidfd_getfd(2) and pidfd_send_signal(2): reaching a process without a pid that could be reused.</summary>
internal static partial class Libc
{
    [LibraryImport(Name, EntryPoint = "pidfd_open", SetLastError = true)]
    private static partial int pidfd_open_raw(int pid, uint flags);

    [LibraryImport(Name, EntryPoint = "pidfd_getfd", SetLastError = true)]
    private static partial int pidfd_getfd_raw(int pidfd, int targetfd, uint flags);

    [LibraryImport(Name, EntryPoint = "pidfd_send_signal", SetLastError = true)]
    private static partial int pidfd_send_signal_raw(int pidfd, int signal, nint info, uint flags);

    /// <summary>Sends <paramref name="signal"/> to the pidfd's process: 0 or -errno (ESRCH once it has exited).</summary>
    internal static int PidfdSendSignal(int pidfd, int signal)
    {
        int r = pidfd_send_signal_raw(pidfd, signal, 0, 0);
        int errno = Marshal.GetLastSystemError();
        return r < 0 ? -errno : r;
    }

    /// <summary>A pidfd for a host process, or -errno.</summary>
    internal static int PidfdOpen(int pid)
    {
        int r = pidfd_open_raw(pid, 0);
        int errno = Marshal.GetLastSystemError();
        return r < 0 ? -errno : r;
    }

    /// <summary>A descriptor of this process for the same open file as <paramref name="targetFd"/> of the pidfd's process, or -errno.</summary>
    internal static int PidfdGetfd(int pidfd, int targetFd)
    {
        int r = pidfd_getfd_raw(pidfd, targetFd, 0);
        int errno = Marshal.GetLastSystemError();
        return r < 0 ? -errno : r;
    }
}
