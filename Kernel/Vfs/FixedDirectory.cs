using System;
using System.Collections.Generic;
using UserKernel.Kernel.Abi;

namespace UserKernel.Kernel.Vfs;

/// <summary>
/// A directory of a synthetic filesystem (/dev, /sys) whose children the kernel sets up once: lookup and
/// listing from a sorted map, Linux's link count (2 plus one per subdirectory), one time for all three stamps.
/// </summary>
public class FixedDirectory : Inode
{
    private readonly SortedDictionary<string, Inode> children = new(StringComparer.Ordinal);
    private readonly Timespec time;
    private readonly uint permissions;

    public FixedDirectory(SuperBlock superBlock, ulong ino, Timespec time, uint permissions = 0x1ED /* 0755 */) : base(superBlock, ino)
    {
        this.time = time;
        this.permissions = permissions;
    }

    public void Add(string name, Inode inode) => children[name] = inode;

    /// <summary>The child called <paramref name="name"/>, or null.</summary>
    protected Inode? Child(string name) => children.TryGetValue(name, out Inode? inode) ? inode : null;

    public override uint Mode => FileMode.S_IFDIR | permissions;

    public override ulong LinkCount
    {
        get
        {
            ulong links = 2;
            foreach (Inode child in children.Values) if (child.IsDirectory) links++;
            return links;
        }
    }

    public override Timespec Atime => time;
    public override Timespec Mtime => time;
    public override Timespec Ctime => time;

    public override Result<Inode> Lookup(string name) => Child(name) is { } inode ? inode : Errno.ENOENT;

    public override Result<IReadOnlyList<DirectoryEntry>> ReadDirectory()
    {
        var list = new List<DirectoryEntry> { new(".", Ino, 4), new("..", Ino, 4) };
        foreach ((string name, Inode inode) in children) list.Add(new DirectoryEntry(name, inode.Ino, FileMode.ToDirentType(inode.Mode)));
        return DirectoryEntry.InListOrder(list);
    }
}
