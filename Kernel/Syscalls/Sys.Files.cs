using System;
using System.Buffers.Binary;
using UserKernel.Kernel.Abi;
using UserKernel.Kernel.Guest;
using UserKernel.Kernel.Vfs;
using static UserKernel.Kernel.Abi.OpenFlags;

namespace UserKernel.Kernel.Syscalls;

/// <summary>open(2) and its relatives: the kernel resolves the name, opens the host object that stands for it, and installs the descriptor.</summary>
public static partial class Sys
{
    /// <summary>open(2)</summary>
    public static SyscallResult Open(SyscallContext ctx) => OpenAt(ctx, AtFlags.AT_FDCWD, 0, ctx.IntArg(1), (uint)ctx.Arg(2));

    /// <summary>openat(2)</summary>
    public static SyscallResult Openat(SyscallContext ctx) => OpenAt(ctx, ctx.IntArg(0), 1, ctx.IntArg(2), (uint)ctx.Arg(3));

    /// <summary>creat(2): open with O_CREAT|O_WRONLY|O_TRUNC.</summary>
    public static SyscallResult Creat(SyscallContext ctx) => OpenAt(ctx, AtFlags.AT_FDCWD, 0, O_CREAT | O_WRONLY | O_TRUNC, (uint)ctx.Arg(1));

    /// <summary>openat2(2): struct open_how { u64 flags, mode, resolve }.</summary>
    public static SyscallResult Openat2(SyscallContext ctx)
    {
        ulong size = ctx.Arg(3);
        if (size < 24) return Errno.EINVAL;
        Span<byte> how = stackalloc byte[24];
        if (ctx.Memory.Read(ctx.PtrArg(2), how) != Errno.OK) return Errno.EFAULT;
        ulong flags = BinaryPrimitives.ReadUInt64LittleEndian(how);
        ulong mode = BinaryPrimitives.ReadUInt64LittleEndian(how[8..]);
        ulong resolve = BinaryPrimitives.ReadUInt64LittleEndian(how[16..]);
        if (flags > uint.MaxValue) return Errno.EINVAL;
        if (resolve != 0) return Errno.EINVAL; // RESOLVE_* restrictions are not implemented
        return OpenAt(ctx, ctx.IntArg(0), 1, (int)flags, (uint)mode);
    }

    private static SyscallResult OpenAt(SyscallContext ctx, int dirfd, int pathArg, int flags, uint mode)
    {
        bool follow = (flags & O_NOFOLLOW) == 0;
        bool creating = (flags & O_CREAT) != 0 || (flags & O_TMPFILE) == O_TMPFILE;
        int access = flags & O_ACCMODE;
        bool writing = access != O_RDONLY || (flags & O_TRUNC) != 0;
        bool made = false;

        if (!ResolveAt(ctx, dirfd, pathArg, follow).TryGet(out Dentry? found, out Errno e))
        {
            if (e != Errno.ENOENT || (flags & O_CREAT) == 0) return e;
            if (ReadOnlyRoot(ctx)) return CreateError(ctx, dirfd, pathArg, flags);
            if (!CreateForOpen(ctx, dirfd, pathArg, flags, mode).TryGet(out found, out e)) return e;
            flags &= ~O_EXCL;
            made = true;
        }
        if (found == null) return Errno.ENOTDIR;
        if ((flags & O_TMPFILE) == O_TMPFILE)
        {
            if (ReadOnlyRoot(ctx)) return found.Inode.IsDirectory ? Errno.EROFS : Errno.ENOTDIR;
            if (!CreateUnnamed(ctx, found, flags, mode).TryGet(out Dentry? unnamed, out e)) return e;
            found = unnamed;
            flags &= ~O_TMPFILE;
            creating = false;
            made = true;
        }
        if ((flags & O_CREAT) != 0 && (flags & O_EXCL) != 0) return Errno.EEXIST;

        Inode inode = found.Inode;
        // Linux checks O_DIRECTORY (do_open) before refusing a symlink (may_open).
        if ((flags & O_DIRECTORY) != 0 && !inode.IsDirectory) return Errno.ENOTDIR;
        if (inode.IsSymlink && (flags & O_PATH) == 0) return Errno.ELOOP;
        if (inode.IsDirectory && (writing || creating) && (flags & O_PATH) == 0) return Errno.EISDIR;
        if ((flags & O_PATH) == 0 && !made && inode is not HostObjectInode && !MayOpen(ctx, inode, access, writing)) return Errno.EACCES;
        // may_open: O_NOATIME only for the file's owner (or CAP_FOWNER); the host, where the kernel owns every object, would not ask.
        if ((flags & (O_NOATIME | O_PATH)) == O_NOATIME && inode is not HostObjectInode && !Permissions.IsOwnerOrCapable(Caller(ctx), inode)) return Errno.EPERM;

        uint type = inode.Mode & FileMode.S_IFMT;
        bool closeOnExec = (flags & O_CLOEXEC) != 0;
        string? hostPath = null;
        if ((flags & O_PATH) == 0 && inode is HostObjectInode)
        {
            hostPath = inode.HostDevicePath!; // a pipe, socket or host file reached through /proc/PID/fd/N
        }
        else if ((flags & O_PATH) == 0 && type == FileMode.S_IFCHR && ctx.Kernel.Registry.FindDevice(inode.Rdev) is { } device)
        {
            return OpenKernelDevice(ctx, found, device, flags, closeOnExec);
        }
        else if ((flags & O_PATH) == 0 && type is FileMode.S_IFCHR or FileMode.S_IFBLK)
        {
            // Writing to a device changes no file system, so a read-only root does not refuse it.
            if (!DeviceHostPath(ctx, found).TryGet(out hostPath, out e)) return e;
        }
        else
        {
            if ((flags & O_PATH) == 0 && type == FileMode.S_IFSOCK) return Errno.ENXIO;
            if ((flags & O_PATH) == 0 && writing && type != FileMode.S_IFIFO && inode.SuperBlock.ReadOnly && !inode.TakesWrites) return Errno.EROFS;
            if ((flags & O_PATH) == 0 && writing && type == FileMode.S_IFREG && (e = PrepareWrite(ctx, inode, flags)) != Errno.OK) return e;
            if (!HostFiles.OpenMayBlock(inode, flags))
                return OpenObject(ctx, found, flags).TryGet(out int opened, out e) ? SyscallResult.NewDescriptor(opened, closeOnExec) : e;
            if (!ctx.Kernel.HostFiles.PathFor(found).TryGet(out hostPath, out e)) return e;
        }
        // The kernel opens the object itself; a FIFO's or pipe's open waits for its other end, off the tracer thread.
        string path = hostPath;
        if (HostFiles.OpenMayBlock(inode, flags))
            return OpenBlocking(path, flags, closeOnExec);
        if (!HostFiles.OpenHost(path, flags).TryGet(out int fd, out e)) return e;
        if (type == FileMode.S_IFCHR) ctx.Kernel.Terminals.Allow(fd); // a new pty from /dev/ptmx is the guests'
        return SyscallResult.NewDescriptor(fd, closeOnExec);
    }

    /// <summary>One of the kernel's own devices: its DeviceServer holds the other end of what the guest gets.</summary>
    // Apart from OpenAt, as OpenBlocking is: a lambda there would make every open allocate its closure.
    private static SyscallResult OpenKernelDevice(SyscallContext ctx, Dentry node, Extensions.RegisteredDevice device, int flags, bool closeOnExec)
    {
        var how = new Extensions.DeviceOpen(ctx.Task.Group.Tgid, Caller(ctx).Fsuid, flags);
        return ctx.Kernel.Devices.Open(device, how, fd => ctx.Kernel.HostFiles.Know(fd, node)).TryGet(out int opened, out Errno e)
            ? SyscallResult.NewDescriptor(opened, closeOnExec) : e;
    }

    // Apart from OpenAt, so that its captures are made only for an open that may block: a lambda in OpenAt itself would
    // have every open allocate the closure of the parameters it captures.
    private static SyscallResult OpenBlocking(string path, int flags, bool closeOnExec) =>
        SyscallResult.Blocking(() => HostFiles.OpenHost(path, flags).TryGet(out int fd, out Errno error) ? SyscallResult.NewDescriptor(fd, closeOnExec) : error);

    /// <summary>
    /// The kernel's open of the host object standing for a file, for the guest: through the file's name in its watched
    /// directory's shadow if it has one there, so that directory's watch sees the file's events, else the object itself.
    /// </summary>
    private static Result<int> OpenObject(SyscallContext ctx, Dentry found, int flags) =>
        (flags & O_PATH) == 0 && ctx.Kernel.Fsnotify.TryOpen(found, flags, out Result<int> opened) ? opened : ctx.Kernel.HostFiles.OpenForGuest(found, flags);

    /// <summary>
    /// The host node a device node of the guest's tree stands for: the node's own host path (devfs), else the
    /// host device of its number, through a node of the kernel's where it may make one; EPERM if guests may not
    /// have the device. /dev/tty is the caller's own controlling terminal (ENXIO without one), not the kernel's.
    /// </summary>
    private static Result<string> DeviceHostPath(SyscallContext ctx, Dentry node)
    {
        Inode inode = node.Inode;
        if (inode.Rdev == Vfs.SuperBlock.MakeDev(5, 0) && (inode.Mode & FileMode.S_IFMT) == FileMode.S_IFCHR)
            return Filesystems.Dev.HostDevices.ControllingTerminalOf(ctx.Thread.TerminalNumber) ?? (Result<string>)Errno.ENXIO;
        if (inode.HostDevicePath is { } own) return own;
        string? device = (inode.Mode & FileMode.S_IFMT) == FileMode.S_IFCHR ? Filesystems.Dev.HostDevices.PathFor(inode.Rdev) : null;
        return device == null ? Errno.EPERM : ctx.Kernel.HostFiles.DevicePathFor(node, device);
    }

    /// <summary>
    /// open(O_CREAT) of a name that does not resolve: a new regular file, made where a dangling symlink points
    /// (unless O_EXCL, which refuses the symlink with EEXIST). A trailing slash asks for a directory: EISDIR.
    /// </summary>
    private static Result<Dentry?> CreateForOpen(SyscallContext ctx, int dirfd, int pathArg, int flags, uint mode)
    {
        if (!ctx.ReadPath(pathArg).TryGet(out string? path, out Errno e)) return e;
        for (int links = 0; ; links++)
        {
            if (!ParentOf(ctx, dirfd, path).TryGet(out LastName at, out e)) return e;
            if (!at.IsNormal || at.TrailingSlash) return Errno.EISDIR;
            if (!Child(at).TryGet(out Inode? existing, out _))
            {
                if ((e = MayChangeDirectory(ctx, at.Parent.Inode)) != Errno.OK) return e;
                Inode dir = at.Parent.Inode;
                uint bits = FileMode.S_IFREG | (mode & 0xFFF & ~CreationMask(ctx));
                if (!dir.Create(at.Name, bits, Caller(ctx).Uid, NewGid(ctx, dir)).TryGet(out Inode? made, out e)) return e;
                ctx.Kernel.Fsnotify.Create(dir, at.Name, made);
                return new Dentry(at.Name, at.Parent, made);
            }
            // The name is a symlink to nowhere: the file is made at its target.
            if (!existing.IsSymlink || (flags & O_EXCL) != 0) return Errno.EEXIST;
            if ((flags & O_NOFOLLOW) != 0 || links >= PathWalk.MAXSYMLINKS) return Errno.ELOOP;
            if (!existing.ReadLink().TryGet(out byte[]? target, out e)) return e;
            path = UserKernel.Kernel.Vfs.Names.FromBytes(target);
            if (path.Length == 0) return Errno.ENOENT;
            if (path[0] != '/') path = at.Parent.Path.TrimEnd('/') + "/" + path;
        }
    }

    /// <summary>open(O_TMPFILE): an unnamed regular file in the directory's filesystem; it needs write access.</summary>
    private static Result<Dentry> CreateUnnamed(SyscallContext ctx, Dentry dir, int flags, uint mode)
    {
        if (!dir.Inode.IsDirectory) return Errno.ENOTDIR;
        if ((flags & O_ACCMODE) == O_RDONLY) return Errno.EINVAL;
        Errno e = MayChangeDirectory(ctx, dir.Inode);
        if (e != Errno.OK) return e;
        if (!dir.Inode.CreateUnnamed(mode & 0xFFF & ~CreationMask(ctx), Caller(ctx).Uid, NewGid(ctx, dir.Inode)).TryGet(out Inode? made, out e))
            return e == Errno.EPERM ? Errno.EOPNOTSUPP : e;
        return new Dentry("#" + made.Ino.ToString(System.Globalization.CultureInfo.InvariantCulture), dir, made);
    }

    /// <summary>
    /// may_open: read permission for O_RDONLY and O_RDWR, write permission for O_WRONLY, O_RDWR and O_TRUNC,
    /// checked with the filesystem ids. A file this open made needs neither. A write to a regular file or
    /// directory of a read-only filesystem is left to answer EROFS, which Linux checks first.
    /// </summary>
    private static bool MayOpen(SyscallContext ctx, Inode inode, int access, bool writing)
    {
        int want = access == O_WRONLY ? 0 : AccessMode.R_OK;
        if (writing && !(inode.SuperBlock.ReadOnly && !inode.TakesWrites && (inode.IsRegular || inode.IsDirectory))) want |= AccessMode.W_OK;
        return Permissions.May(Caller(ctx), inode, want);
    }

    /// <summary>
    /// Opening a regular file for writing: write permission, not a program some process runs (ETXTBSY), then the file's
    /// bytes become a writable stored file (the overlay's copy-up); O_TRUNC empties it here, since the kernel opens the
    /// stored file without it.
    /// </summary>
    private static Errno PrepareWrite(SyscallContext ctx, Inode inode, int flags)
    {
        if ((flags & O_ACCMODE) != O_RDONLY && !Permissions.May(Caller(ctx), inode, AccessMode.W_OK)) return Errno.EACCES;
        if (ctx.Kernel.Pids.IsRunning(inode)) return Errno.ETXTBSY;
        Errno e = inode.PrepareWrite();
        if (e == Errno.OK && (flags & O_TRUNC) != 0 && inode.Size != 0) e = inode.SetAttributes(size: 0);
        return e;
    }

    /// <summary>
    /// open(O_CREAT) of a name that does not resolve, on the read-only root. O_EXCL refuses an existing
    /// (dangling) symlink with EEXIST; otherwise the file would be made where the symlink points, so that
    /// directory must exist for EROFS, as on Linux; a plain missing name needs its parent.
    /// </summary>
    private static Errno CreateError(SyscallContext ctx, int dirfd, int pathArg, int flags)
    {
        if (!ResolveAt(ctx, dirfd, pathArg, follow: false).TryGet(out Dentry? link, out _) || link == null || !link.Inode.IsSymlink)
            return ParentExists(ctx, dirfd, pathArg) ? Errno.EROFS : Errno.ENOENT;
        if ((flags & O_EXCL) != 0) return Errno.EEXIST;
        if (!link.Inode.ReadLink().TryGet(out byte[]? raw, out Errno e)) return e;
        string target = UserKernel.Kernel.Vfs.Names.FromBytes(raw);
        int slash = target.TrimEnd('/').LastIndexOf('/');
        if (slash < 0) return Errno.EROFS; // in the link's own directory
        Dentry root = ctx.Task.Group.Root;
        Dentry start = target.StartsWith('/') ? root : link.Parent ?? root;
        if (!ctx.Kernel.Walk.Resolve(ctx.Task.Group.Credentials, start, slash == 0 ? "/" : target[..slash], true, root).TryGet(out Dentry? dir, out e)) return e;
        return dir.Inode.IsDirectory ? Errno.EROFS : Errno.ENOTDIR;
    }

    private static bool ParentExists(SyscallContext ctx, int dirfd, int pathArg) => ParentError(ctx, dirfd, pathArg) == Errno.OK;

    /// <summary>What looking up the directory that would hold the path's last component answers: OK, or the lookup's errno.</summary>
    private static Errno ParentError(SyscallContext ctx, int dirfd, int pathArg)
    {
        if (!ctx.ReadPath(pathArg).TryGet(out string? path, out Errno e)) return e;
        int slash = path.TrimEnd('/').LastIndexOf('/');
        string parent = slash < 0 ? "." : slash == 0 ? "/" : path[..slash];
        if (!ResolveAt(ctx, dirfd, parent, true).TryGet(out Dentry? d, out e)) return e;
        return d != null && d.Inode.IsDirectory ? Errno.OK : Errno.ENOTDIR;
    }

    /// <summary>
    /// mkdir, unlink, rename, chmod, utimensat and the rest of the calls that change a name or its metadata:
    /// the root is read-only, so each answers what Linux answers on a read-only mount, in Linux's order
    /// (a missing name ENOENT, an existing one EEXIST when it would be created, otherwise EROFS).
    /// The calls that remove or rename a name ask for write access right after finding the parent
    /// (<see cref="RemoveError"/>, <see cref="RenameError"/>).
    /// </summary>
    public static SyscallResult ReadOnlyPath(SyscallContext ctx)
    {
        string name = SyscallTable.Lookup(ctx.Number)!.Name;
        // Which argument names the object the call would change or create.
        (int dirfdArg, int pathArg, bool creates) = TargetArgs(name);
        int dirfd = dirfdArg < 0 ? AtFlags.AT_FDCWD : ctx.IntArg(dirfdArg);
        if (name is "rename" or "renameat" or "renameat2") return RenameError(ctx, name, dirfd, pathArg);
        if (name is "unlink" or "unlinkat" or "rmdir") return RemoveError(ctx, name, dirfd, pathArg);
        if (name is "link" or "linkat")
        {
            // do_linkat finds the existing file before it creates the new name.
            (int oldDirfd, int oldPathArg, bool follow) = name == "link"
                ? (AtFlags.AT_FDCWD, 0, false)
                : (ctx.IntArg(0), 1, (ctx.IntArg(4) & AtFlags.AT_SYMLINK_FOLLOW) != 0);
            if (!ResolveAt(ctx, oldDirfd, oldPathArg, follow).TryGet(out _, out Errno le)) return le;
        }
        if (name == "utimensat" && ctx.Arg(1) == 0) return FileOf(ctx, dirfd) != null ? Errno.EROFS : SyscallResult.RunOnHost;

        // The calls that take AT_EMPTY_PATH, and where their flags are.
        int flagsArg = name switch { "fchmodat2" or "utimensat" => 3, "fchownat" => 4, _ => -1 };
        bool emptyPath = flagsArg >= 0 && (ctx.IntArg(flagsArg) & AtFlags.AT_EMPTY_PATH) != 0;
        if (!ResolveAt(ctx, dirfd, pathArg, follow: false, emptyPath).TryGet(out Dentry? found, out Errno e))
            return e == Errno.ENOENT && creates && ParentExists(ctx, dirfd, pathArg) ? Errno.EROFS : e;
        if (creates) return Errno.EEXIST;
        if (found != null) return Errno.EROFS;
        // (fd, "", AT_EMPTY_PATH) on a host object, which no read-only mount holds: as the descriptor's own call.
        return name switch
        {
            "fchmodat2" => OnHostDescriptor(ctx, NR_fchmod, (ulong)dirfd, ctx.Arg(2)),
            "fchownat" => OnHostDescriptor(ctx, NR_fchown, (ulong)dirfd, ctx.Arg(2), ctx.Arg(3)),
            _ => OnHostDescriptor(ctx, NR_utimensat, (ulong)dirfd, 0, ctx.Arg(2), 0),
        };
    }

    /// <summary>
    /// do_renameat2 on a read-only mount: both parents are found (their errno first), then write access
    /// is refused before either name is looked up.
    /// </summary>
    private static Errno RenameError(SyscallContext ctx, string name, int dirfd, int pathArg)
    {
        (int newDirfd, int newPathArg) = name == "rename" ? (AtFlags.AT_FDCWD, 1) : (ctx.IntArg(2), 3);
        Errno e = ParentError(ctx, dirfd, pathArg);
        if (e == Errno.OK) e = ParentError(ctx, newDirfd, newPathArg);
        return e == Errno.OK ? Errno.EROFS : e;
    }

    /// <summary>
    /// do_unlinkat and do_rmdir on a read-only mount: the parent is found, a last component of "." or ".."
    /// refused, then write access refused before the name is looked up, so a missing name or a trailing
    /// slash on a file is EROFS too.
    /// </summary>
    private static Errno RemoveError(SyscallContext ctx, string name, int dirfd, int pathArg)
    {
        if (!ctx.ReadPath(pathArg).TryGet(out string? path, out Errno e)) return e;
        if (path.Length == 0) return Errno.ENOENT;
        if ((e = ParentError(ctx, dirfd, pathArg)) != Errno.OK) return e;
        string trimmed = path.TrimEnd('/');
        string last = trimmed[(trimmed.LastIndexOf('/') + 1)..];
        bool rmdir = name == "rmdir" || (name == "unlinkat" && (ctx.IntArg(2) & AtFlags.AT_REMOVEDIR) != 0);
        if (last is "." or "..") return !rmdir ? Errno.EISDIR : last == "." ? Errno.EINVAL : Errno.ENOTEMPTY;
        return Errno.EROFS;
    }

    /// <summary>fchmod and fchown with a read-only root: EROFS on the kernel's files, the host's own answer otherwise.</summary>
    public static SyscallResult ReadOnlyFd(SyscallContext ctx) =>
        FileOf(ctx, ctx.IntArg(0)) == null ? SyscallResult.RunOnHost : Errno.EROFS;
}
