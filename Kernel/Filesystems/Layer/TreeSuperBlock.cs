using System.Collections.Generic;
using UserKernel.RootFs.Tree;
using UserKernel.Kernel.Vfs;

namespace UserKernel.Kernel.Filesystems.Layer;

/// <summary>
/// A read-only filesystem over a <see cref="FileTree"/> (one layer tar as read by RootFs): every node is one
/// inode, a hard link (one node under two names) included. Whiteout files are ordinary entries here; the layer
/// stack above gives them their meaning. Inode numbers start at the number the constructor is given, so the
/// layers of a stack never share one.
/// </summary>
public sealed class TreeSuperBlock : SuperBlock
{
    private readonly Dictionary<TreeNode, TreeInode> inodes = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<TreeNode, (ulong Ino, ulong Links)> numbers = new(ReferenceEqualityComparer.Instance);
    private readonly TreeInode root;

    public TreeSuperBlock(FileTree tree, ulong device, ulong firstIno) : base(device)
    {
        // Numbers are given out up front, so the layer above knows where this one ends.
        EndIno = firstIno;
        numbers[tree.Root] = (EndIno++, 2);
        foreach ((_, TreeNode node) in tree.Walk())
        {
            ulong names = node.Kind == NodeKind.Directory ? 2UL : 1UL;
            numbers[node] = numbers.TryGetValue(node, out var seen) ? (seen.Ino, seen.Links + names) : (EndIno++, names);
        }
        CountSubdirectories(tree.Root);
        root = Get(tree.Root);
    }

    public override Inode Root => root;
    public override string TypeName => "layer";
    public override long Magic => 0x794c7630; // OVERLAYFS_SUPER_MAGIC: a layer is only ever seen through a stack

    /// <summary>One past the highest inode number of this layer.</summary>
    public ulong EndIno { get; }

    public override ulong TotalInodes => EndIno;

    /// <summary>The one inode of <paramref name="node"/>.</summary>
    internal TreeInode Get(TreeNode node)
    {
        if (inodes.TryGetValue(node, out TreeInode? known)) return known;
        (ulong ino, ulong links) = numbers[node];
        var inode = new TreeInode(this, ino, node, links);
        inodes[node] = inode;
        return inode;
    }

    // A directory's link count is 2 plus one for each subdirectory's "..".
    private void CountSubdirectories(TreeNode dir)
    {
        foreach (TreeNode child in dir.Children!.Values)
        {
            if (child.Kind != NodeKind.Directory) continue;
            numbers[dir] = (numbers[dir].Ino, numbers[dir].Links + 1);
            CountSubdirectories(child);
        }
    }
}
