using System;
using System.Collections.Generic;

namespace UserKernel.Kernel.Vfs;

/// <summary>
/// A name in the tree: the inode it leads to, the directory it is in and the mount it was reached through (Linux's
/// struct path, a dentry and its vfsmount, in one). A chain of dentries is a path, which is how getcwd answers and how
/// ".." knows where to go.
/// </summary>
public sealed class Dentry
{
    /// <summary>A name in <paramref name="parent"/>, on <paramref name="mount"/> if it is that mount's root, else on the parent's mount.</summary>
    public Dentry(string name, Dentry? parent, Inode inode, Mount? mount = null)
    {
        Name = name;
        Parent = parent;
        Inode = inode;
        Mount = mount ?? parent?.Mount;
    }

    /// <summary>The last component of the path ("" for the root).</summary>
    public string Name { get; private set; }

    /// <summary>The directory holding this name; null only for the root of the guest's tree.</summary>
    public Dentry? Parent { get; private set; }

    public Inode Inode { get; }

    /// <summary>The mount this name was reached through; null only for the kernel's own names outside the guest's tree.</summary>
    public Mount? Mount { get; }

    /// <summary>Whether changes through this name are refused: its mount or (outside any mount) its filesystem is read-only.</summary>
    public bool IsReadOnly => Mount?.IsReadOnly ?? Inode.SuperBlock.ReadOnly;

    /// <summary>Linux's mnt_want_write on this name's mount: EROFS or OK.</summary>
    public Abi.Errno WantWrite() => IsReadOnly ? Abi.Errno.EROFS : Abi.Errno.OK;

    // The child a walk last made under this directory: Linux's dentry cache, one entry deep per directory. A walk that
    // names it again, and finds the same inode under that name, reuses it instead of making another.
    private Dentry? lastChild;

    /// <summary>
    /// The dentry for <paramref name="name"/> in this directory, which a lookup found to be <paramref name="inode"/>
    /// (the root of <paramref name="mount"/> when the name is a mount point): the one made last time if it still names
    /// that inode here (a rename or unlink since then leaves it unused), else a new one.
    /// </summary>
    public Dentry Child(string name, Inode inode, Mount? mount = null)
    {
        mount ??= Mount;
        if (lastChild is { } c && ReferenceEquals(c.Parent, this) && ReferenceEquals(c.Inode, inode) && ReferenceEquals(c.Mount, mount) && c.Name == name) return c;
        return lastChild = new Dentry(name, this, inode, mount);
    }

    /// <summary>The name of the child last made here, when it is <paramref name="name"/>: the string a walk can look up without making one.</summary>
    public string? KnownChildName(ReadOnlySpan<char> name) =>
        lastChild is { } c && ReferenceEquals(c.Parent, this) && name.SequenceEqual(c.Name) ? c.Name : null;

    /// <summary>
    /// The path of this dentry as seen from the root directory <paramref name="root"/> (a chroot), as getcwd
    /// reports it; a dentry outside that root gets Linux's "(unreachable)" prefix before its full path.
    /// </summary>
    public string PathFrom(Dentry root)
    {
        var parts = new List<string>();
        for (Dentry? d = this; d != null; d = d.Parent)
        {
            if (ReferenceEquals(d.Inode, root.Inode))
            {
                parts.Reverse();
                return "/" + string.Join('/', parts);
            }
            if (d.Parent != null) parts.Add(d.Name);
        }
        return "(unreachable)" + Path;
    }

    /// <summary>
    /// Linux's d_move, for the dentries the kernel holds (working directories, open files): after a rename, each
    /// one that named <paramref name="moved"/> as <paramref name="oldName"/> in <paramref name="oldDir"/>, on any
    /// of their paths, now names it as <paramref name="newName"/> in <paramref name="newParent"/>, so getcwd and
    /// /proc/PID/cwd and fd/ follow the rename of an ancestor.
    /// </summary>
    public static void Move(IEnumerable<Dentry> held, Inode oldDir, string oldName, Inode moved, Dentry newParent, string newName)
    {
        foreach (Dentry start in held)
        {
            for (Dentry? d = start; d?.Parent != null; d = d.Parent)
            {
                if (d.Name != oldName || !ReferenceEquals(d.Inode, moved) || !ReferenceEquals(d.Parent.Inode, oldDir)) continue;
                d.Parent = newParent;
                d.Name = newName;
                break;
            }
        }
    }

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
