using UserKernel.Kernel;
using UserKernel.Kernel.Abi;
using UserKernel.SyscallBridge.Interop;

namespace UserKernel.SyscallBridge.Notify;

/// <summary>Reaching into a guest's descriptor table without a path: pidfd_open and pidfd_getfd.</summary>
internal static class GuestDescriptors
{
    /// <summary>
    /// The kernel's own descriptor for the open file behind descriptor <paramref name="guestFd"/> of the guest process
    /// <paramref name="hostTgid"/> (a process's pidfd reaches the table its threads share); EBADF if it has none.
    /// </summary>
    public static Result<int> Duplicate(int hostTgid, int guestFd)
    {
        if (guestFd < 0) return Errno.EBADF;
        int pidfd = Libc.PidfdOpen(hostTgid);
        if (pidfd < 0) return Errno.ESRCH;
        int fd = Libc.PidfdGetfd(pidfd, guestFd);
        Tmds.Linux.LibC.close(pidfd);
        return fd >= 0 ? fd : (Errno)(-fd);
    }
}
