using System;
using UserKernel.Kernel.Abi;
using UserKernel.Kernel.Tasks;
using UserKernel.Kernel.Vfs;

namespace UserKernel.Kernel.Syscalls;

/// <summary>The shared *at(2) decoding: where a relative path starts, how it resolves, and who asks.</summary>
public static partial class Sys
{
    /// <summary>The caller's credentials, which every permission check asks.</summary>
    private static Credentials Caller(SyscallContext ctx) => ctx.Task.Group.Credentials;

    /// <summary>The caller of a path operation: its credentials, root directory and umask.</summary>
    private static FsCaller Fs(SyscallContext ctx) => new(ctx.Task.Group.Credentials, ctx.Task.Group.Fs.Root, ctx.Task.Group.Fs.Umask);

    /// <summary>
    /// The path argument at <paramref name="pathArg"/> (read once) and where it starts: the caller's root for an absolute
    /// path, <paramref name="dirfd"/>'s directory or the working directory for a relative one. What is wrong with it
    /// (EFAULT, ENAMETOOLONG, ENOENT for an empty path, EBADF for a closed dirfd, ENOTDIR for one that is no directory)
    /// travels with it to the lookup, as Linux's getname() result does.
    /// </summary>
    internal static PathAt PathArg(SyscallContext ctx, int dirfd, int pathArg) =>
        ctx.ReadPath(pathArg).TryGet(out string? path, out Errno e) ? PathFrom(ctx, dirfd, path) : PathAt.Failed(e);

    internal static PathAt PathFrom(SyscallContext ctx, int dirfd, string path)
    {
        if (path.Length == 0) return PathAt.Failed(Errno.ENOENT);
        if (path[0] == '/') return new PathAt(ctx.Task.Group.Fs.Root, path);
        if (dirfd == AtFlags.AT_FDCWD) return new PathAt(ctx.Task.Group.Fs.Cwd, path);
        Dentry? d = FileOf(ctx, dirfd);
        if (d == null) return PathAt.Failed(ctx.Thread.Descriptors.IsOpen(dirfd) ? Errno.ENOTDIR : Errno.EBADF);
        return d.Inode.IsDirectory ? new PathAt(d, path) : PathAt.Failed(Errno.ENOTDIR);
    }

    /// <summary>
    /// Resolves the path argument at <paramref name="pathArg"/> relative to <paramref name="dirfd"/>.
    /// With AT_EMPTY_PATH and an empty path, the answer is the descriptor's own file.
    /// Errors: EFAULT, ENAMETOOLONG, ENOENT, ENOTDIR, ELOOP, EBADF (a closed dirfd).
    /// A <c>null</c> dentry with OK means "the descriptor is a host object": let the host answer.
    /// The walk searches directories as <paramref name="who"/>: the caller's credentials unless given (access(2)
    /// gives its real ids).
    /// </summary>
    internal static Result<Dentry?> ResolveAt(SyscallContext ctx, int dirfd, int pathArg, bool follow, bool emptyPathAllowed = false, Credentials? who = null)
    {
        if (!ctx.ReadPath(pathArg).TryGet(out string? path, out Errno e)) return e;
        return ResolveAt(ctx, dirfd, path, follow, emptyPathAllowed, who);
    }

    internal static Result<Dentry?> ResolveAt(SyscallContext ctx, int dirfd, string path, bool follow, bool emptyPathAllowed = false, Credentials? who = null)
    {
        if (path.Length == 0 && emptyPathAllowed) return EmptyPath(ctx, dirfd);
        PathAt at = PathFrom(ctx, dirfd, path);
        if (at.Error != Errno.OK) return at.Error;
        if (!ctx.Kernel.Walk.Resolve(who ?? ctx.Task.Group.Credentials, at.Start, at.Path, follow, ctx.Task.Group.Fs.Root).TryGet(out Dentry? found, out Errno e)) return e;
        return found;
    }

    /// <summary>(dirfd, "", AT_EMPTY_PATH): the descriptor's own file, the working directory for AT_FDCWD, or null for a host object.</summary>
    private static Result<Dentry?> EmptyPath(SyscallContext ctx, int dirfd)
    {
        if (dirfd == AtFlags.AT_FDCWD) return ctx.Task.Group.Fs.Cwd;
        Dentry? d = FileOf(ctx, dirfd);
        if (d != null) return d;
        return ctx.Thread.Descriptors.IsOpen(dirfd) ? Result<Dentry?>.Host : Errno.EBADF;
    }

    /// <summary>
    /// A call (fd, "", AT_EMPTY_PATH) on a host object's descriptor (a pipe, a socket, the terminal), which only the host
    /// can answer: it runs as <paramref name="number"/> with <paramref name="args"/>, a form that names the object by its
    /// descriptor alone. The host never reads the guest's empty path, which a sibling thread could turn into a host path
    /// before the host read it.
    /// </summary>
    private static SyscallResult OnHostDescriptor(SyscallContext ctx, int number, params ReadOnlySpan<ulong> args)
    {
        ctx.RewriteNumber(number);
        for (int i = 0; i < 6; i++) ctx.Rewrite(i, i < args.Length ? args[i] : 0);
        return SyscallResult.RunOnHost;
    }

    /// <summary>The VFS file behind a guest descriptor, or null for a host object (pipe, tty, socket).</summary>
    internal static Dentry? FileOf(SyscallContext ctx, int fd) =>
        ctx.Kernel.HostFiles.Identify(ctx.Thread.Descriptors, fd);
}
