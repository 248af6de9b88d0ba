using UserKernel.Kernel.Abi;
using UserKernel.Kernel.Vfs;

namespace UserKernel.Kernel.Syscalls;

/// <summary>
/// The calls that make and remove names: mkdir, mknod, symlink, link, unlink, rmdir, rename. Each decodes its
/// arguments and calls the VFS's operation (<see cref="Namei"/>), which checks in Linux's order, read-only mounts
/// included, and asks the filesystem.
/// </summary>
public static partial class Sys
{
    /// <summary>umask(2): the kernel keeps the mask it applies to what it creates; the host sets its copy and answers the old one.</summary>
    public static SyscallResult Umask(SyscallContext ctx)
    {
        ctx.Task.Group.Fs.Umask = (uint)ctx.Arg(0) & 0x1FF;
        return SyscallResult.RunOnHost;
    }

    /// <summary>mkdir(2)</summary>
    public static SyscallResult Mkdir(SyscallContext ctx) => MkdirAt(ctx, AtFlags.AT_FDCWD, 0, (uint)ctx.Arg(1));

    /// <summary>mkdirat(2)</summary>
    public static SyscallResult Mkdirat(SyscallContext ctx) => MkdirAt(ctx, ctx.IntArg(0), 1, (uint)ctx.Arg(2));

    private static SyscallResult MkdirAt(SyscallContext ctx, int dirfd, int pathArg, uint mode) =>
        ctx.Kernel.Namei.MkdirAt(PathArg(ctx, dirfd, pathArg), mode, Fs(ctx));

    /// <summary>mknod(2)</summary>
    public static SyscallResult Mknod(SyscallContext ctx) => MknodAt(ctx, AtFlags.AT_FDCWD, 0, (uint)ctx.Arg(1), (uint)ctx.Arg(2));

    /// <summary>mknodat(2)</summary>
    public static SyscallResult Mknodat(SyscallContext ctx) => MknodAt(ctx, ctx.IntArg(0), 1, (uint)ctx.Arg(2), (uint)ctx.Arg(3));

    /// <summary>The device number is the old 32-bit encoding (major in bits 8-19, minor in 0-7 and 20-31).</summary>
    private static SyscallResult MknodAt(SyscallContext ctx, int dirfd, int pathArg, uint mode, uint dev)
    {
        uint major = (dev & 0xfff00) >> 8, minor = (dev & 0xff) | ((dev >> 12) & 0xfff00);
        return ctx.Kernel.Namei.MknodAt(PathArg(ctx, dirfd, pathArg), mode, Vfs.SuperBlock.MakeDev(major, minor), Fs(ctx));
    }

    /// <summary>symlink(2)</summary>
    public static SyscallResult Symlink(SyscallContext ctx) => SymlinkAt(ctx, AtFlags.AT_FDCWD, 1);

    /// <summary>symlinkat(2)</summary>
    public static SyscallResult Symlinkat(SyscallContext ctx) => SymlinkAt(ctx, ctx.IntArg(1), 2);

    private static SyscallResult SymlinkAt(SyscallContext ctx, int dirfd, int pathArg)
    {
        if (!ctx.ReadPath(0).TryGet(out string? target, out Errno e)) return e;
        return ctx.Kernel.Namei.SymlinkAt(target, PathArg(ctx, dirfd, pathArg), Fs(ctx));
    }

    /// <summary>link(2)</summary>
    public static SyscallResult Link(SyscallContext ctx) => LinkAt(ctx, AtFlags.AT_FDCWD, 0, AtFlags.AT_FDCWD, 1, 0);

    /// <summary>linkat(2)</summary>
    public static SyscallResult Linkat(SyscallContext ctx) => LinkAt(ctx, ctx.IntArg(0), 1, ctx.IntArg(2), 3, ctx.IntArg(4));

    /// <summary>
    /// The existing file first (following a last symlink only with AT_SYMLINK_FOLLOW; AT_EMPTY_PATH names the
    /// descriptor's own file), then the new name.
    /// </summary>
    private static SyscallResult LinkAt(SyscallContext ctx, int oldDirfd, int oldArg, int newDirfd, int newArg, int flags)
    {
        if ((flags & ~(AtFlags.AT_SYMLINK_FOLLOW | AtFlags.AT_EMPTY_PATH)) != 0) return Errno.EINVAL;
        bool follow = (flags & AtFlags.AT_SYMLINK_FOLLOW) != 0;
        if (!ResolveAt(ctx, oldDirfd, oldArg, follow, (flags & AtFlags.AT_EMPTY_PATH) != 0).TryGet(out Dentry? old, out Errno e)) return e;
        if (old == null) return Errno.EXDEV; // a host object: no filesystem of the guest's holds it
        return ctx.Kernel.Namei.LinkAt(old, PathArg(ctx, newDirfd, newArg), Fs(ctx));
    }

    /// <summary>unlink(2)</summary>
    public static SyscallResult Unlink(SyscallContext ctx) => RemoveAt(ctx, AtFlags.AT_FDCWD, 0, rmdir: false);

    /// <summary>rmdir(2)</summary>
    public static SyscallResult Rmdir(SyscallContext ctx) => RemoveAt(ctx, AtFlags.AT_FDCWD, 0, rmdir: true);

    /// <summary>unlinkat(2): AT_REMOVEDIR makes it rmdir.</summary>
    public static SyscallResult Unlinkat(SyscallContext ctx)
    {
        int flags = ctx.IntArg(2);
        if ((flags & ~AtFlags.AT_REMOVEDIR) != 0) return Errno.EINVAL;
        return RemoveAt(ctx, ctx.IntArg(0), 1, rmdir: (flags & AtFlags.AT_REMOVEDIR) != 0);
    }

    private static SyscallResult RemoveAt(SyscallContext ctx, int dirfd, int pathArg, bool rmdir) =>
        ctx.Kernel.Namei.UnlinkAt(PathArg(ctx, dirfd, pathArg), rmdir, Fs(ctx));

    /// <summary>rename(2)</summary>
    public static SyscallResult Rename(SyscallContext ctx) => RenameAt(ctx, AtFlags.AT_FDCWD, 0, AtFlags.AT_FDCWD, 1, 0);

    /// <summary>renameat(2)</summary>
    public static SyscallResult Renameat(SyscallContext ctx) => RenameAt(ctx, ctx.IntArg(0), 1, ctx.IntArg(2), 3, 0);

    /// <summary>renameat2(2): RENAME_NOREPLACE and RENAME_EXCHANGE; RENAME_WHITEOUT is refused (EINVAL).</summary>
    public static SyscallResult Renameat2(SyscallContext ctx) => RenameAt(ctx, ctx.IntArg(0), 1, ctx.IntArg(2), 3, (uint)ctx.Arg(4));

    private static SyscallResult RenameAt(SyscallContext ctx, int oldDirfd, int oldArg, int newDirfd, int newArg, uint flags) =>
        ctx.Kernel.Namei.RenameAt(PathArg(ctx, oldDirfd, oldArg), PathArg(ctx, newDirfd, newArg), flags, Fs(ctx));
}
