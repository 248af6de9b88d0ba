using System;
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using UserKernel.Kernel.Abi;
using UserKernel.Kernel.Guest;
using UserKernel.Kernel.Net;
using UserKernel.Kernel.Tasks;

namespace UserKernel.Kernel.Syscalls;

/// <summary>
/// The socket options and messages that name processes: SO_PEERCRED and SO_PEERPIDFD answer the guest at the other end
/// (by guest pid and guest credentials; a pidfd of a guest), never a host process; SCM_CREDENTIALS received with
/// SO_PASSCRED name the sending guest; and SO_PASSPIDFD, which would have the host hand out pidfds of whoever sent a
/// message (the kernel, for the sends it makes), is refused. The filter stops getsockopt and setsockopt only for these
/// option numbers; every other option acts on the caller's own socket.
/// </summary>
public static partial class Sys
{
    public const uint SO_PASSCRED = 16, SO_PEERCRED = 17, SO_PASSPIDFD = 76, SO_PEERPIDFD = 77;
    private const int SOL_SOCKET = 1;

    /// <summary>getsockopt(2) for SO_PEERCRED and SO_PEERPIDFD at SOL_SOCKET; another level's option of the same number runs on the host.</summary>
    public static SyscallResult Getsockopt(SyscallContext ctx)
    {
        if (ctx.IntArg(1) != SOL_SOCKET) return SyscallResult.RunOnHost;
        if (!ctx.Memory.ReadInt32(ctx.PtrArg(4)).TryGet(out int room, out Errno e)) return e;
        if (room < 0) return Errno.EINVAL;
        if (!KernelSocket.Of(ctx, ctx.IntArg(0)).TryGet(out KernelSocket? socket, out e)) return e;
        ThreadGroup? peer;
        using (socket) peer = PeerOf(ctx, socket);
        if ((uint)ctx.Arg(2) == SO_PEERPIDFD) return GivePeerPidfd(ctx, peer, room);

        // struct ucred { pid_t pid; uid_t uid; gid_t gid; }: nobody's ids for a peer that is no guest.
        Span<int> cred = [peer?.Tgid ?? 0, (int)(peer?.Credentials.Euid ?? 65534), (int)(peer?.Credentials.Egid ?? 65534)];
        int length = Math.Min(room, 12);
        if (ctx.Memory.Write(ctx.PtrArg(3), MemoryMarshal.AsBytes(cred)[..length]) != Errno.OK) return Errno.EFAULT;
        return ctx.Memory.WriteInt32(ctx.PtrArg(4), length) == Errno.OK ? 0 : Errno.EFAULT;
    }

    /// <summary>
    /// setsockopt(2) at SOL_SOCKET: SO_PASSPIDFD is not offered (ENOPROTOOPT); SO_PASSCRED runs on the host, and from
    /// then on the kernel translates the credentials guests receive. Another level's option runs on the host.
    /// </summary>
    public static SyscallResult Setsockopt(SyscallContext ctx)
    {
        if (ctx.IntArg(1) != SOL_SOCKET) return SyscallResult.RunOnHost;
        if ((uint)ctx.Arg(2) == SO_PASSPIDFD) return Errno.ENOPROTOOPT;
        ctx.Kernel.CredentialsPassed = true;
        return SyscallResult.RunOnHost;
    }

    /// <summary>
    /// recvmsg(2) and recvmmsg(2) run on the host. Once some guest has asked for SO_PASSCRED, a call with room for control
    /// messages stops at its exit too, where the SCM_CREDENTIALS the host wrote are made to name guests.
    /// </summary>
    public static SyscallResult Recvmsg(SyscallContext ctx)
    {
        if (ctx.Kernel.CredentialsPassed) ctx.OnExit = ExitAction.TranslateCredentials;
        return SyscallResult.RunOnHost;
    }

    /// <summary>After recvmsg (one message) or recvmmsg (<paramref name="received"/> messages, struct mmsghdr of 64 bytes).</summary>
    internal static void TranslateReceivedCredentials(SyscallContext ctx, int received)
    {
        const int MmsghdrSize = 64;
        bool many = SyscallTable.Lookup(ctx.Number)?.Name == "recvmmsg";
        for (int i = 0; i < (many ? received : 1); i++) TranslateCredentialsIn(ctx, ctx.PtrArg(1).Add(MmsghdrSize * i));
    }

    /// <summary>
    /// Each SCM_CREDENTIALS in the control messages of the msghdr at <paramref name="msghdr"/> (msg_control at 32,
    /// msg_controllen at 40, as the host left them): struct ucred's host pid becomes the sending guest's pid, and its uid
    /// and gid that guest's real ones. A sender that is no guest (the kernel, where the host refused it the guest's
    /// credentials) is shown as Linux shows a sender outside the receiver's pid namespace: pid 0, the overflow ids.
    /// </summary>
    private static void TranslateCredentialsIn(SyscallContext ctx, GuestPtr msghdr)
    {
        const int CmsgHeader = 16, UcredSize = 12, SCM_CREDENTIALS = 2, MaxControl = 64 << 10;
        Span<byte> header = stackalloc byte[48];
        if (ctx.Memory.Read(msghdr, header) != Errno.OK) return;
        var control = new GuestPtr(BinaryPrimitives.ReadUInt64LittleEndian(header[32..]));
        ulong length = Math.Min(BinaryPrimitives.ReadUInt64LittleEndian(header[40..]), MaxControl);
        if (control.IsNull || length < CmsgHeader + UcredSize) return;
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

    /// <summary>The guest process at the other end of a Unix socket: the one the host names, or the one the kernel connected for.</summary>
    private static ThreadGroup? PeerOf(SyscallContext ctx, KernelSocket socket)
    {
        (int pid, _, _) = socket.HostPeer();
        if (pid == Environment.ProcessId) return ctx.Kernel.Peers.ConnectedForPeerOf(socket.Inode);
        return pid > 0 ? ctx.Kernel.Pids.ByHost(pid)?.Group : null;
    }

    /// <summary>SO_PEERPIDFD: a pidfd of the guest peer, installed in the caller; ENODATA for a peer that is no guest.</summary>
    private static SyscallResult GivePeerPidfd(SyscallContext ctx, ThreadGroup? peer, int room)
    {
        if (peer == null || peer.Exited) return Errno.ENODATA;
        if (room < 4) return Errno.EINVAL;
        if (!HostProcesses.OpenPidfd(peer.HostTgid).TryGet(out int pidfd, out Errno e)) return e;
        long fd = ctx.Thread.InstallDescriptor(pidfd, closeOnExec: true);
        Vfs.HostFiles.CloseKernelDescriptor(pidfd);
        if (fd < 0) return fd;
        if (ctx.Memory.WriteInt32(ctx.PtrArg(3), (int)fd) != Errno.OK) return Errno.EFAULT;
        return ctx.Memory.WriteInt32(ctx.PtrArg(4), 4) == Errno.OK ? 0 : Errno.EFAULT;
    }
}
