using System.Collections.Generic;
using UserKernel.Kernel.Abi;
using UserKernel.Kernel.Tasks;
using UserKernel.Kernel.Vfs;

namespace UserKernel.Kernel.Syscalls;

/// <summary>
/// The calls that make and remove names: mkdir, mknod, symlink, link, unlink, rmdir, rename. Each finds the
/// directory that holds the last component (Linux's filename_parentat), checks in Linux's order, then asks
/// the filesystem (<see cref="Inode.Mkdir"/> and its siblings). With a read-only root they answer as a
/// read-only mount does (<see cref="ReadOnlyPath"/>).
/// </summary>
public static partial class Sys
{
    private const int RENAME_NOREPLACE = 1, RENAME_EXCHANGE = 2, RENAME_WHITEOUT = 4;

    /// <summary>The directory holding a path's last component, the component, and whether the path ended in '/'.</summary>
    private readonly record struct LastName(Dentry Parent, string Name, bool TrailingSlash)
    {
        /// <summary>"." and ".." (and "/" itself) name no entry that could be made or removed (not LAST_NORM).</summary>
        public bool IsNormal => Name is not ("." or ".." or "/");
    }

    /// <summary>
    /// Whether the object the call would change is on a read-only mount, when the root is read-only: the mount of the
    /// named object's parent decides (of the descriptor's file for the f* calls), so a tmpfs or a writable bind under a
    /// read-only root (a container's --read-only with --tmpfs) still takes changes. A name that cannot be resolved
    /// counts as read-only, and the read-only answers give Linux's errno for it.
    /// </summary>
    private static bool ReadOnlyRoot(SyscallContext ctx)
    {
        if (!ctx.Kernel.Mounts.Root.Inode.SuperBlock.ReadOnly) return false;
        string name = SyscallTable.Lookup(ctx.Number)!.Name;
        if (name is "fchmod" or "fchown") return FileOf(ctx, ctx.IntArg(0)) is not { } file || file.Inode.SuperBlock.ReadOnly;
        (int dirfdArg, int pathArg, _) = TargetArgs(name);
        int dirfd = dirfdArg < 0 ? AtFlags.AT_FDCWD : ctx.IntArg(dirfdArg);
        if (!ctx.ReadPath(pathArg).TryGet(out string? path, out _) || !ParentOf(ctx, dirfd, path).TryGet(out LastName at, out _)) return true;
        return at.Parent.Inode.SuperBlock.ReadOnly;
    }

    /// <summary>Which arguments of a call that changes a name give its directory descriptor (-1: none) and path, and whether it creates the name.</summary>
    private static (int DirfdArg, int PathArg, bool Creates) TargetArgs(string name) => name switch
    {
        "mkdir" or "mknod" => (-1, 0, true),
        "mkdirat" or "mknodat" => (0, 1, true),
        "link" or "symlink" => (-1, 1, true),
        "linkat" => (2, 3, true),
        "symlinkat" => (1, 2, true),
        "openat" or "openat2" => (0, 1, false),
        "unlinkat" or "renameat" or "renameat2" or "fchmodat" or "fchmodat2" or "fchownat" or "futimesat" or "utimensat" => (0, 1, false),
        _ => (-1, 0, false),
    };

    private static Credentials Caller(SyscallContext ctx) => ctx.Task.Group.Credentials;

    /// <summary>
    /// Splits <paramref name="path"/> into its parent directory (resolved, symlinks followed) and last component.
    /// Errors: ENOENT (empty path or missing directory), ENOTDIR, ELOOP, ENAMETOOLONG, EBADF.
    /// </summary>
    private static Result<LastName> ParentOf(SyscallContext ctx, int dirfd, string path)
    {
        if (path.Length == 0) return Errno.ENOENT;
        string trimmed = path.TrimEnd('/');
        if (trimmed.Length == 0) return new LastName(ctx.Task.Group.Root, "/", true);
        int slash = trimmed.LastIndexOf('/');
        string dir = slash < 0 ? "." : slash == 0 ? "/" : trimmed[..slash];
        if (!ResolveAt(ctx, dirfd, dir, follow: true).TryGet(out Dentry? parent, out Errno e)) return e;
        if (parent == null || !parent.Inode.IsDirectory) return Errno.ENOTDIR;
        string name = trimmed[(slash + 1)..];
        if (name.Length > PathWalk.NAME_MAX) return Errno.ENAMETOOLONG;
        return new LastName(parent, name, trimmed.Length != path.Length);
    }

    /// <summary>The inode a name of <paramref name="at"/> leads to, mount points not crossed.</summary>
    private static Result<Inode> Child(LastName at) => at.Parent.Inode.Lookup(at.Name);

    private static bool IsMountPoint(SyscallContext ctx, Inode inode) =>
        !ReferenceEquals(ctx.Kernel.Mounts.Cross(inode), inode) || ReferenceEquals(inode, ctx.Kernel.Mounts.Root.Inode);

    /// <summary>May the caller add or remove names in <paramref name="dir"/>: EROFS, EACCES or OK.</summary>
    private static Errno MayChangeDirectory(SyscallContext ctx, Inode dir)
    {
        if (dir.SuperBlock.ReadOnly) return Errno.EROFS;
        return Permissions.May(Caller(ctx), dir, AccessMode.W_OK | AccessMode.X_OK) ? Errno.OK : Errno.EACCES;
    }

    /// <summary>
    /// may_delete's sticky check: in a directory with the sticky bit (/tmp), only root, the directory's
    /// owner and the file's owner may remove or replace the file (EPERM).
    /// </summary>
    private static Errno MayRemoveFrom(SyscallContext ctx, Inode dir, Inode victim)
    {
        Errno e = MayChangeDirectory(ctx, dir);
        if (e != Errno.OK) return e;
        uint uid = Caller(ctx).Uid;
        bool sticky = (dir.Mode & 0x200) != 0;
        return sticky && uid != 0 && uid != dir.Uid && uid != victim.Uid ? Errno.EPERM : Errno.OK;
    }

    /// <summary>
    /// filename_create: the parent of a name about to be made. EEXIST if the name exists (a dangling symlink
    /// included) or is "." or ".."; ENOENT for a trailing slash unless a directory is made; then EROFS, EACCES.
    /// </summary>
    private static Result<LastName> NewName(SyscallContext ctx, int dirfd, int pathArg, bool directory)
    {
        if (!ctx.ReadPath(pathArg).TryGet(out string? path, out Errno e)) return e;
        return NewName(ctx, dirfd, path, directory);
    }

    private static Result<LastName> NewName(SyscallContext ctx, int dirfd, string path, bool directory)
    {
        if (!ParentOf(ctx, dirfd, path).TryGet(out LastName at, out Errno e)) return e;
        if (!at.IsNormal) return Errno.EEXIST;
        if (Child(at).Ok) return Errno.EEXIST;
        if (at.TrailingSlash && !directory) return Errno.ENOENT;
        if ((e = MayChangeDirectory(ctx, at.Parent.Inode)) != Errno.OK) return e;
        return at;
    }

    /// <summary>The caller's file-creation mask, as umask(2) last set it.</summary>
    private static uint CreationMask(SyscallContext ctx) => ctx.Task.Group.Umask;

    /// <summary>umask(2): the kernel keeps the mask it applies to what it creates; the host sets its copy and answers the old one.</summary>
    public static SyscallResult Umask(SyscallContext ctx)
    {
        ctx.Task.Group.Umask = (uint)ctx.Arg(0) & 0x1FF;
        return SyscallResult.RunOnHost;
    }

    /// <summary>The group of a new inode: the directory's if it is set-group-ID, else the caller's.</summary>
    private static uint NewGid(SyscallContext ctx, Inode dir) => (dir.Mode & 0x400) != 0 ? dir.Gid : Caller(ctx).Gid;

    /// <summary>mkdir(2)</summary>
    public static SyscallResult Mkdir(SyscallContext ctx) => MkdirAt(ctx, AtFlags.AT_FDCWD, 0, (uint)ctx.Arg(1));

    /// <summary>mkdirat(2)</summary>
    public static SyscallResult Mkdirat(SyscallContext ctx) => MkdirAt(ctx, ctx.IntArg(0), 1, (uint)ctx.Arg(2));

    private static SyscallResult MkdirAt(SyscallContext ctx, int dirfd, int pathArg, uint mode)
    {
        if (ReadOnlyRoot(ctx)) return ReadOnlyPath(ctx);
        if (!NewName(ctx, dirfd, pathArg, directory: true).TryGet(out LastName at, out Errno e)) return e;
        Inode dir = at.Parent.Inode;
        // A set-group-ID directory passes its group and the bit itself on to subdirectories.
        uint bits = (mode & 0x3FF & ~CreationMask(ctx)) | (dir.Mode & 0x400);
        if (!dir.Mkdir(at.Name, bits, Caller(ctx).Uid, NewGid(ctx, dir)).TryGet(out Inode? made, out e)) return e;
        ctx.Kernel.Fsnotify.Create(dir, at.Name, made);
        return 0;
    }

    /// <summary>mknod(2)</summary>
    public static SyscallResult Mknod(SyscallContext ctx) => MknodAt(ctx, AtFlags.AT_FDCWD, 0, (uint)ctx.Arg(1));

    /// <summary>mknodat(2)</summary>
    public static SyscallResult Mknodat(SyscallContext ctx) => MknodAt(ctx, ctx.IntArg(0), 1, (uint)ctx.Arg(2));

    /// <summary>Regular files, FIFOs, sockets, and (for root) device nodes.</summary>
    private static SyscallResult MknodAt(SyscallContext ctx, int dirfd, int pathArg, uint mode)
    {
        if (ReadOnlyRoot(ctx)) return ReadOnlyPath(ctx);
        uint type = mode & FileMode.S_IFMT;
        if (type == 0) type = FileMode.S_IFREG;
        // may_mknod, before the name is looked at.
        if (type == FileMode.S_IFDIR) return Errno.EPERM;
        if (type is not (FileMode.S_IFREG or FileMode.S_IFIFO or FileMode.S_IFSOCK or FileMode.S_IFCHR or FileMode.S_IFBLK)) return Errno.EINVAL;
        if (!NewName(ctx, dirfd, pathArg, directory: false).TryGet(out LastName at, out Errno e)) return e;
        Inode dir = at.Parent.Inode;
        if (type is FileMode.S_IFCHR or FileMode.S_IFBLK)
        {
            // vfs_mknod: only a caller with CAP_MKNOD makes device nodes. Opening one reaches the host's
            // device only for the safe pseudo-devices (Dev.HostDevices), as on a nodev mount otherwise.
            if (!Caller(ctx).Capable(Capabilities.CAP_MKNOD)) return Errno.EPERM;
            uint dev = (uint)ctx.Arg(pathArg + 2);
            uint major = (dev & 0xfff00) >> 8, minor = (dev & 0xff) | ((dev >> 12) & 0xfff00);
            uint bits = type | (mode & 0xFFF & ~CreationMask(ctx));
            if (!dir.MakeDevice(at.Name, bits, Vfs.SuperBlock.MakeDev(major, minor), Caller(ctx).Uid, NewGid(ctx, dir)).TryGet(out Inode? node, out e)) return e;
            ctx.Kernel.Fsnotify.Create(dir, at.Name, node);
            return 0;
        }
        if (!dir.Create(at.Name, type | (mode & 0xFFF & ~CreationMask(ctx)), Caller(ctx).Uid, NewGid(ctx, dir)).TryGet(out Inode? made, out e)) return e;
        ctx.Kernel.Fsnotify.Create(dir, at.Name, made);
        return 0;
    }

    /// <summary>symlink(2)</summary>
    public static SyscallResult Symlink(SyscallContext ctx) => SymlinkAt(ctx, AtFlags.AT_FDCWD, 1);

    /// <summary>symlinkat(2)</summary>
    public static SyscallResult Symlinkat(SyscallContext ctx) => SymlinkAt(ctx, ctx.IntArg(1), 2);

    private static SyscallResult SymlinkAt(SyscallContext ctx, int dirfd, int pathArg)
    {
        if (ReadOnlyRoot(ctx)) return ReadOnlyPath(ctx);
        if (!ctx.ReadPath(0).TryGet(out string? target, out Errno e)) return e;
        if (target.Length == 0) return Errno.ENOENT;
        if (!NewName(ctx, dirfd, pathArg, directory: false).TryGet(out LastName at, out e)) return e;
        Inode dir = at.Parent.Inode;
        if (!dir.Symlink(at.Name, Names.ToBytes(target), Caller(ctx).Uid, NewGid(ctx, dir)).TryGet(out Inode? made, out e)) return e;
        ctx.Kernel.Fsnotify.Create(dir, at.Name, made);
        return 0;
    }

    /// <summary>link(2)</summary>
    public static SyscallResult Link(SyscallContext ctx) => LinkAt(ctx, AtFlags.AT_FDCWD, 0, AtFlags.AT_FDCWD, 1, 0);

    /// <summary>linkat(2)</summary>
    public static SyscallResult Linkat(SyscallContext ctx) => LinkAt(ctx, ctx.IntArg(0), 1, ctx.IntArg(2), 3, ctx.IntArg(4));

    /// <summary>
    /// do_linkat: the existing file first (following a last symlink only with AT_SYMLINK_FOLLOW; AT_EMPTY_PATH
    /// names the descriptor's own file, which is how an O_TMPFILE file gets its name), then the new name.
    /// </summary>
    private static SyscallResult LinkAt(SyscallContext ctx, int oldDirfd, int oldArg, int newDirfd, int newArg, int flags)
    {
        if (ReadOnlyRoot(ctx)) return ReadOnlyPath(ctx);
        if ((flags & ~(AtFlags.AT_SYMLINK_FOLLOW | AtFlags.AT_EMPTY_PATH)) != 0) return Errno.EINVAL;
        bool follow = (flags & AtFlags.AT_SYMLINK_FOLLOW) != 0;
        if (!ResolveAt(ctx, oldDirfd, oldArg, follow, (flags & AtFlags.AT_EMPTY_PATH) != 0).TryGet(out Dentry? old, out Errno e)) return e;
        if (!NewName(ctx, newDirfd, newArg, directory: false).TryGet(out LastName at, out e)) return e;
        if (old == null || old.Inode.SuperBlock != at.Parent.Inode.SuperBlock) return Errno.EXDEV;
        if (old.Inode.IsDirectory) return Errno.EPERM;
        // An unnamed file (O_TMPFILE) may get a name; a file whose last name is gone as well, which Linux refuses.
        if ((e = at.Parent.Inode.Link(at.Name, old.Inode)) != Errno.OK) return e;
        ctx.Kernel.Fsnotify.Link(at.Parent.Inode, at.Name, old.Inode);
        return 0;
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

    /// <summary>do_unlinkat and do_rmdir: parent, "." and "..", read-only mount, the name, its type, permission, mount points.</summary>
    private static SyscallResult RemoveAt(SyscallContext ctx, int dirfd, int pathArg, bool rmdir)
    {
        if (ReadOnlyRoot(ctx)) return ReadOnlyPath(ctx);
        if (!ctx.ReadPath(pathArg).TryGet(out string? path, out Errno e)) return e;
        if (!ParentOf(ctx, dirfd, path).TryGet(out LastName at, out e)) return e;
        if (!at.IsNormal) return !rmdir ? Errno.EISDIR : at.Name == "." ? Errno.EINVAL : at.Name == ".." ? Errno.ENOTEMPTY : Errno.EBUSY;
        if (at.Parent.Inode.SuperBlock.ReadOnly) return Errno.EROFS;
        if (!Child(at).TryGet(out Inode? child, out e)) return e;
        if (!rmdir && at.TrailingSlash) return child.IsDirectory ? Errno.EISDIR : Errno.ENOTDIR;
        if ((e = MayRemoveFrom(ctx, at.Parent.Inode, child)) != Errno.OK) return e;
        if (rmdir)
        {
            if (!child.IsDirectory) return Errno.ENOTDIR;
            if (IsMountPoint(ctx, child)) return Errno.EBUSY;
            e = at.Parent.Inode.Rmdir(at.Name);
        }
        else
        {
            if (child.IsDirectory) return Errno.EISDIR;
            if (IsMountPoint(ctx, child)) return Errno.EBUSY;
            e = at.Parent.Inode.Unlink(at.Name);
        }
        if (e != Errno.OK) return e;
        ctx.Kernel.Fsnotify.Delete(at.Parent.Inode, at.Name, child);
        return 0;
    }

    /// <summary>rename(2)</summary>
    public static SyscallResult Rename(SyscallContext ctx) => RenameAt(ctx, AtFlags.AT_FDCWD, 0, AtFlags.AT_FDCWD, 1, 0);

    /// <summary>renameat(2)</summary>
    public static SyscallResult Renameat(SyscallContext ctx) => RenameAt(ctx, ctx.IntArg(0), 1, ctx.IntArg(2), 3, 0);

    /// <summary>renameat2(2): RENAME_NOREPLACE and RENAME_EXCHANGE; RENAME_WHITEOUT is refused (EINVAL).</summary>
    public static SyscallResult Renameat2(SyscallContext ctx) => RenameAt(ctx, ctx.IntArg(0), 1, ctx.IntArg(2), 3, (uint)ctx.Arg(4));

    /// <summary>do_renameat2, in its order: flags, both parents, ".." and ".", mounts (EXDEV), read-only, the names, loops, types.</summary>
    private static SyscallResult RenameAt(SyscallContext ctx, int oldDirfd, int oldArg, int newDirfd, int newArg, uint flags)
    {
        if (ReadOnlyRoot(ctx)) return ReadOnlyPath(ctx);
        if ((flags & ~(uint)(RENAME_NOREPLACE | RENAME_EXCHANGE | RENAME_WHITEOUT)) != 0) return Errno.EINVAL;
        if ((flags & RENAME_NOREPLACE) != 0 && (flags & RENAME_EXCHANGE) != 0) return Errno.EINVAL;
        if ((flags & RENAME_WHITEOUT) != 0) return Errno.EINVAL;
        bool exchange = (flags & RENAME_EXCHANGE) != 0, noReplace = (flags & RENAME_NOREPLACE) != 0;

        if (!ctx.ReadPath(oldArg).TryGet(out string? oldPath, out Errno e)) return e;
        if (!ctx.ReadPath(newArg).TryGet(out string? newPath, out e)) return e;
        if (!ParentOf(ctx, oldDirfd, oldPath).TryGet(out LastName from, out e)) return e;
        if (!ParentOf(ctx, newDirfd, newPath).TryGet(out LastName to, out e)) return e;
        if (!from.IsNormal) return Errno.EBUSY;
        if (!to.IsNormal) return noReplace ? Errno.EEXIST : Errno.EBUSY;
        if (from.Parent.Inode.SuperBlock != to.Parent.Inode.SuperBlock) return Errno.EXDEV;
        if (from.Parent.Inode.SuperBlock.ReadOnly) return Errno.EROFS;

        if (!Child(from).TryGet(out Inode? moving, out e)) return e;
        bool targetExists = Child(to).TryGet(out Inode? target, out e);
        if (!targetExists && (exchange || e != Errno.ENOENT)) return e;
        if (targetExists && noReplace) return Errno.EEXIST;
        if (!moving.IsDirectory && (from.TrailingSlash || (to.TrailingSlash && !exchange))) return Errno.ENOTDIR;
        if (exchange && !target!.IsDirectory && to.TrailingSlash) return Errno.ENOTDIR;
        if (ReferenceEquals(moving, target)) return 0;

        if ((e = MayRemoveFrom(ctx, from.Parent.Inode, moving)) != Errno.OK) return e;
        if ((e = targetExists ? MayRemoveFrom(ctx, to.Parent.Inode, target!) : MayChangeDirectory(ctx, to.Parent.Inode)) != Errno.OK) return e;
        // A directory cannot move below itself; a target that is an ancestor of the source is not empty.
        if (IsAncestor(moving, to.Parent)) return Errno.EINVAL;
        if (targetExists && IsAncestor(target!, from.Parent)) return exchange ? Errno.EINVAL : Errno.ENOTEMPTY;
        if (targetExists && !exchange)
        {
            if (moving.IsDirectory && !target!.IsDirectory) return Errno.ENOTDIR;
            if (!moving.IsDirectory && target!.IsDirectory) return Errno.EISDIR;
        }
        if (IsMountPoint(ctx, moving) || (targetExists && IsMountPoint(ctx, target!))) return Errno.EBUSY;
        if ((e = from.Parent.Inode.Rename(from.Name, to.Parent.Inode, to.Name, exchange)) != Errno.OK) return e;
        var held = new List<Dentry>(ctx.Kernel.HostFiles.HeldDentries);
        foreach (Tasks.Task t in ctx.Kernel.Pids.All) held.Add(t.Group.Cwd);
        Dentry.Move(held, from.Parent.Inode, from.Name, moving, to.Parent, to.Name);
        if (exchange) Dentry.Move(held, to.Parent.Inode, to.Name, target!, from.Parent, from.Name);
        ctx.Kernel.Fsnotify.Move(from.Parent.Inode, from.Name, to.Parent.Inode, to.Name, moving, targetExists ? target : null, exchange);
        return 0;
    }

    /// <summary>Whether <paramref name="inode"/> is <paramref name="dir"/> or one of the directories above it.</summary>
    private static bool IsAncestor(Inode inode, Dentry dir)
    {
        for (Dentry? d = dir; d != null; d = d.Parent)
            if (ReferenceEquals(d.Inode, inode)) return true;
        return false;
    }
}
