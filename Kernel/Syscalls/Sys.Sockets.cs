using System;
using System.Buffers.Binary;
using UserKernel.Kernel.Abi;
using UserKernel.Kernel.Guest;

namespace UserKernel.Kernel.Syscalls;

/// <summary>
/// Sockets run on the host; only an address that is a path (AF_UNIX, not abstract) is a guest name.
/// Mapping those to kernel-owned host paths is not implemented yet, so they answer ENOSYS rather than
/// ever reaching the host's file system.
/// </summary>
public static partial class Sys
{
    private const ushort AF_UNIX = 1;

    /// <summary>connect(2)</summary>
    public static SyscallResult Connect(SyscallContext ctx) => RefusePathAddress(ctx, ctx.PtrArg(1), ctx.Arg(2));

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
        if (address.IsNull || length < 3) return SyscallResult.RunOnHost;
        Span<byte> head = stackalloc byte[3];
        if (ctx.Memory.Read(address, head) != Errno.OK) return SyscallResult.RunOnHost;
        bool pathName = BinaryPrimitives.ReadUInt16LittleEndian(head) == AF_UNIX && head[2] != 0;
        return pathName ? Errno.ENOSYS : SyscallResult.RunOnHost;
    }
}
