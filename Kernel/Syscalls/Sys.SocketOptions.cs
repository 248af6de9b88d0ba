using System;
using System.Runtime.InteropServices;
using UserKernel.Kernel.Abi;
using UserKernel.Kernel.Guest;
using UserKernel.Kernel.Net;
using UserKernel.Kernel.Tasks;

namespace UserKernel.Kernel.Syscalls;

/// <summary>
/// The socket options that name processes: SO_PEERCRED and SO_PEERPIDFD answer the guest at the other end (by guest pid
/// and guest credentials; a pidfd of a guest), never a host process; SO_PASSCRED turns on the translation of received
/// credentials (<see cref="Recvmsg"/>); and SO_PASSPIDFD, which would have the host hand out pidfds of whoever sent a
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
