using System;
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using UserKernel.Kernel.Abi;
using UserKernel.Kernel.Guest;
using UserKernel.Kernel.Tasks;

namespace UserKernel.Kernel.Syscalls;

/// <summary>
/// Receiving on a socket runs on the host, into the guest's memory. Two things the host writes there are the host's and
/// not the guest's, and are put right when the call returns: the sender's address, which for a socket a guest bound to
/// a path is the kernel's private host path (and for an abstract name under --net none, the run's prefixed name), and
/// the SCM_CREDENTIALS of a socket with SO_PASSCRED, which name host pids. A sibling thread could read the host's
/// values in between: they name nothing a guest call would resolve.
/// </summary>
public static partial class Sys
{
    private const int MsghdrSize = 56, MmsghdrSize = 64, MaxControl = 64 << 10;

    /// <summary>recvfrom(2) with an address buffer (the filter lets one without run unstopped): the address is the guest's at the exit.</summary>
    public static SyscallResult Recvfrom(SyscallContext ctx)
    {
        if (ctx.Arg(5) == 0) return SyscallResult.RunOnHost; // no length: the host answers EFAULT, or ignores the buffer
        if (!ctx.Memory.ReadInt32(ctx.PtrArg(5)).TryGet(out int room, out _) || room < 0) return SyscallResult.RunOnHost;
        ctx.AtExit(ReceivedAtExit, room);
        return SyscallResult.RunOnHost;
    }

    /// <summary>
    /// recvmsg(2) and recvmmsg(2): a call with a buffer for the sender's address, or any once some guest has asked for
    /// SO_PASSCRED, stops at its exit too.
    /// </summary>
    public static SyscallResult Recvmsg(SyscallContext ctx)
    {
        if (SyscallTable.Lookup(ctx.Number)?.Name == "recvmmsg")
        {
            ctx.AtExit(ReceivedAtExit);
            return SyscallResult.RunOnHost;
        }
        Span<byte> header = stackalloc byte[16];
        if (ctx.Memory.Read(ctx.PtrArg(1), header) != Errno.OK) return SyscallResult.RunOnHost;
        bool named = BinaryPrimitives.ReadUInt64LittleEndian(header) != 0;
        int room = BinaryPrimitives.ReadInt32LittleEndian(header[8..]);
        if (!named && !ctx.Kernel.CredentialsPassed) return SyscallResult.RunOnHost;
        ctx.AtExit(ReceivedAtExit, named && room > 0 ? room : 0);
        return SyscallResult.RunOnHost;
    }

    /// <summary>
    /// After recvfrom, recvmsg, or recvmmsg (rax messages). <see cref="SyscallContext.ExitState"/> is the room the guest
    /// gave for the sender's address.
    /// </summary>
    private static ExitOutcome ReceivedAtExit(SyscallContext ctx, IGuestThread thread, long rax)
    {
        if (rax < 0) return rax;
        switch (SyscallTable.Lookup(ctx.Number)?.Name)
        {
            case "recvfrom":
                TranslateReceivedName(ctx, ctx.PtrArg(4), ctx.PtrArg(5), (int)ctx.ExitState);
                break;
            case "recvmsg":
                TranslateMessage(ctx, ctx.PtrArg(1), (int)ctx.ExitState);
                break;
            case "recvmmsg":
                for (int i = 0; i < rax; i++) TranslateMessage(ctx, ctx.PtrArg(1).Add(MmsghdrSize * i), room: -1);
                break;
        }
        return rax;
    }

    /// <summary>
    /// One received msghdr: its msg_name (the buffer at 0, its length at 8, <paramref name="room"/> bytes long; -1 when
    /// only the length the host wrote is known) and its control messages (msg_control at 32, msg_controllen at 40).
    /// </summary>
    private static void TranslateMessage(SyscallContext ctx, GuestPtr msghdr, int room)
    {
        Span<byte> header = stackalloc byte[MsghdrSize];
        if (ctx.Memory.Read(msghdr, header) != Errno.OK) return;
        var name = new GuestPtr(BinaryPrimitives.ReadUInt64LittleEndian(header));
        if (!name.IsNull && room != 0) TranslateReceivedName(ctx, name, msghdr.Add(8), room);
        var control = new GuestPtr(BinaryPrimitives.ReadUInt64LittleEndian(header[32..]));
        ulong length = Math.Min(BinaryPrimitives.ReadUInt64LittleEndian(header[40..]), MaxControl);
        if (ctx.Kernel.CredentialsPassed && !control.IsNull) TranslateCredentialsIn(ctx, control, (int)length);
    }

    /// <summary>
    /// The sender's address the host wrote at <paramref name="buffer"/> (its full length at <paramref name="lengthAt"/>),
    /// as the guest names it; cut to <paramref name="room"/> as the host cut it, the full length given. An address the
    /// host had to cut is left as it is: a cut kernel path names nothing. Room -1: at most what the host wrote.
    /// </summary>
    private static void TranslateReceivedName(SyscallContext ctx, GuestPtr buffer, GuestPtr lengthAt, int room)
    {
        if (!ctx.Memory.ReadInt32(lengthAt).TryGet(out int length, out _) || length <= 2 || length > SockaddrStorageSize) return;
        if (room < 0) room = length;
        if (length > room) return;
        Span<byte> host = stackalloc byte[SockaddrStorageSize];
        host = host[..length];
        if (ctx.Memory.Read(buffer, host) != Errno.OK || BinaryPrimitives.ReadUInt16LittleEndian(host) != AF_UNIX) return;
        byte[] guest = ctx.Kernel.UnixSockets.ToGuestAddress(host);
        if (guest.AsSpan().SequenceEqual(host)) return;
        if (ctx.Memory.Write(buffer, guest.AsSpan(0, Math.Min(guest.Length, room))) == Errno.OK) ctx.Memory.WriteInt32(lengthAt, guest.Length);
    }

    /// <summary>
    /// Each SCM_CREDENTIALS among the <paramref name="length"/> bytes of control messages at <paramref name="control"/>:
    /// struct ucred's host pid becomes the sending guest's pid, and its uid and gid that guest's real ones. A sender that
    /// is no guest (the kernel, where the host refused it the guest's credentials) is shown as Linux shows a sender
    /// outside the receiver's pid namespace: pid 0, the overflow ids.
    /// </summary>
    private static void TranslateCredentialsIn(SyscallContext ctx, GuestPtr control, int length)
    {
        const int CmsgHeader = 16, UcredSize = 12, SCM_CREDENTIALS = 2;
        if (length < CmsgHeader + UcredSize) return;
        byte[] messages = new byte[length];
        if (ctx.Memory.Read(control, messages) != Errno.OK) return;
        for (int at = 0; at + CmsgHeader <= messages.Length;)
        {
            ulong cmsgLength = BinaryPrimitives.ReadUInt64LittleEndian(messages.AsSpan(at));
            if (cmsgLength < CmsgHeader || cmsgLength > (ulong)(messages.Length - at)) return;
            int level = BinaryPrimitives.ReadInt32LittleEndian(messages.AsSpan(at + 8));
            int type = BinaryPrimitives.ReadInt32LittleEndian(messages.AsSpan(at + 12));
            if (level == SOL_SOCKET && type == SCM_CREDENTIALS && cmsgLength >= CmsgHeader + UcredSize)
            {
                int hostPid = BinaryPrimitives.ReadInt32LittleEndian(messages.AsSpan(at + CmsgHeader));
                // A sender that has exited since keeps its pid (the table remembers departed ones) but not its ids.
                ThreadGroup? sender = hostPid > 0 ? ctx.Kernel.Pids.ByHost(hostPid)?.Group : null;
                int pid = hostPid > 0 ? ctx.Kernel.Pids.ToGuest(hostPid) : 0;
                Span<uint> ucred = [(uint)pid, sender?.Credentials.Ruid ?? 65534, sender?.Credentials.Rgid ?? 65534];
                ctx.Memory.Write(control.Add(at + CmsgHeader), MemoryMarshal.AsBytes(ucred));
            }
            at += (int)((cmsgLength + 7) & ~7UL);
        }
    }
}
