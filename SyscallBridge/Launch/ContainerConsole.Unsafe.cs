using System;
using System.Text;
using Tmds.Linux;
using static Tmds.Linux.LibC;

namespace UserKernel.SyscallBridge.Launch;

/// <summary>
/// The terminal of a container run with process.terminal (an OCI runtime's --console-socket): a new pseudo-terminal
/// whose master goes to the engine over its AF_UNIX socket (SCM_RIGHTS), and whose slave becomes the sandbox's
/// controlling terminal and standard streams, which the guest's first process inherits.
/// </summary>
public static unsafe class ContainerConsole
{
    private const int TIOCSPTLCK = 0x40045431, TIOCGPTN = unchecked((int)0x80045430), TIOCSCTTY = 0x540E;

    /// <summary>A new pty: its master descriptor and the slave's path. Throws on host failure.</summary>
    public static (int Master, string SlavePath) OpenPty()
    {
        byte[] ptmx = "/dev/ptmx\0"u8.ToArray();
        int master;
        fixed (byte* p = ptmx) master = open(p, O_RDWR | O_NOCTTY | O_CLOEXEC, default);
        if (master < 0) throw new GuestStartException($"cannot open /dev/ptmx: errno {errno}");
        int unlock = 0, number = 0;
        if (ioctl(master, TIOCSPTLCK, &unlock) < 0 || ioctl(master, TIOCGPTN, &number) < 0)
        {
            int e = errno;
            close(master);
            throw new GuestStartException($"cannot set up the pseudo-terminal: errno {e}");
        }
        return (master, $"/dev/pts/{number}");
    }

    /// <summary>Sends <paramref name="master"/> over a connection to the engine's console socket, with the pty's name as the data (as runc does).</summary>
    public static void SendMaster(string socketPath, int master, string name)
    {
        int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (s < 0) throw new GuestStartException($"cannot make a socket: errno {errno}");
        try
        {
            sockaddr_un address = default;
            address.sun_family = AF_UNIX;
            byte[] path = Encoding.UTF8.GetBytes(socketPath);
            if (path.Length >= 108) throw new GuestStartException($"--console-socket {socketPath}: path too long");
            for (int i = 0; i < path.Length; i++) address.sun_path[i] = path[i];
            if (connect(s, (sockaddr*)&address, (uint)sizeof(sockaddr_un)) < 0)
                throw new GuestStartException($"cannot connect to --console-socket {socketPath}: errno {errno}");
            if (!DescriptorPassing.Send(s, Encoding.UTF8.GetBytes(name), [master]))
                throw new GuestStartException($"cannot send the terminal to {socketPath}: errno {errno}");
        }
        finally { close(s); }
    }

    /// <summary>The pty slave opened without becoming this process's terminal, to hand to a program. Throws on host failure.</summary>
    public static int OpenSlave(string slavePath)
    {
        byte[] path = Encoding.UTF8.GetBytes(slavePath + "\0");
        int fd;
        fixed (byte* p = path) fd = open(p, O_RDWR | O_NOCTTY | O_CLOEXEC, default);
        if (fd < 0) throw new GuestStartException($"cannot open the terminal {slavePath}: errno {errno}");
        return fd;
    }

    /// <summary>
    /// Makes the pty slave at <paramref name="slavePath"/> this process's controlling terminal (a new session) and its
    /// standard input, output and error.
    /// </summary>
    public static void BecomeControllingTerminal(string slavePath)
    {
        setsid();
        byte[] path = Encoding.UTF8.GetBytes(slavePath + "\0");
        int fd;
        fixed (byte* p = path) fd = open(p, O_RDWR, default);
        if (fd < 0) throw new GuestStartException($"cannot open the terminal {slavePath}: errno {errno}");
        if (ioctl(fd, TIOCSCTTY, 0) < 0) throw new GuestStartException($"cannot make {slavePath} the controlling terminal: errno {errno}");
        for (int i = 0; i < 3; i++) dup2(fd, i);
        if (fd > 2) close(fd);
    }
}
