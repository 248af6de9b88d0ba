using System.Collections.Generic;
using System.Text;
using UserKernel.Kernel.Abi;
using UserKernel.Kernel.Vfs;
using static Tmds.Linux.LibC;

namespace UserKernel.Kernel.Filesystems.HostBind;

/// <summary>
/// A host directory mounted into the guest's tree (--bind HOST:GUEST[:ro]). Each inode holds an O_PATH
/// descriptor of its host object, found from its parent's descriptor one component at a time with
/// O_NOFOLLOW, so no name the guest gives is ever handed to the host as a path and no host symlink is
/// followed: a host symlink is a guest symlink, which the guest's path walk resolves (".." included) in the
/// guest's tree. Guests open a regular file through /proc/KERNELPID/fd/N of that descriptor, which the host
/// reopens with the guest's flags.
/// </summary>
public sealed unsafe class HostBindSuperBlock : SuperBlock
{
    private const int O_PATH = 0x200000, O_NOFOLLOW = 0x20000, O_DIRECTORY = 0x10000, O_CLOEXEC = 0x80000;

    private readonly Dictionary<(ulong Dev, ulong Ino), HostBindInode> known = new();
    private readonly bool readOnly;
    private readonly HostBindInode root;

    private HostBindSuperBlock(ulong device, bool readOnly, int rootFd) : base(device)
    {
        this.readOnly = readOnly;
        root = Adopt(rootFd);
    }

    /// <summary>
    /// Opens <paramref name="hostDirectory"/> (a path the user gave on the command line, the one host path
    /// the kernel ever opens by name here). ENOENT, ENOTDIR, EACCES as the host answers.
    /// </summary>
    public static Result<HostBindSuperBlock> Open(string hostDirectory, bool readOnly, ulong device) =>
        Open(hostDirectory, readOnly, device, directoryOnly: true);

    /// <summary>
    /// As <see cref="Open(string, bool, ulong)"/>, and with <paramref name="directoryOnly"/> false a single host file
    /// may be the mount's root (a container's bind of /etc/hosts, say), mounted over a guest file.
    /// </summary>
    public static Result<HostBindSuperBlock> Open(string hostDirectory, bool readOnly, ulong device, bool directoryOnly)
    {
        byte[] cpath = Encoding.UTF8.GetBytes(hostDirectory + "\0");
        int fd;
        fixed (byte* p = cpath) fd = open(p, O_PATH | (directoryOnly ? O_DIRECTORY : 0) | O_CLOEXEC, default);
        if (fd < 0) return (Errno)errno;
        return new HostBindSuperBlock(device, readOnly, fd);
    }

    public override Inode Root => root;
    public override string TypeName => "hostbind";
    public override long Magic => 0x62696e64; // no Linux filesystem: "bind"
    public override bool ReadOnly => readOnly;

    /// <summary>The one inode of the host object <paramref name="fd"/> (an O_PATH descriptor this call takes over).</summary>
    internal HostBindInode Adopt(int fd)
    {
        Tmds.Linux.stat st;
        fstat(fd, &st);
        var key = ((ulong)st.st_dev, (ulong)st.st_ino);
        if (known.TryGetValue(key, out HostBindInode? inode) && inode.Links > 0)
        {
            close(fd);
            return inode;
        }
        inode?.Forget();
        inode = new HostBindInode(this, fd, (ulong)st.st_ino);
        known[key] = inode;
        return inode;
    }

    /// <summary>
    /// Lets go of a directory whose name is gone (rmdir, or replaced by a rename), or a file whose last name goes: a
    /// removed directory holds nothing, a removed file only what guests still hold open, and without the kernel's
    /// descriptor the host frees it when Linux would (a host inotify watch on it then reports IN_DELETE_SELF).
    /// </summary>
    internal void Drop(HostBindInode inode)
    {
        var key = inode.HostKey;
        if (known.TryGetValue(key, out HostBindInode? held) && ReferenceEquals(held, inode)) known.Remove(key);
        inode.Forget();
    }

    /// <summary>Takes back a directory <see cref="Drop"/> let go of, whose removal the host refused.</summary>
    internal void Restore(HostBindInode inode, int dirFd, string name)
    {
        byte[] cname = HostBindInode.CString(name);
        int fd;
        fixed (byte* p = cname) fd = openat(dirFd, p, O_PATH | O_NOFOLLOW | O_CLOEXEC, default);
        if (fd < 0) return;
        inode.Attach(fd);
        known[inode.HostKey] = inode;
    }

    /// <summary>Looks up one name under <paramref name="dirFd"/> without following a symlink.</summary>
    internal Result<Inode> Lookup(int dirFd, string name)
    {
        if (name.Length == 0 || name == "." || name == ".." || name.Contains('/')) return Errno.ENOENT;
        byte[] cname = HostBindInode.CString(name);
        int fd;
        fixed (byte* p = cname) fd = openat(dirFd, p, O_PATH | O_NOFOLLOW | O_CLOEXEC, default);
        if (fd < 0) return (Errno)errno;
        return Adopt(fd);
    }
}
