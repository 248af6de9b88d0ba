using UserKernel.Kernel.Abi;
using static Tmds.Linux.LibC;

namespace UserKernel.SyscallBridge.Notify;

/// <summary>Waiting on a seccomp listener: a blocked NOTIF_RECV would never learn that the last guest is gone; poll does.</summary>
internal static unsafe class ListenerPoll
{
    private const int PollIn = 0x1, PollErr = 0x8, PollHup = 0x10, PollNval = 0x20;

    /// <summary>Waits until a notification is pending; false once no guest can send one (the filter's last user exited).</summary>
    public static bool WaitReadable(int listener)
    {
        while (true)
        {
            Tmds.Linux.pollfd p = default;
            p.fd = listener;
            p.events = PollIn;
            int r = poll(&p, 1, -1);
            if (r < 0)
            {
                if (errno == (int)Errno.EINTR) continue;
                return false;
            }
            int revents = (ushort)p.revents;
            if ((revents & PollIn) != 0) return true;
            if ((revents & (PollHup | PollErr | PollNval)) != 0) return false;
        }
    }
}
