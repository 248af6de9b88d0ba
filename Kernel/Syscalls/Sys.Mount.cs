using System;
using UserKernel.Kernel.Abi;
using UserKernel.Kernel.Guest;
using UserKernel.Kernel.Tasks;
using UserKernel.Kernel.Vfs;

namespace UserKernel.Kernel.Syscalls;

/// <summary>mount(2) and umount2(2): new instances of the kernel's filesystem types (its own and the extensions') in the guest's tree.</summary>
public static partial class Sys
{
    private const ulong MS_RDONLY = 1, MS_REMOUNT = 32, MS_BIND = 4096, MS_MOVE = 8192, MS_REC = 16384, MS_SILENT = 32768,
        MS_UNBINDABLE = 1 << 17, MS_PRIVATE = 1 << 18, MS_SLAVE = 1 << 19, MS_SHARED = 1 << 20;
    private const ulong Propagation = MS_UNBINDABLE | MS_PRIVATE | MS_SLAVE | MS_SHARED;
    private const int MNT_FORCE = 1, MNT_DETACH = 2, MNT_EXPIRE = 4, UMOUNT_NOFOLLOW = 8;

    /// <summary>mount(2): source, target, filesystem type, flags, data (the options).</summary>
    public static SyscallResult Mount(SyscallContext ctx)
    {
        Credentials who = Caller(ctx);
        if (!who.Capable(Capabilities.CAP_SYS_ADMIN)) return Errno.EPERM;
        ulong flags = ctx.Arg(3);
        if (!ResolveAt(ctx, AtFlags.AT_FDCWD, 1, follow: true).TryGet(out Dentry? target, out Errno e)) return e;
        if (target == null) return Errno.ENOTDIR;
        // Changing propagation alone: the guests have one mount namespace, with no peer to share mounts with.
        if ((flags & Propagation) != 0 && (flags & ~(Propagation | MS_REC | MS_SILENT)) == 0) return 0;
        if ((flags & (MS_REMOUNT | MS_BIND | MS_MOVE)) != 0) return Errno.EINVAL; // remounts, binds and moves are not there yet
        if (!ReadGuestString(ctx.Memory, ctx.PtrArg(2), 256).TryGet(out string? type, out e)) return e == Errno.ENAMETOOLONG ? Errno.ENODEV : e;
        string source = "none";
        if (!ctx.PtrArg(0).IsNull && !ReadGuestString(ctx.Memory, ctx.PtrArg(0), GuestMemoryExtensions.PATH_MAX).TryGet(out source!, out e)) return e;
        string options = "";
        if (!ctx.PtrArg(4).IsNull && !ReadGuestString(ctx.Memory, ctx.PtrArg(4), 4096).TryGet(out options!, out e)) return e == Errno.ENAMETOOLONG ? Errno.EINVAL : e;
        if ((flags & MS_RDONLY) != 0) options = options.Length == 0 ? "ro" : "ro," + options;
        return ctx.Kernel.MountFilesystem(type, target, source, options, who, byGuest: true, ctx.Task.Group.Cwd, ctx.Task.Group.Root) is var made && made != Errno.OK
            ? made : 0;
    }

    /// <summary>umount2(2): takes away the mount at target. MNT_FORCE, MNT_DETACH and UMOUNT_NOFOLLOW are taken; MNT_EXPIRE is EINVAL.</summary>
    public static SyscallResult Umount2(SyscallContext ctx)
    {
        if (!Caller(ctx).Capable(Capabilities.CAP_SYS_ADMIN)) return Errno.EPERM;
        int flags = ctx.IntArg(1);
        if ((flags & ~(MNT_FORCE | MNT_DETACH | MNT_EXPIRE | UMOUNT_NOFOLLOW)) != 0 || (flags & MNT_EXPIRE) != 0) return Errno.EINVAL;
        if (!ResolveAt(ctx, AtFlags.AT_FDCWD, 0, follow: (flags & UMOUNT_NOFOLLOW) == 0).TryGet(out Dentry? target, out Errno e)) return e;
        if (target == null) return Errno.EINVAL;
        // Open files of the mount keep their host objects; the tree no longer shows them, as after a lazy unmount.
        return ctx.Kernel.Mounts.Unmount(target.Inode) is var done && done != Errno.OK ? done : 0;
    }

    /// <summary>A NUL-terminated string of at most <paramref name="max"/> bytes with its NUL, as the kernel copies mount's strings.</summary>
    private static Result<string> ReadGuestString(IGuestMemory memory, GuestPtr at, int max) =>
        memory.ReadCString(at, max).TryGet(out byte[]? bytes, out Errno e) ? Names.FromBytes(bytes) : e;
}
