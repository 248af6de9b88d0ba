using UserKernel.Kernel.Abi;
using static UserKernel.Kernel.Abi.OpenFlags;

namespace UserKernel.Kernel.Vfs;

/// <summary>The file an open found or made, and the flags left for opening it (O_EXCL and O_TMPFILE are done with).</summary>
public readonly record struct OpenIntent(Dentry File, int Flags);

/// <summary>open(2)'s side of the VFS (path_openat): find or make the file, and check that it may be opened so.</summary>
public sealed partial class Namei
{
    /// <summary>
    /// path_openat, up to the file being opened: the walk (O_NOFOLLOW), O_CREAT's new file (at a dangling symlink's
    /// target unless O_EXCL), O_TMPFILE's unnamed one, then do_open's and may_open's checks in Linux's order: O_EXCL,
    /// O_DIRECTORY, symlinks, directories, permission, O_NOATIME, sockets, the read-only mount, and for a writer the
    /// file's copy-up (<see cref="PrepareWrite"/>). Opening the host object for the guest is the caller's.
    /// </summary>
    public Result<OpenIntent> OpenAt(PathAt at, int flags, uint mode, FsCaller who)
    {
        bool tmpfile = (flags & O_TMPFILE) == O_TMPFILE;
        int access = flags & O_ACCMODE;
        bool writing = access != O_RDONLY || (flags & O_TRUNC) != 0;
        bool made = false;
        // build_open_flags: an unnamed file is made to be written.
        if (tmpfile && access == O_RDONLY) return Errno.EINVAL;

        if (!Lookup(at, (flags & O_NOFOLLOW) == 0, who).TryGet(out Dentry? found, out Errno e))
        {
            if (e != Errno.ENOENT || (flags & O_CREAT) == 0) return e;
            if (!CreateForOpen(at, flags, mode, who).TryGet(out found, out e)) return e;
            flags &= ~O_EXCL;
            made = true;
        }
        if (tmpfile)
        {
            if (!CreateUnnamed(found, mode, who).TryGet(out found, out e)) return e;
            flags &= ~O_TMPFILE;
            made = true;
        }
        if ((flags & O_CREAT) != 0 && (flags & O_EXCL) != 0) return Errno.EEXIST;

        Inode inode = found.Inode;
        bool path = (flags & O_PATH) != 0;
        // Linux checks O_DIRECTORY (do_open) before refusing a symlink (may_open).
        if ((flags & O_DIRECTORY) != 0 && !inode.IsDirectory) return Errno.ENOTDIR;
        if (path) return new OpenIntent(found, flags);
        if (inode.IsSymlink) return Errno.ELOOP;
        if (inode.IsDirectory && (writing || (flags & O_CREAT) != 0)) return Errno.EISDIR;
        // A host object (a pipe reached through /proc/PID/fd/N) is the host's to check: the kernel owns every one.
        if (inode is HostObjectInode) return new OpenIntent(found, flags);
        if (!made && !MayOpen(inode, access, writing, who)) return Errno.EACCES;
        // may_open: O_NOATIME only for the file's owner (or CAP_FOWNER).
        if ((flags & O_NOATIME) != 0 && !Permissions.IsOwnerOrCapable(who.Credentials, inode)) return Errno.EPERM;

        uint type = inode.Mode & FileMode.S_IFMT;
        // Writing to a device or a FIFO changes no filesystem (special_file), so a read-only mount does not refuse it.
        if (type is FileMode.S_IFCHR or FileMode.S_IFBLK) return new OpenIntent(found, flags);
        if (type == FileMode.S_IFSOCK) return Errno.ENXIO;
        if (writing && type != FileMode.S_IFIFO && found.IsReadOnly && !inode.TakesWrites) return Errno.EROFS;
        if (writing && type == FileMode.S_IFREG && (e = PrepareWrite(inode, flags, who)) != Errno.OK) return e;
        return new OpenIntent(found, flags);
    }

    /// <summary>
    /// open(O_CREAT) of a name that does not resolve: a new regular file, made where a dangling symlink points (unless
    /// O_EXCL, which refuses the symlink with EEXIST). A trailing slash asks for a directory: EISDIR. On a read-only
    /// mount EROFS, once the directory is found and the name is known to be missing.
    /// </summary>
    private Result<Dentry> CreateForOpen(PathAt at, int flags, uint mode, FsCaller who)
    {
        for (int links = 0; ; links++)
        {
            if (!LookupParent(at, who).TryGet(out LastName last, out Errno e)) return e;
            if (!last.IsNormal || last.TrailingSlash) return Errno.EISDIR;
            if (!last.Lookup().TryGet(out Inode? existing, out _))
            {
                Inode dir = last.Parent.Inode;
                if ((e = last.Parent.WantWrite()) != Errno.OK || (e = MayCreate(dir, who)) != Errno.OK) return e;
                if (!dir.Create(last.Name, FileMode.S_IFREG | Masked(mode, who), who.Credentials.Uid, NewGid(dir, who)).TryGet(out Inode? made, out e)) return e;
                fsnotify.Create(dir, last.Name, made);
                return last.Parent.Child(last.Name, made);
            }
            // The name is a symlink to nowhere: the file is made at its target.
            if (!existing.IsSymlink || (flags & O_EXCL) != 0) return Errno.EEXIST;
            if ((flags & O_NOFOLLOW) != 0 || links >= PathWalk.MAXSYMLINKS) return Errno.ELOOP;
            if (!existing.ReadLink().TryGet(out byte[]? target, out e)) return e;
            if (target.Length == 0) return Errno.ENOENT;
            at = new PathAt(last.Parent, Names.FromBytes(target));
        }
    }

    /// <summary>open(O_TMPFILE): an unnamed regular file in the directory's filesystem (do_tmpfile: ENOTDIR, EROFS, EACCES).</summary>
    private static Result<Dentry> CreateUnnamed(Dentry dir, uint mode, FsCaller who)
    {
        if (!dir.Inode.IsDirectory) return Errno.ENOTDIR;
        Errno e = dir.WantWrite();
        if (e != Errno.OK || (e = MayCreate(dir.Inode, who)) != Errno.OK) return e;
        if (!dir.Inode.CreateUnnamed(Masked(mode, who), who.Credentials.Uid, NewGid(dir.Inode, who)).TryGet(out Inode? made, out e))
            return e == Errno.EPERM ? Errno.EOPNOTSUPP : e;
        return new Dentry("#" + made.Ino.ToString(System.Globalization.CultureInfo.InvariantCulture), dir, made);
    }

    /// <summary>
    /// may_open: read permission for O_RDONLY and O_RDWR, write permission for O_WRONLY, O_RDWR and O_TRUNC, checked
    /// with the filesystem ids. A write to a regular file or directory of a read-only filesystem is left to answer
    /// EROFS, which Linux checks first there (sb_permission); a read-only mount is asked after permission.
    /// </summary>
    private static bool MayOpen(Inode inode, int access, bool writing, FsCaller who)
    {
        int want = access == O_WRONLY ? 0 : AccessMode.R_OK;
        if (writing && !(inode.SuperBlock.ReadOnly && !inode.TakesWrites && (inode.IsRegular || inode.IsDirectory))) want |= AccessMode.W_OK;
        return Permissions.May(who.Credentials, inode, want);
    }

    /// <summary>
    /// Opening a regular file for writing: write permission, not a program some process runs (ETXTBSY), then the file's
    /// bytes become a writable stored file (the overlay's copy-up); O_TRUNC empties it here, since the kernel opens the
    /// stored file without it.
    /// </summary>
    private Errno PrepareWrite(Inode inode, int flags, FsCaller who)
    {
        if ((flags & O_ACCMODE) != O_RDONLY && !Permissions.May(who.Credentials, inode, AccessMode.W_OK)) return Errno.EACCES;
        if (isRunning(inode)) return Errno.ETXTBSY;
        Errno e = inode.PrepareWrite();
        if (e == Errno.OK && (flags & O_TRUNC) != 0 && inode.Size != 0) e = inode.SetAttributes(size: 0);
        return e;
    }
}
