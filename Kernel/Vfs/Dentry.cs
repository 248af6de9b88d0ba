namespace UserKernel.Kernel.Vfs;

/// <summary>
/// A name in the tree: the inode it leads to and the directory it is in. A chain of dentries
/// is a path, which is how getcwd answers and how ".." knows where to go.
/// </summary>
public sealed class Dentry
{
    public Dentry(string name, Dentry? parent, Inode inode)
    {
        Name = name;
        Parent = parent;
        Inode = inode;
    }

    /// <summary>The last component of the path ("" for the root).</summary>
    public string Name { get; }

    /// <summary>The directory holding this name; null only for the root of the guest's tree.</summary>
    public Dentry? Parent { get; }

    public Inode Inode { get; }

    /// <summary>The absolute guest path of this dentry.</summary>
    public string Path
    {
        get
        {
            if (Parent == null) return "/";
            var parts = new System.Collections.Generic.List<string>();
            for (Dentry? d = this; d?.Parent != null; d = d.Parent) parts.Add(d.Name);
            parts.Reverse();
            return "/" + string.Join('/', parts);
        }
    }
}
