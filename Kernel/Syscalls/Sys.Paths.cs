using System;
using UserKernel.Kernel.Abi;
using UserKernel.Kernel.Tasks;
using UserKernel.Kernel.Vfs;

namespace UserKernel.Kernel.Syscalls;

/// <summary>The shared *at(2) logic: where a relative path starts, and how it resolves.</summary>
public static partial class Sys
{
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
        if (path.Length == 0 && !emptyPathAllowed) return Errno.ENOENT;
        Dentry start;
        if (path.Length > 0 && path[0] == '/') start = ctx.Task.Group.Root;
        else if (dirfd == AtFlags.AT_FDCWD) start = ctx.Task.Group.Cwd;
        else
        {
            Dentry? d = FileOf(ctx, dirfd);
            if (d == null) return ctx.Thread.Descriptors.IsOpen(dirfd) ? (path.Length == 0 ? Result<Dentry?>.Host : Errno.ENOTDIR) : Errno.EBADF;
            if (path.Length == 0) return d;
            if (!d.Inode.IsDirectory) return Errno.ENOTDIR;
            start = d;
        }
        if (path.Length == 0) return start;
        if (!ctx.Kernel.Walk.Resolve(who ?? ctx.Task.Group.Credentials, start, path, follow, ctx.Task.Group.Root).TryGet(out Dentry? found, out Errno e)) return e;
        return found;
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
        ctx.Thread.Descriptors.ObjectOf(fd) is { } o ? ctx.Kernel.HostFiles.IdentifyHostObject(o.Dev, o.Ino) : null;
}
