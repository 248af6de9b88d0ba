using System;
using System.Buffers.Binary;
using System.Text;
using UserKernel.Kernel.Abi;
using UserKernel.Kernel.Guest;
using UserKernel.Kernel.Vfs;

namespace UserKernel.Kernel.Syscalls;

/// <summary>
/// Sockets run on the host; only an address that is a path (AF_UNIX, not abstract) is a guest name.
/// bind() to a path binds the host socket to a private path of the kernel's and makes a socket inode at
/// the guest's path (<see cref="UnixSocketNames"/>); connect(), sendto() and sendmsg() to a guest path
/// find that inode in the VFS and reach the host path; getsockname, getpeername and accept report the
/// guest's name again. A socket file no guest bound (one of the image) refuses with ECONNREFUSED, as
/// on Linux when nobody listens.
/// </summary>
public static partial class Sys
{
    private const ushort AF_UNIX = 1;
    private const int AF_UNIX_DOMAIN = 1;
    private const int SunPathMax = 108;

    /// <summary>What bind leaves for its exit: the guest name to make once the host bind succeeded.</summary>
    private sealed record PendingBind(Dentry Parent, string Name, string GuestPath, string HostPath, uint Mode);

    /// <summary>
    /// socket(2): made by the host, unless the guest has no network (--net none), where only AF_UNIX sockets
    /// exist: every other family (inet, inet6, packet, netlink...) answers EAFNOSUPPORT. Linux in an empty
    /// network namespace would still make them, with only a loopback device; refusing them is simpler and says so.
    /// </summary>
    public static SyscallResult Socket(SyscallContext ctx) =>
        ctx.Kernel.Options.Network == NetworkMode.None && ctx.IntArg(0) != AF_UNIX_DOMAIN ? Errno.EAFNOSUPPORT : SyscallResult.RunOnHost;

    /// <summary>bind(2): unix_bind_bsd makes the name; an existing one is EADDRINUSE.</summary>
    public static SyscallResult Bind(SyscallContext ctx)
    {
        if (!UnixPath(ctx, ctx.PtrArg(1), ctx.Arg(2)).TryGet(out string? path, out _) || path == null) return SyscallResult.RunOnHost;
        if (!NewName(ctx, AtFlags.AT_FDCWD, path, directory: false).TryGet(out LastName at, out Errno e))
            return e == Errno.EEXIST ? Errno.EADDRINUSE : e;
        if (at.Parent.Inode.SuperBlock.ReadOnly) return Errno.EROFS;
        string hostPath = ctx.Kernel.UnixSockets.NewHostPath();
        if ((e = RewriteUnixAddress(ctx, 1, 2, hostPath)) != Errno.OK) return e;
        // The socket inode's 0777, less the umask, as Linux gives a bound name.
        ctx.ExitState = new PendingBind(at.Parent, at.Name, path, hostPath, FileMode.S_IFSOCK | (0x1FF & ~Umask(ctx)));
        ctx.OnExit = ExitAction.BindUnixName;
        return SyscallResult.RunOnHost;
    }

    /// <summary>The host bind succeeded: the guest's name for it appears in the VFS.</summary>
    internal static Errno FinishBind(SyscallContext ctx)
    {
        var bind = (PendingBind)ctx.ExitState!;
        Inode dir = bind.Parent.Inode;
        if (!dir.Create(bind.Name, bind.Mode, Caller(ctx).Uid, NewGid(ctx, dir)).TryGet(out Inode? made, out Errno e))
            return e == Errno.EEXIST ? Errno.EADDRINUSE : e;
        ctx.Kernel.UnixSockets.Add(made, bind.HostPath, bind.GuestPath);
        ctx.Kernel.Fsnotify.Create(dir, bind.Name, made);
        return Errno.OK;
    }

    /// <summary>connect(2)</summary>
    public static SyscallResult Connect(SyscallContext ctx) => ToUnixName(ctx, 1, 2);

    /// <summary>sendto(2): a datagram to a named socket.</summary>
    public static SyscallResult Sendto(SyscallContext ctx) => ToUnixName(ctx, 4, 5);

    /// <summary>sendmsg(2): msg_name at offset 0 and msg_namelen at 8 of the msghdr; the guest's msghdr is left as it was.</summary>
    public static SyscallResult Sendmsg(SyscallContext ctx)
    {
        Span<byte> header = stackalloc byte[MsghdrSize];
        if (ctx.Memory.Read(ctx.PtrArg(1), header) != Errno.OK) return SyscallResult.RunOnHost; // the host reports EFAULT
        var name = new GuestPtr(BinaryPrimitives.ReadUInt64LittleEndian(header));
        if (!UnixPath(ctx, name, BinaryPrimitives.ReadUInt32LittleEndian(header[8..])).TryGet(out string? path, out _) || path == null)
            return SyscallResult.RunOnHost;
        if (!HostPathForName(ctx, path).TryGet(out string? hostPath, out Errno e)) return e;
        byte[] address = SockaddrUn(hostPath);
        if (!ctx.PushScratch(address).TryGet(out GuestPtr at, out e)) return e;
        BinaryPrimitives.WriteUInt64LittleEndian(header, at.Address);
        BinaryPrimitives.WriteUInt32LittleEndian(header[8..], (uint)address.Length);
        if (!ctx.PushScratch(header).TryGet(out GuestPtr copy, out e)) return e;
        ctx.Rewrite(1, copy.Address);
        return SyscallResult.RunOnHost;
    }

    private const int MsghdrSize = 56;

    /// <summary>sizeof(struct sockaddr_storage): room for any family's address.</summary>
    private const int SockaddrStorageSize = 128;

    /// <summary>
    /// getsockname(2), getpeername(2), accept(2), accept4(2): the host writes the address into a buffer of the
    /// kernel's below the guest's stack, so a kernel host path is seen whole even when the guest's buffer is short;
    /// at exit the guest gets the address (its own name for our paths), cut to its buffer, and the full length.
    /// </summary>
    public static SyscallResult AddressOut(SyscallContext ctx)
    {
        if (ctx.Arg(1) == 0 || ctx.Arg(2) == 0) return SyscallResult.RunOnHost;
        if (!ctx.Memory.ReadInt32(ctx.PtrArg(2)).TryGet(out int room, out _) || room < 0) return SyscallResult.RunOnHost; // the host reports it
        Span<byte> scratch = stackalloc byte[SockaddrStorageSize];
        scratch.Clear();
        if (!ctx.PushScratch(scratch).TryGet(out GuestPtr buffer, out Errno e)) return e;
        BinaryPrimitives.WriteInt32LittleEndian(scratch, SockaddrStorageSize);
        if (!ctx.PushScratch(scratch[..4]).TryGet(out GuestPtr length, out e)) return e;
        ctx.Rewrite(1, buffer.Address);
        ctx.Rewrite(2, length.Address);
        ctx.ExitValue = room;
        ctx.OnExit = ExitAction.TranslateUnixAddress;
        return SyscallResult.RunOnHost;
    }

    /// <summary>At exit of <see cref="AddressOut"/>'s calls: the address from the kernel's buffer into the guest's.</summary>
    internal static void TranslateUnixAddress(SyscallContext ctx)
    {
        if (!ctx.Memory.ReadInt32(new GuestPtr(ctx.Current[2])).TryGet(out int length, out _)) return;
        byte[] address = new byte[Math.Clamp(length, 0, SockaddrStorageSize)];
        if (ctx.Memory.Read(new GuestPtr(ctx.Current[1]), address) != Errno.OK) return;
        if (UnixPath(ctx, new GuestPtr(ctx.Current[1]), (ulong)address.Length).TryGet(out string? hostPath, out _) && hostPath != null
            && ctx.Kernel.UnixSockets.GuestNameOf(hostPath) is string guestName)
        {
            address = SockaddrUn(guestName);
            length = address.Length;
        }
        int room = (int)ctx.ExitValue;
        if (ctx.Memory.Write(ctx.PtrArg(1), address.AsSpan(0, Math.Min(address.Length, room))) != Errno.OK) return;
        ctx.Memory.WriteInt32(ctx.PtrArg(2), length);
    }

    /// <summary>connect and sendto: a guest path in the address argument becomes the host path it stands for.</summary>
    private static SyscallResult ToUnixName(SyscallContext ctx, int addressArg, int lengthArg)
    {
        if (!UnixPath(ctx, ctx.PtrArg(addressArg), ctx.Arg(lengthArg)).TryGet(out string? path, out _) || path == null)
            return SyscallResult.RunOnHost; // another family, an abstract name, or EFAULT, which the host reports
        if (!HostPathForName(ctx, path).TryGet(out string? hostPath, out Errno e)) return e;
        e = RewriteUnixAddress(ctx, addressArg, lengthArg, hostPath);
        return e == Errno.OK ? SyscallResult.RunOnHost : e;
    }

    /// <summary>
    /// unix_find_bsd: the path must resolve (ENOENT...), the caller must may write it (EACCES), and it must be a
    /// socket someone bound (ECONNREFUSED otherwise).
    /// </summary>
    private static Result<string> HostPathForName(SyscallContext ctx, string path)
    {
        if (!ResolveAt(ctx, AtFlags.AT_FDCWD, path, follow: true).TryGet(out Dentry? d, out Errno e)) return e;
        if (d == null) return Errno.ECONNREFUSED;
        if (!Permissions.May(Caller(ctx), d.Inode, AccessMode.W_OK)) return Errno.EACCES;
        if ((d.Inode.Mode & FileMode.S_IFMT) != FileMode.S_IFSOCK) return Errno.ECONNREFUSED;
        return ctx.Kernel.UnixSockets.HostPathOf(d.Inode) ?? (Result<string>)Errno.ECONNREFUSED;
    }

    private static Errno RewriteUnixAddress(SyscallContext ctx, int addressArg, int lengthArg, string hostPath)
    {
        byte[] address = SockaddrUn(hostPath);
        if (!ctx.PushScratch(address).TryGet(out GuestPtr at, out Errno e)) return e;
        ctx.Rewrite(addressArg, at.Address);
        ctx.Rewrite(lengthArg, (ulong)address.Length);
        return Errno.OK;
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

    /// <summary>The path of an AF_UNIX address; null for any other address (or an abstract one).</summary>
    private static Result<string?> UnixPath(SyscallContext ctx, GuestPtr address, ulong length)
    {
        if (address.IsNull || length < 3) return (string?)null;
        length = Math.Min(length, 110);
        byte[] sun = new byte[length];
        if (ctx.Memory.Read(address, sun) != Errno.OK) return Errno.EFAULT;
        if (BinaryPrimitives.ReadUInt16LittleEndian(sun) != AF_UNIX || sun[2] == 0) return (string?)null;
        int end = Array.IndexOf(sun, (byte)0, 2);
        return Names.FromBytes(sun.AsSpan(2, (end < 0 ? sun.Length : end) - 2));
    }
}
