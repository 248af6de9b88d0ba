using System;
using UserKernel.Kernel.Abi;
using UserKernel.Kernel.Guest;
using UserKernel.Kernel.Tasks;
using UserKernel.Kernel.Vfs;

namespace UserKernel.Kernel.Syscalls;

/// <summary>mount(2) and umount2(2): new instances of the kernel's filesystem types (its own and the extensions') in the guest's tree, binds, and read-only remounts.</summary>
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
        if ((flags & MS_REMOUNT) != 0) return Remount(target, (flags & MS_RDONLY) != 0);
        if ((flags & MS_BIND) != 0) return BindMount(ctx, target);
        if ((flags & MS_MOVE) != 0) return Errno.EINVAL; // moving a mount is not offered
        if (!ReadGuestString(ctx.Memory, ctx.PtrArg(2), 256).TryGet(out string? type, out e)) return e == Errno.ENAMETOOLONG ? Errno.ENODEV : e;
        string source = "none";
        if (!ctx.PtrArg(0).IsNull && !ReadGuestString(ctx.Memory, ctx.PtrArg(0), GuestMemoryExtensions.PATH_MAX).TryGet(out source!, out e)) return e;
        string options = "";
        if (!ctx.PtrArg(4).IsNull && !ReadGuestString(ctx.Memory, ctx.PtrArg(4), 4096).TryGet(out options!, out e)) return e == Errno.ENAMETOOLONG ? Errno.EINVAL : e;
        if ((flags & MS_RDONLY) != 0) options = options.Length == 0 ? "ro" : "ro," + options;
        return ctx.Kernel.MountFilesystem(type, target, source, options, who, byGuest: true, ctx.Task.Group.Fs.Cwd, ctx.Task.Group.Fs.Root) is var made && made != Errno.OK
            ? made : 0;
    }

    /// <summary>
    /// MS_REMOUNT (with MS_BIND or without): the mount at <paramref name="target"/> becomes read-only or writable again,
    /// which is its own flag here whatever the filesystem, so a remount and a read-only bind are the same thing. EINVAL
    /// where no mount has its root; EROFS to make writable what its filesystem cannot write.
    /// </summary>
    private static SyscallResult Remount(Dentry target, bool readOnly)
    {
        if (target.Mount is not { } mount || !ReferenceEquals(mount.Root, target.Inode)) return Errno.EINVAL;
        if (!readOnly && mount.SuperBlock.ReadOnly) return Errno.EROFS;
        mount.ReadOnly = readOnly;
        return 0;
    }

    /// <summary>
    /// MS_BIND: the guest path in argument 0 is seen at <paramref name="target"/> too, writable until a remount makes
    /// it read-only (Linux ignores MS_RDONLY on the bind itself). MS_REC is taken; mounts under the source are not
    /// carried along. ENOTDIR when one is a directory and the other is not.
    /// </summary>
    private static SyscallResult BindMount(SyscallContext ctx, Dentry target)
    {
        if (!ResolveAt(ctx, AtFlags.AT_FDCWD, 0, follow: true).TryGet(out Dentry? source, out Errno e)) return e;
        if (source == null) return Errno.EINVAL;
        if (source.Inode.IsDirectory != target.Inode.IsDirectory) return Errno.ENOTDIR;
        ctx.Kernel.Mounts.Bind(target, source);
        return 0;
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
        return ctx.Kernel.Mounts.Unmount(target) is var done && done != Errno.OK ? done : 0;
    }

    /// <summary>A NUL-terminated string of at most <paramref name="max"/> bytes with its NUL, as the kernel copies mount's strings.</summary>
    private static Result<string> ReadGuestString(IGuestMemory memory, GuestPtr at, int max) =>
        memory.ReadCString(at, max).TryGet(out byte[]? bytes, out Errno e) ? Names.FromBytes(bytes) : e;
}
