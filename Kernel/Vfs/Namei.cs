using System;
using System.Collections.Generic;
using UserKernel.Kernel.Abi;
using UserKernel.Kernel.Tasks;
using UserKernel.Kernel.Vfs.Notify;

namespace UserKernel.Kernel.Vfs;

/// <summary>
/// A path argument and where it is taken from: the directory a relative <paramref name="Path"/> starts in (the working
/// directory, or a dirfd's); an absolute one starts at the caller's root. A path that could not be read, or a dirfd
/// that names no directory, carries its <paramref name="Error"/> to the lookup, which reports it where Linux does
/// (after an operation's flags are checked).
/// </summary>
public readonly record struct PathAt(Dentry Start, string Path, Errno Error = Errno.OK)
{
    public static PathAt Failed(Errno error) => new(null!, "", error);
}

/// <summary>Who asks for a path operation: credentials, root directory (chroot) and umask, as Linux's current_cred()
/// and current->fs give them.</summary>
public readonly record struct FsCaller(Credentials Credentials, Dentry Root, uint Umask);

/// <summary>
/// The path operations of the VFS in Linux's shape (fs/namei.c, fs/open.c, fs/attr.c): each takes where its path
/// starts, the path and the caller, makes its checks where Linux makes them (the mount's read-only flag, mnt_want_write,
/// included), asks the filesystem (<see cref="Inode.Mkdir"/> and its siblings) and raises the inotify events. The
/// syscall handlers only decode their arguments and call one of these.
/// </summary>
public sealed partial class Namei
{
    private readonly MountTable mounts;
    private readonly PathWalk walk;
    private readonly Fsnotify fsnotify;
    private readonly Func<Inode, bool> isRunning;
    private readonly Func<IEnumerable<Dentry>> heldDentries;

    /// <param name="isRunning">Whether a process runs the file as its program (ETXTBSY for a writer).</param>
    /// <param name="heldDentries">The dentries the kernel holds (working directories, open files), which a rename moves.</param>
    public Namei(MountTable mounts, PathWalk walk, Fsnotify fsnotify, Func<Inode, bool> isRunning, Func<IEnumerable<Dentry>> heldDentries)
    {
        this.mounts = mounts;
        this.walk = walk;
        this.fsnotify = fsnotify;
        this.isRunning = isRunning;
        this.heldDentries = heldDentries;
    }

    /// <summary>The directory holding a path's last component, the component, and whether the path ended in '/'.</summary>
    public readonly record struct LastName(Dentry Parent, string Name, bool TrailingSlash)
    {
        /// <summary>"." and ".." (and "/" itself) name no entry that could be made or removed (not LAST_NORM).</summary>
        public bool IsNormal => Name is not ("." or ".." or "/");

        /// <summary>The inode the name leads to in its directory, a mount point not crossed.</summary>
        public Result<Inode> Lookup() => Parent.Inode.Lookup(Name);
    }

    /// <summary>filename_lookup: the whole path, the last symlink followed when <paramref name="follow"/>.</summary>
    public Result<Dentry> Lookup(PathAt at, bool follow, FsCaller who) =>
        at.Error != Errno.OK ? at.Error : walk.Resolve(who.Credentials, at.Start, at.Path, follow, who.Root);

    /// <summary>
    /// filename_parentat: the directory holding the path's last component (symlinks on the way followed) and the
    /// component. ENOENT for an empty path, then the walk's errors, ENOTDIR, ENAMETOOLONG.
    /// </summary>
    public Result<LastName> LookupParent(PathAt at, FsCaller who)
    {
        if (at.Error != Errno.OK) return at.Error;
        string path = at.Path;
        if (path.Length == 0) return Errno.ENOENT;
        string trimmed = path.TrimEnd('/');
        if (trimmed.Length == 0) return new LastName(who.Root, "/", true);
        int slash = trimmed.LastIndexOf('/');
        string dir = slash < 0 ? "." : slash == 0 ? "/" : trimmed[..slash];
        if (!walk.Resolve(who.Credentials, at.Start, dir, true, who.Root).TryGet(out Dentry? parent, out Errno e)) return e;
        if (!parent.Inode.IsDirectory) return Errno.ENOTDIR;
        string name = trimmed[(slash + 1)..];
        if (name.Length > PathWalk.NAME_MAX) return Errno.ENAMETOOLONG;
        return new LastName(parent, name, trimmed.Length != path.Length);
    }

    /// <summary>
    /// filename_create: the parent of a name about to be made. EEXIST if the name is "." or ".." or exists (a dangling
    /// symlink included); ENOENT for a trailing slash unless a directory is made; then EROFS for a read-only mount. The
    /// permission to add the name (<see cref="MayCreate"/>) is the operation's to ask, where Linux asks it.
    /// </summary>
    public Result<LastName> CreateName(PathAt at, bool directory, FsCaller who)
    {
        if (!LookupParent(at, who).TryGet(out LastName last, out Errno e)) return e;
        if (!last.IsNormal) return Errno.EEXIST;
        // Linux takes the mount for writing first but reports the other errors before its EROFS.
        Errno readOnly = last.Parent.WantWrite();
        if (last.Lookup().Ok) return Errno.EEXIST;
        if (last.TrailingSlash && !directory) return Errno.ENOENT;
        return readOnly != Errno.OK ? readOnly : last;
    }

    /// <summary>may_create: write and search permission on the directory (EACCES).</summary>
    public static Errno MayCreate(Inode dir, FsCaller who) =>
        Permissions.May(who.Credentials, dir, AccessMode.W_OK | AccessMode.X_OK) ? Errno.OK : Errno.EACCES;

    /// <summary>
    /// may_delete: write and search permission on the directory, then its sticky bit (/tmp): only root, the directory's
    /// owner and the file's owner may remove or replace the file (EPERM).
    /// </summary>
    public static Errno MayDelete(Inode dir, Inode victim, FsCaller who)
    {
        Errno e = MayCreate(dir, who);
        if (e != Errno.OK) return e;
        uint uid = who.Credentials.Uid;
        bool sticky = (dir.Mode & 0x200) != 0;
        return sticky && uid != 0 && uid != dir.Uid && uid != victim.Uid ? Errno.EPERM : Errno.OK;
    }

    /// <summary>The group of a new inode: the directory's if it is set-group-ID, else the caller's.</summary>
    public static uint NewGid(Inode dir, FsCaller who) => (dir.Mode & 0x400) != 0 ? dir.Gid : who.Credentials.Gid;

    /// <summary>Permission bits of a new inode: <paramref name="mode"/> less the caller's umask.</summary>
    private static uint Masked(uint mode, FsCaller who) => mode & 0xFFF & ~who.Umask;

    private bool IsMountPoint(Inode inode) => mounts.IsMountPoint(inode);

    /// <summary>Whether <paramref name="inode"/> is <paramref name="dir"/> or one of the directories above it.</summary>
    private static bool IsAncestor(Inode inode, Dentry dir)
    {
        for (Dentry? d = dir; d != null; d = d.Parent)
            if (ReferenceEquals(d.Inode, inode)) return true;
        return false;
    }
}
