using UserKernel.Kernel.Abi;
using UserKernel.Kernel.Tasks;
using UserKernel.Kernel.Vfs.Notify;

namespace UserKernel.Kernel.Vfs;

/// <summary>
/// The changes of an inode's metadata (fs/open.c, fs/utimes.c, fs/attr.c): chmod_common, chown_common, vfs_utimes,
/// vfs_truncate. Each takes the file already found (by path or by descriptor) and first takes its mount for writing.
/// Ownership and modes are recorded in the kernel's filesystem only, never on a host file.
/// </summary>
public sealed partial class Namei
{
    private const uint S_ISUID = 0x800, S_ISGID = 0x400, S_IXGRP = 0x8;

    /// <summary>chmod_common: EROFS; a symlink's mode cannot change (EOPNOTSUPP); EPERM unless the caller owns the file (or has CAP_FOWNER).</summary>
    public Errno ChangeMode(Dentry file, uint mode, FsCaller who)
    {
        Errno e = file.WantWrite();
        if (e != Errno.OK) return e;
        Inode inode = file.Inode;
        if (inode.IsSymlink) return Errno.EOPNOTSUPP;
        Credentials cred = who.Credentials;
        if (!Permissions.IsOwnerOrCapable(cred, inode)) return Errno.EPERM;
        mode &= 0xFFF;
        // Only a member of the file's group (or a caller with CAP_FSETID) may set its set-group-ID bit.
        if (!cred.InGroup(inode.Gid) && !cred.Capable(Capabilities.CAP_FSETID)) mode &= ~S_ISGID;
        return fsnotify.Change(file, AttributeChange.Attributes, () => inode.SetAttributes(mode: mode));
    }

    /// <summary>
    /// chown_common: -1 leaves an id as it is. Only CAP_CHOWN gives a file away; an owner may change its group to
    /// one of its own. Like Linux, any chown of a non-directory clears set-user-ID, and set-group-ID where group-execute is set.
    /// </summary>
    public Errno ChangeOwner(Dentry file, uint uid, uint gid, FsCaller who)
    {
        Errno e = file.WantWrite();
        if (e != Errno.OK) return e;
        Inode inode = file.Inode;
        uint? newUid = uid == uint.MaxValue ? null : uid;
        uint? newGid = gid == uint.MaxValue ? null : gid;
        Credentials cred = who.Credentials;
        if (!cred.Capable(Capabilities.CAP_CHOWN))
        {
            if (newUid is uint u && u != inode.Uid) return Errno.EPERM;
            if (newGid is uint g && g != inode.Gid && (cred.Uid != inode.Uid || !cred.InGroup(g))) return Errno.EPERM;
        }
        uint? newMode = null;
        if (!inode.IsDirectory)
        {
            uint m = inode.Mode & 0xFFF & ~S_ISUID;
            if ((m & S_IXGRP) != 0) m &= ~S_ISGID;
            if (m != (inode.Mode & 0xFFF)) newMode = m;
        }
        return fsnotify.Change(file, AttributeChange.Attributes, () => inode.SetAttributes(mode: newMode, uid: newUid, gid: newGid));
    }

    /// <summary>
    /// vfs_utimes: EROFS; setting both times to now (<paramref name="bothNow"/>) needs ownership or write permission
    /// (EACCES), any other time ownership (EPERM); CAP_FOWNER may do either. A null time is left as it is.
    /// </summary>
    public Errno ChangeTimes(Dentry file, Timespec? atime, Timespec? mtime, bool bothNow, FsCaller who)
    {
        Errno e = file.WantWrite();
        if (e != Errno.OK) return e;
        Inode inode = file.Inode;
        if (!Permissions.IsOwnerOrCapable(who.Credentials, inode))
        {
            if (!bothNow) return Errno.EPERM;
            if (!Permissions.May(who.Credentials, inode, AccessMode.W_OK)) return Errno.EACCES;
        }
        if (bothNow && atime == null) atime = mtime = Timespec.Now();
        AttributeChange change = mtime == null ? AttributeChange.AccessTime : atime == null ? AttributeChange.ModifyTime : AttributeChange.Times;
        return fsnotify.Change(file, change, () => inode.SetAttributes(atime: atime, mtime: mtime));
    }

    /// <summary>
    /// vfs_truncate: EISDIR, EINVAL for what is no regular file, EROFS, EACCES, ETXTBSY for a running program, then
    /// inode_newsize_ok: EFBIG past <paramref name="fileSizeLimit"/> (the caller's RLIMIT_FSIZE; the caller sends SIGXFSZ).
    /// The stored file is cut or grown by the kernel (ENOSPC past the store's room).
    /// </summary>
    public Errno Truncate(Dentry file, long length, ulong fileSizeLimit, FsCaller who)
    {
        Inode inode = file.Inode;
        if (inode.IsDirectory) return Errno.EISDIR;
        if (!inode.IsRegular) return Errno.EINVAL;
        Errno e = file.WantWrite();
        if (e != Errno.OK) return e;
        if (!Permissions.May(who.Credentials, inode, AccessMode.W_OK)) return Errno.EACCES;
        if (isRunning(inode)) return Errno.ETXTBSY;
        if (length > inode.Size && (ulong)length > fileSizeLimit) return Errno.EFBIG;
        return fsnotify.Change(file, AttributeChange.ModifyTime, () => inode.SetAttributes(size: length));
    }
}
