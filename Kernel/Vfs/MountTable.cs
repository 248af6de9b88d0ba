using System.Collections.Generic;

namespace UserKernel.Kernel.Vfs;

/// <summary>A mounted filesystem: where it hangs in the tree, and what it is.</summary>
public sealed record Mount(string MountPoint, SuperBlock SuperBlock, bool ReadOnly);

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
        coveredToRoot[mountPoint.Inode] = superBlock.Root;
        mounts.Add(new Mount(mountPoint.Path, superBlock, superBlock.ReadOnly));
    }

    /// <summary>The inode seen at a name: the mounted root if the name is a mount point.</summary>
    public Inode Cross(Inode inode)
    {
        while (coveredToRoot.TryGetValue(inode, out Inode? mounted)) inode = mounted;
        return inode;
    }
}
