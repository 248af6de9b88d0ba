using UserKernel.Kernel.Abi;
using UserKernel.Kernel.Tasks;

namespace UserKernel.Kernel.Vfs;

/// <summary>The calls that make names: mkdir, mknod, symlink, link (do_mkdirat, do_mknodat, do_symlinkat, do_linkat).</summary>
public sealed partial class Namei
{
    /// <summary>do_mkdirat: filename_create, then vfs_mkdir (may_create). A set-group-ID directory passes its group and the bit on.</summary>
    public Errno MkdirAt(PathAt at, uint mode, FsCaller who)
    {
        if (!CreateName(at, directory: true, who).TryGet(out LastName last, out Errno e)) return e;
        Inode dir = last.Parent.Inode;
        if ((e = MayCreate(dir, who)) != Errno.OK) return e;
        uint bits = (mode & 0x3FF & ~who.Umask) | (dir.Mode & 0x400);
        if (!dir.Mkdir(last.Name, bits, who.Credentials.Uid, NewGid(dir, who)).TryGet(out Inode? made, out e)) return e;
        fsnotify.Create(dir, last.Name, made);
        return Errno.OK;
    }

    /// <summary>
    /// do_mknodat: may_mknod (EPERM for a directory, EINVAL for no known type) before the name is looked at, then
    /// filename_create and <see cref="Mknod"/>. Regular files, FIFOs, sockets, and (with CAP_MKNOD) device nodes.
    /// </summary>
    public Errno MknodAt(PathAt at, uint mode, ulong device, FsCaller who)
    {
        uint type = mode & FileMode.S_IFMT;
        if (type == 0) mode |= FileMode.S_IFREG;
        if (type == FileMode.S_IFDIR) return Errno.EPERM;
        if (type is not (0 or FileMode.S_IFREG or FileMode.S_IFIFO or FileMode.S_IFSOCK or FileMode.S_IFCHR or FileMode.S_IFBLK)) return Errno.EINVAL;
        if (!CreateName(at, directory: false, who).TryGet(out LastName last, out Errno e)) return e;
        return Mknod(last, mode, device, who).TryGet(out _, out e) ? Errno.OK : e;
    }

    /// <summary>
    /// vfs_mknod at a name <see cref="CreateName"/> found free: may_create, then CAP_MKNOD for a device node. Opening
    /// a device node reaches a host device only for the safe pseudo-devices (Dev.HostDevices), as on a nodev mount.
    /// </summary>
    public Result<Inode> Mknod(LastName at, uint mode, ulong device, FsCaller who)
    {
        Inode dir = at.Parent.Inode;
        Errno e = MayCreate(dir, who);
        if (e != Errno.OK) return e;
        uint type = mode & FileMode.S_IFMT;
        uint bits = type | Masked(mode, who);
        Result<Inode> made;
        if (type is FileMode.S_IFCHR or FileMode.S_IFBLK)
        {
            if (!who.Credentials.Capable(Capabilities.CAP_MKNOD)) return Errno.EPERM;
            made = dir.MakeDevice(at.Name, bits, device, who.Credentials.Uid, NewGid(dir, who));
        }
        else
        {
            made = dir.Create(at.Name, bits, who.Credentials.Uid, NewGid(dir, who));
        }
        if (!made.TryGet(out Inode? node, out e)) return e;
        fsnotify.Create(dir, at.Name, node);
        return node;
    }

    /// <summary>do_symlinkat: an empty target is ENOENT (getname), then filename_create and vfs_symlink (may_create).</summary>
    public Errno SymlinkAt(string target, PathAt at, FsCaller who)
    {
        if (target.Length == 0) return Errno.ENOENT;
        if (!CreateName(at, directory: false, who).TryGet(out LastName last, out Errno e)) return e;
        Inode dir = last.Parent.Inode;
        if ((e = MayCreate(dir, who)) != Errno.OK) return e;
        if (!dir.Symlink(last.Name, Names.ToBytes(target), who.Credentials.Uid, NewGid(dir, who)).TryGet(out Inode? made, out e)) return e;
        fsnotify.Create(dir, last.Name, made);
        return Errno.OK;
    }

    /// <summary>
    /// do_linkat, once the existing file <paramref name="old"/> is found (by path, or the descriptor's own file with
    /// AT_EMPTY_PATH, which is how an O_TMPFILE file gets its name): filename_create, EXDEV across mounts, then vfs_link
    /// (may_create, EPERM for a directory).
    /// </summary>
    public Errno LinkAt(Dentry old, PathAt at, FsCaller who)
    {
        if (!CreateName(at, directory: false, who).TryGet(out LastName last, out Errno e)) return e;
        Inode dir = last.Parent.Inode;
        if (!SameMount(old, last.Parent)) return Errno.EXDEV;
        if ((e = MayCreate(dir, who)) != Errno.OK) return e;
        if (old.Inode.IsDirectory) return Errno.EPERM;
        // An unnamed file (O_TMPFILE) may get a name; a file whose last name is gone as well, which Linux refuses.
        if ((e = dir.Link(last.Name, old.Inode)) != Errno.OK) return e;
        fsnotify.Link(dir, last.Name, old.Inode);
        return Errno.OK;
    }

    /// <summary>
    /// Whether a link or rename stays on one mount, as Linux asks (EXDEV otherwise). A name outside the tree (the
    /// kernel's own) has no mount: its filesystem decides.
    /// </summary>
    private static bool SameMount(Dentry a, Dentry b) =>
        ReferenceEquals(a.Inode.SuperBlock, b.Inode.SuperBlock) && (a.Mount == null || b.Mount == null || ReferenceEquals(a.Mount, b.Mount));
}
