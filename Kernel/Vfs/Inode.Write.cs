using UserKernel.Kernel.Abi;

namespace UserKernel.Kernel.Vfs;

/// <summary>
/// The write operations of an inode (Linux's inode_operations). The VFS (the syscall handlers) has already
/// resolved the parent, checked that the name is free or present as the call needs, the types of the
/// objects, the caller's permissions and that the mount is writable; what is left is the filesystem's own
/// answer. A filesystem that cannot change answers EROFS (EPERM if it is writable but has no such object).
/// </summary>
public abstract partial class Inode
{
    private Errno Unchangeable => SuperBlock.ReadOnly ? Errno.EROFS : Errno.EPERM;

    /// <summary>
    /// The kernel's own host path of the writable host file holding a regular file's bytes (a file of the
    /// <see cref="ContentStore"/>, a --bind file), or null while the bytes are still the read-only image's. A guest that
    /// opens the file gets a descriptor of this host file, so its reads and writes run natively and land in it.
    /// </summary>
    public virtual string? ContentPath => null;

    /// <summary>
    /// Makes a new regular file, FIFO or socket named <paramref name="name"/> in this directory; <paramref name="mode"/>
    /// holds the type and the permission bits. Errors: EROFS, EPERM, ENOSPC, ENOMEM.
    /// </summary>
    public virtual Result<Inode> Create(string name, uint mode, uint uid, uint gid) => Unchangeable;

    /// <summary>
    /// An unnamed regular file in this directory's filesystem (open's O_TMPFILE): link count 0 until
    /// <see cref="Link"/> gives it a name. Errors: EROFS, EOPNOTSUPP, ENOMEM.
    /// </summary>
    public virtual Result<Inode> CreateUnnamed(uint mode, uint uid, uint gid) => Unchangeable;

    /// <summary>A new character or block device node named <paramref name="name"/> with device number <paramref name="rdev"/>.</summary>
    public virtual Result<Inode> MakeDevice(string name, uint mode, ulong rdev, uint uid, uint gid) => Unchangeable;

    /// <summary>mkdir: a new directory in this one. Errors: EROFS, EPERM, ENOSPC, EMLINK.</summary>
    public virtual Result<Inode> Mkdir(string name, uint mode, uint uid, uint gid) => Unchangeable;

    /// <summary>symlink: a new symbolic link to <paramref name="target"/>. Errors: EROFS, EPERM, ENOSPC.</summary>
    public virtual Result<Inode> Symlink(string name, byte[] target, uint uid, uint gid) => Unchangeable;

    /// <summary>link: a new name for <paramref name="existing"/>, which is no directory. Errors: EROFS, EPERM, EXDEV, EMLINK.</summary>
    public virtual Errno Link(string name, Inode existing) => Unchangeable;

    /// <summary>unlink: removes the name of a non-directory. Errors: EROFS, EPERM.</summary>
    public virtual Errno Unlink(string name) => Unchangeable;

    /// <summary>rmdir: removes the name of a directory. Errors: ENOTEMPTY, EROFS, EPERM.</summary>
    public virtual Errno Rmdir(string name) => Unchangeable;

    /// <summary>
    /// rename: moves <paramref name="name"/> of this directory to <paramref name="newName"/> in <paramref name="newDir"/>
    /// (the same filesystem), replacing what is there, or with <paramref name="exchange"/> swapping the two.
    /// Errors: ENOTEMPTY (a directory to be replaced has entries), EXDEV, EROFS, EPERM.
    /// </summary>
    public virtual Errno Rename(string name, Inode newDir, string newName, bool exchange) => Unchangeable;

    /// <summary>
    /// setattr: changes the permission and set-id bits, the owner, the times, or the size of a regular
    /// file (null leaves a field as it is; the change time becomes now). Errors: EROFS, EPERM, EFBIG, ENOMEM.
    /// </summary>
    public virtual Errno SetAttributes(uint? mode = null, uint? uid = null, uint? gid = null,
        Timespec? atime = null, Timespec? mtime = null, long? size = null) => Unchangeable;

    /// <summary>
    /// Makes a regular file's bytes writable (the overlay's copy-up): afterwards <see cref="ContentPath"/> names a
    /// writable host file. Errors: EROFS, ENOSPC, ENOMEM, EIO.
    /// </summary>
    public virtual Errno PrepareWrite() => Unchangeable;

    /// <summary>
    /// Whether a guest may open this file for writing on a filesystem that is otherwise read-only: one of procfs's
    /// settings. The writer writes natively into a fresh host object of its own, which <see cref="TakeWrites"/> is given.
    /// </summary>
    public virtual bool TakesWrites => false;

    /// <summary>Receives, and from now on owns, the kernel's descriptor of the object a guest opened this setting for writing through.</summary>
    public virtual void TakeWrites(int kernelFd) => throw new System.InvalidOperationException("not a setting");

    /// <summary>
    /// Drops the bytes of a regular file that has no name left and that no guest holds open. Called by
    /// <see cref="HostFiles"/> when it prunes.
    /// </summary>
    public virtual void ReleaseContent() { }
}
