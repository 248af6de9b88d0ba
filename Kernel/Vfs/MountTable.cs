using System.Collections.Generic;

namespace UserKernel.Kernel.Vfs;

/// <summary>A mounted filesystem: where it hangs in the tree, and what it is; <paramref name="Covered"/> is the directory under it.</summary>
public sealed record Mount(string MountPoint, SuperBlock SuperBlock, bool ReadOnly, Inode? Covered = null);

/// <summary>
/// The guest's mounts. A mount point is recognised by the identity of the directory inode it covers,
/// which works because every filesystem hands out one Inode object per inode number.
/// </summary>
public sealed class MountTable
{
    private readonly Dictionary<Inode, Inode> coveredToRoot = new(ReferenceEqualityComparer.Instance);
    private readonly List<Mount> mounts = new();

    public MountTable(SuperBlock root)
    {
        Root = new Dentry("", null, root.Root);
        mounts.Add(new Mount("/", root, root.ReadOnly));
    }

    /// <summary>The guest's "/".</summary>
    public Dentry Root { get; }

    public IReadOnlyList<Mount> Mounts => mounts;

    /// <summary>Mounts <paramref name="superBlock"/> over the directory <paramref name="mountPoint"/>.</summary>
    public void Mount(Dentry mountPoint, SuperBlock superBlock)
    {
        // A mount over a mount point covers what is seen there, the upper mount's root.
        Inode covered = mountPoint.Inode;
        coveredToRoot[covered] = superBlock.Root;
        mounts.Add(new Mount(mountPoint.Path, superBlock, superBlock.ReadOnly, covered));
    }

    /// <summary>
    /// umount: takes away the mount whose root <paramref name="root"/> is (what a walk to its mount point finds): EINVAL if
    /// it is no mount's root, EBUSY for the guest's "/" or a mount with another mounted on it.
    /// </summary>
    public Abi.Errno Unmount(Inode root)
    {
        for (int i = mounts.Count - 1; i > 0; i--)
        {
            Mount m = mounts[i];
            if (!ReferenceEquals(m.SuperBlock.Root, root) || m.Covered == null) continue;
            if (coveredToRoot.ContainsKey(root)) return Abi.Errno.EBUSY;
            coveredToRoot.Remove(m.Covered);
            mounts.RemoveAt(i);
            return Abi.Errno.OK;
        }
        return ReferenceEquals(Root.Inode, root) ? Abi.Errno.EBUSY : Abi.Errno.EINVAL;
    }

    /// <summary>The inode seen at a name: the mounted root if the name is a mount point.</summary>
    public Inode Cross(Inode inode)
    {
        while (coveredToRoot.TryGetValue(inode, out Inode? mounted)) inode = mounted;
        return inode;
    }
}
