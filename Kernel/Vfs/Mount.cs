using UserKernel.Kernel.Abi;

namespace UserKernel.Kernel.Vfs;

/// <summary>
/// A mounted filesystem (Linux's struct mount): the directory it shows (its filesystem's root, or any directory of it
/// for a bind mount), where it hangs in the tree, and its own flags. Every dentry knows its mount, as Linux's struct
/// path pairs a dentry with a vfsmount, so one filesystem can be writable in one place and read-only in another.
/// </summary>
public sealed class Mount
{
    public Mount(string mountPoint, SuperBlock superBlock, Inode root, Inode? covered, bool readOnly)
    {
        MountPoint = mountPoint;
        SuperBlock = superBlock;
        Root = root;
        Covered = covered;
        ReadOnly = readOnly;
    }

    /// <summary>The guest path it was mounted at.</summary>
    public string MountPoint { get; }

    public SuperBlock SuperBlock { get; }

    /// <summary>The directory seen at the mount point: the filesystem's root, or a bind mount's source.</summary>
    public Inode Root { get; }

    /// <summary>The directory under the mount; null for the guest's "/".</summary>
    public Inode? Covered { get; }

    /// <summary>MS_RDONLY of this mount: nothing changes through it, whatever its filesystem allows (a read-only remount or bind).</summary>
    public bool ReadOnly { get; set; }

    /// <summary>Whether a change through this mount is refused: the mount or its filesystem is read-only.</summary>
    public bool IsReadOnly => ReadOnly || SuperBlock.ReadOnly;

    /// <summary>Linux's mnt_want_write: EROFS on a read-only mount or filesystem, else OK.</summary>
    public Errno WantWrite() => IsReadOnly ? Errno.EROFS : Errno.OK;
}
