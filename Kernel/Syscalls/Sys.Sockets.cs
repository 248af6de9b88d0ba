using System;
using System.Buffers.Binary;
using UserKernel.Kernel.Abi;
using UserKernel.Kernel.Guest;

namespace UserKernel.Kernel.Syscalls;

/// <summary>
/// Sockets run on the host; only an address that is a path (AF_UNIX, not abstract) is a guest name.
/// connect() to such a path is answered from the VFS: no guest process can be listening on a socket
/// file of the image, so a missing path is ENOENT and an existing one ECONNREFUSED, as on Linux.
/// Binding or sending to path addresses needs kernel-owned host sockets, not implemented yet: ENOSYS.
/// </summary>
public static partial class Sys
{
    private const ushort AF_UNIX = 1;

    private const int AF_UNIX_DOMAIN = 1;

    /// <summary>
    /// socket(2): made by the host, unless the guest has no network (--net none), where only AF_UNIX sockets
    /// exist: every other family (inet, inet6, packet, netlink...) answers EAFNOSUPPORT. Linux in an empty
    /// network namespace would still make them, with only a loopback device; refusing them is simpler and says so.
    /// </summary>
    public static SyscallResult Socket(SyscallContext ctx) =>
        ctx.Kernel.Options.Network == NetworkMode.None && ctx.IntArg(0) != AF_UNIX_DOMAIN ? Errno.EAFNOSUPPORT : SyscallResult.RunOnHost;

    /// <summary>connect(2)</summary>
    public static SyscallResult Connect(SyscallContext ctx)
    {
        if (!UnixPath(ctx, ctx.PtrArg(1), ctx.Arg(2)).TryGet(out string? path, out Errno e)) return e;
        if (path == null) return SyscallResult.RunOnHost;
        if (!ResolveAt(ctx, Abi.AtFlags.AT_FDCWD, path, follow: true).TryGet(out _, out e)) return e;
        return Errno.ECONNREFUSED;
    }

    /// <summary>The path of an AF_UNIX address; null for any other address (or an abstract one).</summary>
    private static Result<string?> UnixPath(SyscallContext ctx, GuestPtr address, ulong length)
    {
        if (address.IsNull || length < 3) return (string?)null;
        length = Math.Min(length, 110);
        byte[] sun = new byte[length];
        if (ctx.Memory.Read(address, sun) != Errno.OK) return Errno.EFAULT;
        if (BinaryPrimitives.ReadUInt16LittleEndian(sun) != AF_UNIX || sun[2] == 0) return (string?)null;
        int end = Array.IndexOf(sun, (byte)0, 2);
        return Vfs.Names.FromBytes(sun.AsSpan(2, (end < 0 ? sun.Length : end) - 2));
    }

    /// <summary>bind(2)</summary>
    public static SyscallResult Bind(SyscallContext ctx) => RefusePathAddress(ctx, ctx.PtrArg(1), ctx.Arg(2));

    /// <summary>sendto(2)</summary>
    public static SyscallResult Sendto(SyscallContext ctx) => RefusePathAddress(ctx, ctx.PtrArg(4), ctx.Arg(5));

    /// <summary>sendmsg(2): msg_name at offset 0, msg_namelen at 8.</summary>
    public static SyscallResult Sendmsg(SyscallContext ctx)
    {
        Span<byte> header = stackalloc byte[12];
        if (ctx.Memory.Read(ctx.PtrArg(1), header) != Errno.OK) return SyscallResult.RunOnHost; // the host reports EFAULT
        return RefusePathAddress(ctx, new GuestPtr(BinaryPrimitives.ReadUInt64LittleEndian(header)), BinaryPrimitives.ReadUInt32LittleEndian(header[8..]));
    }

    private static SyscallResult RefusePathAddress(SyscallContext ctx, GuestPtr address, ulong length)
    {
        if (!UnixPath(ctx, address, length).TryGet(out string? path, out _)) return SyscallResult.RunOnHost; // the host reports EFAULT
        return path != null ? Errno.ENOSYS : SyscallResult.RunOnHost;
    }
}
