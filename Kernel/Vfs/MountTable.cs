using System.Collections.Generic;
using UserKernel.Kernel.Abi;

namespace UserKernel.Kernel.Vfs;

/// <summary>
/// The guest's mounts. A mount point is recognised by the identity of the directory inode it covers,
/// which works because every filesystem hands out one Inode object per inode number.
/// </summary>
public sealed class MountTable
{
    private readonly Dictionary<Inode, Mount> coveredBy = new(ReferenceEqualityComparer.Instance);
    private readonly List<Mount> mounts = new();

    public MountTable(SuperBlock root, bool readOnly = false)
    {
        var mount = new Mount("/", root, root.Root, null, readOnly || root.ReadOnly);
        mounts.Add(mount);
        Root = new Dentry("", null, root.Root, mount);
    }

    /// <summary>The guest's "/".</summary>
    public Dentry Root { get; }

    public IReadOnlyList<Mount> Mounts => mounts;

    /// <summary>Mounts <paramref name="superBlock"/> over the directory <paramref name="mountPoint"/>.</summary>
    public Mount Mount(Dentry mountPoint, SuperBlock superBlock, bool readOnly = false) =>
        Add(mountPoint, superBlock, superBlock.Root, readOnly || superBlock.ReadOnly);

    /// <summary>mount --bind: the directory <paramref name="source"/> is seen at <paramref name="mountPoint"/> too.</summary>
    public Mount Bind(Dentry mountPoint, Dentry source, bool readOnly = false) =>
        Add(mountPoint, source.Inode.SuperBlock, source.Inode, readOnly);

    private Mount Add(Dentry mountPoint, SuperBlock superBlock, Inode root, bool readOnly)
    {
        // A mount over a mount point covers what is seen there, the upper mount's root.
        Inode covered = mountPoint.Inode;
        var mount = new Mount(mountPoint.Path, superBlock, root, covered, readOnly);
        coveredBy[covered] = mount;
        mounts.Add(mount);
        return mount;
    }

    /// <summary>
    /// umount: takes away the mount whose root <paramref name="target"/> is (what a walk to its mount point finds):
    /// EINVAL if it is no mount's root, EBUSY for the guest's "/" or a mount with another mounted on it.
    /// </summary>
    public Errno Unmount(Dentry target)
    {
        Mount? m = target.Mount;
        if (m == null || !ReferenceEquals(m.Root, target.Inode)) return Errno.EINVAL;
        if (m.Covered == null) return Errno.EBUSY;
        if (coveredBy.TryGetValue(target.Inode, out Mount? above) && !ReferenceEquals(above, m)) return Errno.EBUSY;
        coveredBy.Remove(m.Covered);
        mounts.Remove(m);
        return Errno.OK;
    }

    /// <summary>The inode seen at a name: the mounted root if the name is a mount point.</summary>
    public Inode Cross(Inode inode) => Cross(inode, out _);

    /// <summary>The inode seen at a name, and the mount it is the root of (null if the name is no mount point).</summary>
    public Inode Cross(Inode inode, out Mount? mount)
    {
        mount = null;
        // Bounded: binds can cover each other's roots in a ring, which a hostile guest may build.
        for (int i = 0; i < mounts.Count && coveredBy.TryGetValue(inode, out Mount? m); i++)
        {
            mount = m;
            if (ReferenceEquals(m.Root, inode)) break; // a directory bound over itself (to make it read-only)
            inode = m.Root;
        }
        return inode;
    }

    /// <summary>Whether a mount hangs on <paramref name="inode"/>, or it is the root of the tree (rmdir, rename: EBUSY).</summary>
    public bool IsMountPoint(Inode inode) => coveredBy.ContainsKey(inode) || ReferenceEquals(inode, Root.Inode);
}
