using System.Collections.Generic;
using UserKernel.RootFs.Tree;

namespace UserKernel.RootFs.Writer;

/// <summary>A tree node with the inode number it gets, its link count and, for a directory, its entries.</summary>
internal sealed class PlannedInode(uint number, TreeNode node, string path)
{
    public uint Number { get; } = number;
    public TreeNode Node { get; } = node;
    /// <summary>The first path the node was reached by, for error messages.</summary>
    public string Path { get; } = path;
    public uint Links { get; set; }
    public PlannedInode? Parent { get; set; }
    public List<(byte[] Name, PlannedInode Child)>? Entries { get; set; }
    public XattrLayout? Xattrs { get; set; }
}
