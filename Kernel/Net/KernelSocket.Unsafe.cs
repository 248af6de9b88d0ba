using System;
using Tmds.Linux;
using UserKernel.Kernel.Abi;
using UserKernel.Kernel.Syscalls;
using static Tmds.Linux.LibC;

namespace UserKernel.Kernel.Net;

/// <summary>
/// A guest's socket as the kernel holds it: its own duplicate of the guest's descriptor (pidfd_getfd), the same socket
/// whatever the guest does to its descriptor table meanwhile. The kernel performs on it the calls whose addresses it
/// must not leave in guest memory for the host to read (bind, connect, sends that name an address), with the address
/// it copied and translated. The caller disposes it.
/// </summary>
public sealed class KernelSocket : IDisposable
{
    private const int SOL_SOCKET = 1, SO_TYPE = 3, SO_DOMAIN = 39;
    private const int F_GETFL = 3, O_NONBLOCK = 0x800;

    private KernelSocket(int fd, int family, int type)
    {
        Fd = fd;
        Family = family;
        Type = type;
    }

    /// <summary>The kernel's descriptor of the socket.</summary>
    public int Fd { get; private set; }

    /// <summary>AF_UNIX, AF_INET, ...</summary>
    public int Family { get; }

    /// <summary>SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET, ...</summary>
    public int Type { get; }

    public const int AF_UNIX = 1, SOCK_STREAM = 1, SOCK_DGRAM = 2;

    /// <summary>The guest's socket <paramref name="guestFd"/>. EBADF if no such descriptor, ENOTSOCK if it is no socket.</summary>
    public static Result<KernelSocket> Of(SyscallContext ctx, int guestFd)
    {
        if (!ctx.Thread.DuplicateDescriptor(guestFd).TryGet(out int fd, out Errno e)) return e;
        if (!IntOption(fd, SO_DOMAIN).TryGet(out int family, out e) || !IntOption(fd, SO_TYPE).TryGet(out int type, out e))
        {
            close(fd);
            return e;
        }
        return new KernelSocket(fd, family, type);
    }

    /// <summary>The socket's host inode number (its identity to sock_diag).</summary>
    public unsafe ulong Inode
    {
        get
        {
            stat st;
            return fstat(Fd, &st) == 0 ? (ulong)st.st_ino : 0;
        }
    }

    /// <summary>SO_PEERCRED as the host records it: the pid, uid and gid of the process that connected (or listened).</summary>
    public unsafe (int Pid, uint Uid, uint Gid) HostPeer()
    {
        const int SO_PEERCRED = 17;
        Span<int> cred = stackalloc int[3];
        socklen_t length = 12;
        fixed (int* c = cred)
        {
            if (getsockopt(Fd, 1, SO_PEERCRED, c, &length) != 0) return (0, uint.MaxValue, uint.MaxValue);
        }
        return (cred[0], (uint)cred[1], (uint)cred[2]);
    }

    /// <summary>Whether the guest's open file has O_NONBLOCK (the socket's calls then never wait).</summary>
    public bool NonBlocking => (fcntl(Fd, F_GETFL) & O_NONBLOCK) != 0;

    /// <summary>Whether a connect on this socket can wait for a peer (a blocking stream or seqpacket socket).</summary>
    public bool ConnectMayBlock => !NonBlocking && !(Family == AF_UNIX && Type == SOCK_DGRAM);

    /// <summary>bind(2) with an address of the kernel's.</summary>
    public unsafe Errno Bind(ReadOnlySpan<byte> address)
    {
        fixed (byte* a = address) return bind(Fd, (sockaddr*)a, (socklen_t)(uint)address.Length) == 0 ? Errno.OK : (Errno)errno;
    }

    /// <summary>What bind(2) of a new socket of the kernel's, of this family and type, to <paramref name="address"/> answers; the socket goes at once.</summary>
    public static unsafe Errno BindError(int family, int type, ReadOnlySpan<byte> address)
    {
        int fd = socket(family, type | 0x80000 /* SOCK_CLOEXEC */, 0);
        if (fd < 0) return (Errno)errno;
        Errno e;
        fixed (byte* a = address) e = bind(fd, (sockaddr*)a, (socklen_t)(uint)address.Length) == 0 ? Errno.OK : (Errno)errno;
        close(fd);
        return e;
    }

    /// <summary>connect(2) with an address of the kernel's; it may block (see <see cref="ConnectMayBlock"/>).</summary>
    public unsafe Errno Connect(ReadOnlySpan<byte> address)
    {
        fixed (byte* a = address) return connect(Fd, (sockaddr*)a, (socklen_t)(uint)address.Length) == 0 ? Errno.OK : (Errno)errno;
    }

    /// <summary>getsockname(2) or getpeername(2) into <paramref name="address"/>; the full length of the address, or -errno.</summary>
    public unsafe long Name(bool peer, Span<byte> address)
    {
        socklen_t length = (socklen_t)(uint)address.Length;
        int r;
        fixed (byte* a = address) r = peer ? getpeername(Fd, (sockaddr*)a, &length) : getsockname(Fd, (sockaddr*)a, &length);
        return r == 0 ? (long)(uint)length : -(long)errno;
    }

    /// <summary>sendmsg(2) of a message the kernel assembled (<see cref="KernelMessage"/>); the count sent or -errno.</summary>
    public unsafe long Send(KernelMessage message, int flags)
    {
        fixed (byte* header = message.Header) return message.Send(Fd, header, flags);
    }

    /// <summary>An integer socket option (SOL_SOCKET).</summary>
    public static unsafe Result<int> IntOption(int fd, int option)
    {
        int value = 0;
        socklen_t length = sizeof(int);
        return getsockopt(fd, SOL_SOCKET, option, &value, &length) == 0 ? value : (Errno)errno;
    }

    /// <summary>Lets go of the kernel's duplicate; the guest's descriptor is unaffected.</summary>
    public void Dispose()
    {
        if (Fd >= 0) close(Fd);
        Fd = -1;
    }
}
