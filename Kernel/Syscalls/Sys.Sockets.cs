using System;
using System.Buffers.Binary;
using UserKernel.Kernel.Abi;
using UserKernel.Kernel.Guest;
using UserKernel.Kernel.Net;
using UserKernel.Kernel.Vfs;

namespace UserKernel.Kernel.Syscalls;

/// <summary>
/// Sockets are the host's; their names are the guest's. Every call that hands the host an address (bind, connect,
/// sendto with one, sendmsg, sendmmsg) is performed by the kernel itself on its own duplicate of the guest's socket
/// (<see cref="KernelSocket"/>), with the address it copied once and translated: a guest path becomes the private
/// host path the kernel bound for it (<see cref="UnixSocketNames"/>), and under --net none an abstract name gets a
/// prefix private to the run. So neither a rewritten address nor a swapped descriptor can name a host socket. Calls
/// that may wait (a blocking connect, a send to a full queue) run as blocking work, off the tracer thread.
/// getsockname, getpeername and accept report the guest's names again.
/// </summary>
public static partial class Sys
{
    private const ushort AF_UNIX = 1;
    private const int AF_UNIX_DOMAIN = 1;
    private const int SunPathMax = 108;
    private const int SockaddrStorageSize = 128;
    private const int MSG_DONTWAIT = 0x40, MSG_NOSIGNAL = 0x4000;

    /// <summary>
    /// socket(2): made by the host, unless the guest has no network (--net none), where only AF_UNIX sockets
    /// exist: every other family (inet, inet6, packet, netlink...) answers EAFNOSUPPORT. Linux in an empty
    /// network namespace would still make them, with only a loopback device; refusing them is simpler and says so.
    /// </summary>
    public static SyscallResult Socket(SyscallContext ctx) =>
        ctx.Kernel.Options.Network == NetworkMode.None && ctx.IntArg(0) != AF_UNIX_DOMAIN ? Errno.EAFNOSUPPORT : SyscallResult.RunOnHost;

    /// <summary>bind(2): an AF_UNIX path becomes a socket inode at the guest's path (unix_bind_bsd; EADDRINUSE if taken).</summary>
    public static SyscallResult Bind(SyscallContext ctx)
    {
        if (!CopyAddress(ctx, ctx.PtrArg(1), ctx.Arg(2)).TryGet(out byte[]? address, out Errno e)) return e;
        if (!KernelSocket.Of(ctx, ctx.IntArg(0)).TryGet(out KernelSocket? socket, out e)) return e;
        using (socket)
        {
            if (socket.Family != AF_UNIX_DOMAIN) return (e = PrivilegedPortError(ctx, socket, address)) != Errno.OK ? e : socket.Bind(address);
            if (address.Length < 2 || BinaryPrimitives.ReadUInt16LittleEndian(address) != AF_UNIX) return Errno.EINVAL;
            if (UnixPathOf(address) is not string path) return socket.Bind(ctx.Kernel.UnixSockets.ToHostAbstract(address));

            // unix_bind_bsd: the name is made as mknod makes a socket (0777 less the umask), then the socket is bound.
            FsCaller who = Fs(ctx);
            if (!ctx.Kernel.Namei.CreateName(PathFrom(ctx, AtFlags.AT_FDCWD, path), directory: false, who).TryGet(out Namei.LastName at, out e))
                return e == Errno.EEXIST ? Errno.EADDRINUSE : e;
            if ((e = Namei.MayCreate(at.Parent.Inode, who)) != Errno.OK) return e;
            string hostPath = ctx.Kernel.UnixSockets.NewHostPath();
            if ((e = socket.Bind(SockaddrUn(hostPath))) != Errno.OK) return e;
            if (!ctx.Kernel.Namei.Mknod(at, FileMode.S_IFSOCK | 0x1FF, 0, who).TryGet(out Inode? made, out e))
                return e == Errno.EEXIST ? Errno.EADDRINUSE : e;
            ctx.Kernel.UnixSockets.Add(made, hostPath, path);
            return 0;
        }
    }

    /// <summary>
    /// The check of inet_bind the host cannot make for a guest, since the kernel binds with its own privilege: a port below
    /// 1024 needs CAP_NET_BIND_SERVICE (EACCES). IPv6 asks right after the family; IPv4 first looks at the address, so its
    /// errors (EADDRNOTAVAIL) come first: a fresh socket of the kernel's bound to the address with port 0 finds them. An
    /// address the host will refuse anyway (too short, another family: EINVAL, EAFNOSUPPORT) is left to it.
    /// </summary>
    private static Errno PrivilegedPortError(SyscallContext ctx, KernelSocket socket, byte[] address)
    {
        const int AF_INET = 2, AF_INET6 = 10, SOCK_RAW = 3, PROT_SOCK = 1024;
        if (socket.Family is not (AF_INET or AF_INET6) || socket.Type == SOCK_RAW || Caller(ctx).Capable(Tasks.Capabilities.CAP_NET_BIND_SERVICE)) return Errno.OK;
        if (address.Length < (socket.Family == AF_INET ? 16 : 24)) return Errno.OK;
        ushort family = BinaryPrimitives.ReadUInt16LittleEndian(address);
        // inet_bind takes AF_UNSPEC with INADDR_ANY for AF_INET.
        bool sameFamily = family == socket.Family || (socket.Family == AF_INET && family == 0 && BinaryPrimitives.ReadUInt32LittleEndian(address.AsSpan(4)) == 0);
        int port = BinaryPrimitives.ReadUInt16BigEndian(address.AsSpan(2));
        if (!sameFamily || port == 0 || port >= PROT_SOCK) return Errno.OK;
        if (socket.Family == AF_INET6) return Errno.EACCES;
        byte[] anyPort = (byte[])address.Clone();
        anyPort[2] = anyPort[3] = 0;
        Errno e = KernelSocket.BindError(socket.Family, socket.Type, anyPort);
        return e == Errno.OK ? Errno.EACCES : e;
    }

    /// <summary>connect(2): a blocking stream connect waits for its peer as blocking work.</summary>
    public static SyscallResult Connect(SyscallContext ctx)
    {
        if (!CopyAddress(ctx, ctx.PtrArg(1), ctx.Arg(2)).TryGet(out byte[]? address, out Errno e)) return e;
        if (!KernelSocket.Of(ctx, ctx.IntArg(0)).TryGet(out KernelSocket? socket, out e)) return e;
        if (socket.Family == AF_UNIX_DOMAIN && !HostAddress(ctx, address).TryGet(out address, out e))
        {
            socket.Dispose();
            return e;
        }
        // The host will record the kernel as the connecting process; the kernel remembers whom it connected for.
        if (socket.Family == AF_UNIX_DOMAIN && socket.Type != KernelSocket.SOCK_DGRAM) ctx.Kernel.Peers.Connected(socket.Inode, ctx.Task.Group);
        if (!socket.ConnectMayBlock)
        {
            using (socket) return socket.Connect(address);
        }
        byte[] hostAddress = address;
        return SyscallResult.Blocking(() =>
        {
            using (socket) return socket.Connect(hostAddress);
        });
    }

    /// <summary>sendto(2) with an address (the filter lets a call without one run on the host: it names nothing).</summary>
    public static SyscallResult Sendto(SyscallContext ctx)
    {
        if (!KernelSocket.Of(ctx, ctx.IntArg(0)).TryGet(out KernelSocket? socket, out Errno e)) return e;
        if (!KernelMessage.OfBuffer(ctx.Memory, ctx.PtrArg(1), ctx.Arg(2), ctx.PtrArg(4), ctx.Arg(5)).TryGet(out KernelMessage? message, out e))
        {
            socket.Dispose();
            return e;
        }
        return Send(ctx, socket, message, ctx.IntArg(3));
    }

    /// <summary>sendmsg(2): the msghdr, its iovecs, its address and its control messages copied once.</summary>
    public static SyscallResult Sendmsg(SyscallContext ctx)
    {
        if (!KernelSocket.Of(ctx, ctx.IntArg(0)).TryGet(out KernelSocket? socket, out Errno e)) return e;
        if (!KernelMessage.OfMsghdr(ctx.Thread, ctx.PtrArg(1)).TryGet(out KernelMessage? message, out e))
        {
            socket.Dispose();
            return e;
        }
        return Send(ctx, socket, message, ctx.IntArg(2));
    }

    /// <summary>
    /// sendmmsg(2): each message as sendmsg, its msg_len written back; the count sent, or the first message's error.
    /// Messages after the first are sent without waiting (as Linux returns early when the socket blocks).
    /// </summary>
    public static SyscallResult Sendmmsg(SyscallContext ctx)
    {
        const int MmsghdrSize = 64, UIO_MAXIOV = 1024;
        uint count = Math.Min((uint)ctx.Arg(2), UIO_MAXIOV);
        if (count == 0) return 0;
        if (!KernelSocket.Of(ctx, ctx.IntArg(0)).TryGet(out KernelSocket? socket, out Errno e)) return e;
        using (socket)
        {
            int flags = ctx.IntArg(3);
            for (uint i = 0; i < count; i++)
            {
                GuestPtr at = ctx.PtrArg(1).Add(MmsghdrSize * i);
                if (!KernelMessage.OfMsghdr(ctx.Thread, at).TryGet(out KernelMessage? message, out e)) return i > 0 ? i : e;
                long sent;
                using (message)
                {
                    if (ctx.Kernel.CredentialsPassed) message.Credit(ctx.Task.Group.HostTgid);
                    if (!TranslateDestination(ctx, socket, message).TryGet(out _, out e)) return i > 0 ? i : e;
                    sent = socket.Send(message, flags | MSG_DONTWAIT | MSG_NOSIGNAL);
                }
                if (sent < 0) return i > 0 ? i : Failed(sent, flags);
                if (ctx.Memory.WriteInt32(at.Add(56), (int)sent) != Errno.OK) return i > 0 ? i : Errno.EFAULT;
            }
            return count;
        }
    }

    /// <summary>
    /// Sends a copied message on the kernel's socket: at once if it can go without waiting; otherwise, for a caller
    /// that would wait, as blocking work. EPIPE raises the caller's SIGPIPE unless MSG_NOSIGNAL.
    /// </summary>
    private static SyscallResult Send(SyscallContext ctx, KernelSocket socket, KernelMessage message, int flags)
    {
        if (!TranslateDestination(ctx, socket, message).TryGet(out _, out Errno e))
        {
            message.Dispose();
            socket.Dispose();
            return e;
        }
        if (ctx.Kernel.CredentialsPassed) message.Credit(ctx.Task.Group.HostTgid);
        bool mayWait = (flags & MSG_DONTWAIT) == 0 && !socket.NonBlocking;
        long sent = socket.Send(message, flags | MSG_DONTWAIT | MSG_NOSIGNAL);
        bool rest = sent >= 0 && message.HasRest && socket.Type == KernelSocket.SOCK_STREAM;
        if (mayWait && (sent == -(long)Errno.EAGAIN || rest))
        {
            long before = Math.Max(sent, 0);
            return SyscallResult.Blocking(() =>
            {
                using (socket)
                using (message)
                {
                    long total = before;
                    do
                    {
                        long n = socket.Send(message, flags | MSG_NOSIGNAL);
                        if (n < 0) return total > 0 ? total : Failed(n, flags);
                        total += n;
                    }
                    while (message.HasRest && socket.Type == KernelSocket.SOCK_STREAM);
                    return total;
                }
            });
        }
        message.Dispose();
        socket.Dispose();
        return sent >= 0 ? sent : Failed(sent, flags);
    }

    /// <summary>A send's error: EPIPE raises the caller's SIGPIPE unless MSG_NOSIGNAL.</summary>
    private static SyscallResult Failed(long error, int flags) =>
        error == -(long)Errno.EPIPE && (flags & MSG_NOSIGNAL) == 0 ? SyscallResult.Raising(error, Signals.SIGPIPE) : error;

    /// <summary>The message's address, as the host must see it (for an AF_UNIX socket); none stays none.</summary>
    private static Result<bool> TranslateDestination(SyscallContext ctx, KernelSocket socket, KernelMessage message)
    {
        if (message.GuestName.Length == 0 || socket.Family != AF_UNIX_DOMAIN) return true;
        if (!HostAddress(ctx, message.GuestName).TryGet(out byte[]? host, out Errno e)) return e;
        message.SetName(host);
        return true;
    }

    /// <summary>
    /// getsockname(2), getpeername(2): the kernel asks its duplicate of the socket, and the guest gets the address (its
    /// own name for the kernel's paths), cut to its buffer, and the full length.
    /// </summary>
    public static SyscallResult SocketName(SyscallContext ctx)
    {
        if (!ctx.Memory.ReadInt32(ctx.PtrArg(2)).TryGet(out int room, out Errno e)) return e;
        if (room < 0) return Errno.EINVAL;
        if (!KernelSocket.Of(ctx, ctx.IntArg(0)).TryGet(out KernelSocket? socket, out e)) return e;
        byte[] address = new byte[SockaddrStorageSize];
        long length;
        using (socket) length = socket.Name(peer: SyscallTable.Lookup(ctx.Number)?.Name == "getpeername", address);
        if (length < 0) return length;
        return GiveAddress(ctx, ctx.PtrArg(1), ctx.PtrArg(2), room, address.AsSpan(0, (int)Math.Min(length, address.Length)));
    }

    /// <summary>
    /// accept(2), accept4(2): the host accepts in the caller (it may wait), told of no address; at the exit the kernel
    /// asks the new socket for its peer and gives the guest its name, as getpeername does.
    /// </summary>
    public static SyscallResult Accept(SyscallContext ctx)
    {
        if (ctx.Arg(1) == 0 || ctx.Arg(2) == 0) return SyscallResult.RunOnHost;
        ctx.Rewrite(1, 0);
        ctx.Rewrite(2, 0);
        ctx.AtExit(AcceptedAddressAtExit);
        return SyscallResult.RunOnHost;
    }

    /// <summary>At accept's exit with a new descriptor (rax): its peer's address into the guest's buffer.</summary>
    private static ExitOutcome AcceptedAddressAtExit(SyscallContext ctx, IGuestThread thread, long rax)
    {
        if (rax >= 0) GiveAcceptedAddress(ctx, (int)rax);
        return rax;
    }

    private static void GiveAcceptedAddress(SyscallContext ctx, int newFd)
    {
        if (!ctx.Memory.ReadInt32(ctx.PtrArg(2)).TryGet(out int room, out _) || room < 0) return;
        if (!KernelSocket.Of(ctx, newFd).TryGet(out KernelSocket? socket, out _)) return;
        byte[] address = new byte[SockaddrStorageSize];
        long length;
        using (socket) length = socket.Name(peer: true, address);
        if (length >= 0) GiveAddress(ctx, ctx.PtrArg(1), ctx.PtrArg(2), room, address.AsSpan(0, (int)Math.Min(length, address.Length)));
    }

    private static SyscallResult GiveAddress(SyscallContext ctx, GuestPtr buffer, GuestPtr lengthAt, int room, ReadOnlySpan<byte> hostAddress)
    {
        byte[] address = ctx.Kernel.UnixSockets.ToGuestAddress(hostAddress);
        if (ctx.Memory.Write(buffer, address.AsSpan(0, Math.Min(address.Length, room))) != Errno.OK) return Errno.EFAULT;
        return ctx.Memory.WriteInt32(lengthAt, address.Length) == Errno.OK ? 0 : Errno.EFAULT;
    }

    /// <summary>The guest's address argument, copied once: EINVAL past sizeof(struct sockaddr_storage), EFAULT.</summary>
    private static Result<byte[]> CopyAddress(SyscallContext ctx, GuestPtr address, ulong length)
    {
        if (length > SockaddrStorageSize) return Errno.EINVAL;
        byte[] copy = new byte[length];
        if (length > 0 && ctx.Memory.Read(address, copy) != Errno.OK) return Errno.EFAULT;
        return copy;
    }

    /// <summary>
    /// An AF_UNIX address as the host must see it: a guest path becomes the host path of the socket bound there
    /// (unix_find_bsd: ENOENT..., EACCES without write permission, ECONNREFUSED if no guest bound it); an abstract name
    /// gets the run's prefix under --net none; an unnamed one stays. EINVAL for another family.
    /// </summary>
    private static Result<byte[]> HostAddress(SyscallContext ctx, byte[] address)
    {
        if (address.Length < 2 || BinaryPrimitives.ReadUInt16LittleEndian(address) != AF_UNIX) return Errno.EINVAL;
        if (UnixPathOf(address) is not string path) return ctx.Kernel.UnixSockets.ToHostAbstract(address);
        if (!ResolveAt(ctx, AtFlags.AT_FDCWD, path, follow: true).TryGet(out Dentry? d, out Errno e)) return e;
        if (d == null) return Errno.ECONNREFUSED;
        if (!Permissions.May(Caller(ctx), d.Inode, AccessMode.W_OK)) return Errno.EACCES;
        if ((d.Inode.Mode & FileMode.S_IFMT) != FileMode.S_IFSOCK) return Errno.ECONNREFUSED;
        return ctx.Kernel.UnixSockets.HostPathOf(d.Inode) is string host ? SockaddrUn(host) : Errno.ECONNREFUSED;
    }

    /// <summary>A sockaddr_un for <paramref name="path"/> with its NUL, as long as it needs to be.</summary>
    private static byte[] SockaddrUn(string path)
    {
        byte[] name = Names.ToBytes(path);
        byte[] address = new byte[2 + Math.Min(name.Length, SunPathMax) + 1];
        BinaryPrimitives.WriteUInt16LittleEndian(address, AF_UNIX);
        name.AsSpan(0, Math.Min(name.Length, SunPathMax)).CopyTo(address.AsSpan(2));
        return address;
    }

    /// <summary>The path of an AF_UNIX address; null for an abstract or unnamed one.</summary>
    private static string? UnixPathOf(ReadOnlySpan<byte> address)
    {
        if (address.Length < 3 || address[2] == 0) return null;
        ReadOnlySpan<byte> path = address[2..Math.Min(address.Length, 2 + SunPathMax)];
        int end = path.IndexOf((byte)0);
        return Names.FromBytes(end < 0 ? path : path[..end]);
    }
}
