using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using Tmds.Linux;
using UserKernel.Kernel.Tasks;
using static Tmds.Linux.LibC;

namespace UserKernel.Kernel.Net;

/// <summary>
/// Who is at the other end of a guest's Unix socket, as the guest must see it (SO_PEERCRED, SO_PEERPIDFD). The host
/// records the process that connected; for a connection the kernel made on a guest's behalf (<see cref="KernelSocket"/>)
/// that is the kernel, so the kernel remembers for whom it connected each socket, and finds the connecting socket of an
/// accepted one with sock_diag (UNIX_DIAG_PEER), asked in the guests' own network namespace.
/// </summary>
public sealed class PeerCredentials : IDisposable
{
    private const int AF_NETLINK = 16, NETLINK_SOCK_DIAG = 4, SOCK_DIAG_BY_FAMILY = 20, NLM_F_REQUEST = 1, NLMSG_ERROR = 2;
    private const int UDIAG_SHOW_PEER = 4, UNIX_DIAG_PEER = 2;
    private const int MaxRemembered = 65536;

    private readonly Dictionary<ulong, ThreadGroup> connectedFor = new();
    private readonly Queue<ulong> order = new();
    private int diag = -1;
    private uint sequence;

    /// <summary>
    /// The netlink socket to ask (NETLINK_SOCK_DIAG): one the platform made in the guests' network namespace, when they
    /// have their own; otherwise the kernel makes one in its own on first use.
    /// </summary>
    public int DiagSocket
    {
        set { diag = value; }
    }

    /// <summary>The kernel connected the socket with host inode <paramref name="ino"/> for <paramref name="guest"/>.</summary>
    public void Connected(ulong ino, ThreadGroup guest)
    {
        if (connectedFor.Count >= MaxRemembered && order.TryDequeue(out ulong oldest)) connectedFor.Remove(oldest);
        connectedFor[ino] = guest;
        order.Enqueue(ino);
    }

    /// <summary>The guest a connection the kernel made ends at, for the socket with host inode <paramref name="ino"/> at its other end; null if unknown.</summary>
    public ThreadGroup? ConnectedForPeerOf(ulong ino)
    {
        ulong peer = PeerInode(ino);
        return peer != 0 && connectedFor.TryGetValue(peer, out ThreadGroup? g) ? g : null;
    }

    /// <summary>The host inode of the socket at the other end of the Unix socket <paramref name="ino"/> (sock_diag); 0 if none.</summary>
    private unsafe ulong PeerInode(ulong ino)
    {
        if (diag < 0) diag = socket(AF_NETLINK, 2 /* SOCK_DGRAM */ | 0x80000 /* SOCK_CLOEXEC */, NETLINK_SOCK_DIAG);
        if (diag < 0) return 0;
        byte* request = stackalloc byte[40];
        var req = new Span<byte>(request, 40);
        req.Clear();
        BinaryPrimitives.WriteUInt32LittleEndian(req, 40);
        BinaryPrimitives.WriteUInt16LittleEndian(req[4..], SOCK_DIAG_BY_FAMILY);
        BinaryPrimitives.WriteUInt16LittleEndian(req[6..], NLM_F_REQUEST);
        BinaryPrimitives.WriteUInt32LittleEndian(req[8..], ++sequence);
        req[16] = 1; // AF_UNIX
        BinaryPrimitives.WriteUInt32LittleEndian(req[20..], uint.MaxValue); // every state
        BinaryPrimitives.WriteUInt32LittleEndian(req[24..], (uint)ino);
        BinaryPrimitives.WriteUInt32LittleEndian(req[28..], UDIAG_SHOW_PEER);
        BinaryPrimitives.WriteUInt64LittleEndian(req[32..], ulong.MaxValue); // no cookie
        byte* kernelAddress = stackalloc byte[12];
        new Span<byte>(kernelAddress, 12).Clear();
        kernelAddress[0] = AF_NETLINK;
        if ((long)sendto(diag, request, 40, 0, (sockaddr*)kernelAddress, 12) != 40) return 0;

        byte* reply = stackalloc byte[4096];
        long n = (long)recv(diag, reply, 4096, 0x40 /* MSG_DONTWAIT: the answer is there, or never comes */);
        if (n < 16 + 16) return 0;
        var answer = new ReadOnlySpan<byte>(reply, (int)n);
        if (BinaryPrimitives.ReadUInt16LittleEndian(answer[4..]) == NLMSG_ERROR) return 0;
        for (int at = 16 + 16; at + 4 <= answer.Length;)
        {
            ushort length = BinaryPrimitives.ReadUInt16LittleEndian(answer[at..]);
            ushort type = BinaryPrimitives.ReadUInt16LittleEndian(answer[(at + 2)..]);
            if (length < 4) break;
            if (type == UNIX_DIAG_PEER && length >= 8) return BinaryPrimitives.ReadUInt32LittleEndian(answer[(at + 4)..]);
            at += (length + 3) & ~3;
        }
        return 0;
    }

    public void Dispose()
    {
        if (diag >= 0) close(diag);
        diag = -1;
    }
}
