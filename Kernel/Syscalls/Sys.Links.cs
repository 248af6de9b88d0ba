using System;
using UserKernel.Kernel.Abi;
using UserKernel.Kernel.Tasks;
using UserKernel.Kernel.Vfs;

namespace UserKernel.Kernel.Syscalls;

/// <summary>readlink(2) and access(2): questions about a name answered from the VFS.</summary>
public static partial class Sys
{
    /// <summary>readlink(2)</summary>
    public static SyscallResult Readlink(SyscallContext ctx) => ReadlinkAt(ctx, AtFlags.AT_FDCWD, 0, 1, 2);

    /// <summary>readlinkat(2)</summary>
    public static SyscallResult Readlinkat(SyscallContext ctx) => ReadlinkAt(ctx, ctx.IntArg(0), 1, 2, 3);

    private static SyscallResult ReadlinkAt(SyscallContext ctx, int dirfd, int pathArg, int bufArg, int sizeArg)
    {
        long size = (long)ctx.Arg(sizeArg);
        if ((int)size <= 0) return Errno.EINVAL;
        if (!ResolveAt(ctx, dirfd, pathArg, follow: false, emptyPathAllowed: true).TryGet(out Dentry? d, out Errno e)) return e;
        // do_readlinkat: a name that is no symlink is EINVAL; "" names the directory descriptor itself, ENOENT unless a symlink.
        if (d == null || !d.Inode.IsSymlink) return d == null || ctx.ReadPath(pathArg).Value.Length == 0 ? Errno.ENOENT : Errno.EINVAL;
        if (!d.Inode.ReadLink().TryGet(out byte[]? target, out e)) return e;
        int n = (int)Math.Min(target.Length, size);
        return ctx.Memory.Write(ctx.PtrArg(bufArg), target.AsSpan(0, n)) == Errno.OK ? n : Errno.EFAULT;
    }

    /// <summary>access(2)</summary>
    public static SyscallResult Access(SyscallContext ctx) => AccessAt(ctx, AtFlags.AT_FDCWD, 0, ctx.IntArg(1), 0);

    /// <summary>faccessat(2)</summary>
    public static SyscallResult Faccessat(SyscallContext ctx) => AccessAt(ctx, ctx.IntArg(0), 1, ctx.IntArg(2), 0);

    /// <summary>faccessat2(2)</summary>
    public static SyscallResult Faccessat2(SyscallContext ctx) => AccessAt(ctx, ctx.IntArg(0), 1, ctx.IntArg(2), ctx.IntArg(3));

    private static SyscallResult AccessAt(SyscallContext ctx, int dirfd, int pathArg, int mode, int flags)
    {
        if ((mode & ~7) != 0) return Errno.EINVAL;
        if ((flags & ~(AtFlags.AT_EACCESS | AtFlags.AT_SYMLINK_NOFOLLOW | AtFlags.AT_EMPTY_PATH)) != 0) return Errno.EINVAL;
        bool follow = (flags & AtFlags.AT_SYMLINK_NOFOLLOW) == 0;
        // access(2) checks, path walk included, with the real ids; AT_EACCESS with the effective ones.
        Credentials who = (flags & AtFlags.AT_EACCESS) != 0 ? ctx.Task.Group.Credentials : ctx.Task.Group.Credentials.ForAccess();
        if (!ResolveAt(ctx, dirfd, pathArg, follow, (flags & AtFlags.AT_EMPTY_PATH) != 0, who).TryGet(out Dentry? d, out Errno e)) return e;
        // A host descriptor (a pipe, a socket): faccessat2 has no form without a path, so the kernel checks the host's mode.
        Inode? inode = d?.Inode ?? ctx.Thread.Descriptors.HostObject(ctx.Task.Group.Fs.Root.Inode.SuperBlock, dirfd);
        if (inode == null) return Errno.EBADF;
        if (!Permissions.May(who, inode, mode)) return Errno.EACCES;
        if ((mode & AccessMode.W_OK) != 0 && (d?.IsReadOnly ?? inode.SuperBlock.ReadOnly) && (inode.IsRegular || inode.IsDirectory || inode.IsSymlink)) return Errno.EROFS;
        return 0;
    }
}
