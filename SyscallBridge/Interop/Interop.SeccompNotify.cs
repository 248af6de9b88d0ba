using System.Runtime.InteropServices;
using UserKernel.Kernel.Abi;

namespace UserKernel.SyscallBridge.Interop;

/// <summary>seccomp_unotify(2): the listener's ioctls and their structs (linux/seccomp.h).</summary>
internal static partial class Libc
{
    internal const uint SECCOMP_FILTER_FLAG_NEW_LISTENER = 1 << 3, SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV = 1 << 5;
    internal const uint SECCOMP_ADDFD_FLAG_SETFD = 1, SECCOMP_ADDFD_FLAG_SEND = 2;
    internal const uint SECCOMP_USER_NOTIF_FLAG_CONTINUE = 1;
    internal const ulong SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP = 1;

    // _IOWR('!', 0, struct seccomp_notif), _IOWR('!', 1, struct seccomp_notif_resp), _IOW('!', 2, __u64),
    // _IOW('!', 3, struct seccomp_notif_addfd), _IOW('!', 4, __u64).
    internal const ulong SECCOMP_IOCTL_NOTIF_RECV = 0xC0502100, SECCOMP_IOCTL_NOTIF_SEND = 0xC0182101,
        SECCOMP_IOCTL_NOTIF_ID_VALID = 0x40082102, SECCOMP_IOCTL_NOTIF_ADDFD = 0x40182103, SECCOMP_IOCTL_NOTIF_SET_FLAGS = 0x40082104;

    /// <summary>struct seccomp_notif: one stopped call (80 bytes).</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal unsafe struct SeccompNotif
    {
        public ulong id;
        public uint pid;
        public uint flags;
        public int nr;
        public uint arch;
        public ulong instruction_pointer;
        public fixed ulong args[6];

        /// <summary>Copies the six arguments out, so their readers need no fixed buffer.</summary>
        public readonly void CopyArgs(System.Span<ulong> into)
        {
            for (int i = 0; i < 6; i++) into[i] = args[i];
        }
    }

    /// <summary>struct seccomp_notif_resp (24 bytes).</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct SeccompNotifResp
    {
        public ulong id;
        public long val;
        public int error;
        public uint flags;
    }

    /// <summary>struct seccomp_notif_addfd (24 bytes).</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct SeccompNotifAddfd
    {
        public ulong id;
        public uint flags;
        public uint srcfd;
        public uint newfd;
        public uint newfd_flags;
    }

    [LibraryImport(Name, EntryPoint = "ioctl", SetLastError = true)]
    private static unsafe partial int ioctl_ptr(int fd, ulong request, void* arg);

    /// <summary>ioctl(2) with a pointer argument; the result, -1 with errno on failure.</summary>
    internal static unsafe int IoctlPointer(int fd, ulong request, void* arg) => ioctl_ptr(fd, request, arg);

    private static unsafe Errno Ioctl(int fd, ulong request, void* arg, out int result)
    {
        result = ioctl_ptr(fd, request, arg);
        int errno = Marshal.GetLastSystemError();
        return result < 0 ? (Errno)errno : Errno.OK;
    }

    private const short POLLIN = 0x1, POLLERR = 0x8, POLLHUP = 0x10, POLLNVAL = 0x20;

    /// <summary>
    /// Waits until a notification is pending; false once no guest can send one (the filter's last user exited). A blocked
    /// NOTIF_RECV would never learn that the last guest is gone; poll does.
    /// </summary>
    internal static unsafe bool WaitForNotification(int listener)
    {
        while (true)
        {
            Tmds.Linux.pollfd p = default;
            p.fd = listener;
            p.events = POLLIN;
            int r = Tmds.Linux.LibC.poll(&p, 1, -1);
            if (r < 0)
            {
                if (Tmds.Linux.LibC.errno == (int)Errno.EINTR) continue;
                return false;
            }
            if ((p.revents & POLLIN) != 0) return true;
            if ((p.revents & (POLLHUP | POLLERR | POLLNVAL)) != 0) return false;
        }
    }

    /// <summary>Waits for the next notification (EINTR, ENOENT if it went away before it was read).</summary>
    internal static unsafe Errno NotifRecv(int listener, out SeccompNotif notif)
    {
        notif = default;
        fixed (SeccompNotif* p = &notif) return Ioctl(listener, SECCOMP_IOCTL_NOTIF_RECV, p, out _);
    }

    /// <summary>Answers a notification: <paramref name="value"/> or -errno (ENOENT if the caller is gone or was interrupted).</summary>
    internal static unsafe Errno NotifSend(int listener, ulong id, long value, uint flags = 0)
    {
        var resp = new SeccompNotifResp { id = id, flags = flags };
        if (value < 0 && value > -4096) resp.error = (int)value;
        else resp.val = value;
        return Ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, &resp, out _);
    }

    /// <summary>Installs <paramref name="kernelFd"/> in the caller; with SECCOMP_ADDFD_FLAG_SEND it is also the call's result.</summary>
    internal static unsafe Errno NotifAddFd(int listener, ulong id, int kernelFd, uint flags, uint newfdFlags, out int guestFd)
    {
        var add = new SeccompNotifAddfd { id = id, flags = flags, srcfd = (uint)kernelFd, newfd_flags = newfdFlags };
        return Ioctl(listener, SECCOMP_IOCTL_NOTIF_ADDFD, &add, out guestFd);
    }

    /// <summary>Whether the notification is still pending (its caller was not interrupted or killed).</summary>
    internal static unsafe bool NotifIdValid(int listener, ulong id) => Ioctl(listener, SECCOMP_IOCTL_NOTIF_ID_VALID, &id, out _) == Errno.OK;

    /// <summary>Asks the host to wake the caller on the answering CPU (Linux 6.6); older hosts refuse, harmlessly.</summary>
    internal static unsafe void NotifSetSyncWakeUp(int listener)
    {
        ulong flags = SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP;
        Ioctl(listener, SECCOMP_IOCTL_NOTIF_SET_FLAGS, &flags, out _);
    }
}
