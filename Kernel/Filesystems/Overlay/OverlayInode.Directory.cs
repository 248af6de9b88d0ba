using System.Collections.Generic;
using UserKernel.Kernel.Abi;
using UserKernel.Kernel.Vfs;

namespace UserKernel.Kernel.Filesystems.Overlay;

/// <summary>
/// Overlay directories. A directory merges its lower directory's entries with the upper layer's changes:
/// a name bound to an inode (created, or renamed here) shadows the lower name, and a whiteout (a name bound
/// to null) hides it. A directory made in the upper layer has no lower directory at all, so one created where
/// a removed one stood is opaque: nothing of the old one shows through.
/// </summary>
public sealed partial class OverlayInode
{
    private readonly Inode? lowerDir;
    private Dictionary<string, OverlayInode?>? changes;
    private Dictionary<string, long>? added;
    private long nextSerial;
    private OverlayInode? parent;

    /// <summary>
    /// The merged listing as last made, until the directory changes: getdents asks for the whole listing at each call,
    /// and a directory of a million names would otherwise be merged and sorted again for every thousand it returns.
    /// </summary>
    private List<DirectoryEntry>? listing;

    /// <summary>The directory holding this one (for ".."); null for the root.</summary>
    internal OverlayInode? Parent
    {
        get => parent;
        private set
        {
            parent = value;
            listing = null;
        }
    }

    public override Result<Inode> Lookup(string name)
    {
        if (!IsDirectory) return Errno.ENOTDIR;
        if (changes != null && changes.TryGetValue(name, out OverlayInode? changed)) return changed is null ? Errno.ENOENT : changed;
        if (lowerDir == null) return Errno.ENOENT;
        if (!lowerDir.Lookup(name).TryGet(out Inode? found, out Errno e)) return e;
        OverlayInode child = fs.Wrap(found);
        if (child.IsDirectory) child.Parent ??= this;
        return child;
    }

    /// <summary>
    /// The merged listing. An untouched directory lists exactly as its lower one (Linux's ext4 order and
    /// d_off). Once changed, lower entries keep their lower positions, hidden ones are left out, and names
    /// new to the upper layer follow the last lower position in the order they were made, so a cursor
    /// stays valid while the directory changes (rm -r reads and removes in turns).
    /// </summary>
    public override Result<IReadOnlyList<DirectoryEntry>> ReadDirectory()
    {
        if (!IsDirectory) return Errno.ENOTDIR;
        if (listing == null)
        {
            if (!MergedListing().TryGet(out List<DirectoryEntry>? merged, out Errno e)) return e;
            listing = merged;
        }
        return listing;
    }

    private Result<List<DirectoryEntry>> MergedListing()
    {
        var list = new List<DirectoryEntry>();
        long next = 2;
        ulong parentIno = Parent?.Ino ?? Ino;
        if (lowerDir != null)
        {
            if (!lowerDir.ReadDirectory().TryGet(out IReadOnlyList<DirectoryEntry>? lowerEntries, out Errno e)) return e;
            if (changes == null && Parent == null) return System.Linq.Enumerable.ToList(lowerEntries); // the root, untouched
            next = 0;
            foreach (DirectoryEntry entry in lowerEntries)
            {
                next = System.Math.Max(next, entry.Position + 1);
                if (entry.Name == "..") list.Add(entry with { Ino = parentIno });
                else if (changes == null || !changes.TryGetValue(entry.Name, out OverlayInode? changed)) list.Add(entry);
                else if (changed != null) list.Add(entry with { Ino = changed.Ino, Type = FileMode.ToDirentType(changed.Mode) });
            }
            if (changes == null) return list;
        }
        else
        {
            list.Add(new DirectoryEntry(".", Ino, 4, 0, 1));
            list.Add(new DirectoryEntry("..", parentIno, 4, 1, 2));
        }

        if (added != null)
        {
            var upper = new List<KeyValuePair<string, long>>(added);
            upper.Sort((a, b) => a.Value.CompareTo(b.Value));
            foreach ((string name, long serial) in upper)
            {
                OverlayInode child = changes![name]!;
                list.Add(new DirectoryEntry(name, child.Ino, FileMode.ToDirentType(child.Mode), next + serial));
            }
        }
        for (int i = 0; i < list.Count; i++)
            list[i] = list[i] with { NextPosition = i + 1 < list.Count ? list[i + 1].Position : list[i].Position + 1 };
        return list;
    }

    /// <summary>Whether the directory lists nothing but "." and "..".</summary>
    internal bool IsEmptyDirectory() => ReadDirectory().TryGet(out IReadOnlyList<DirectoryEntry>? entries, out _) && entries.Count <= 2;

    private bool LowerHas(string name) => lowerDir != null && lowerDir.Lookup(name).Ok;

    /// <summary>Binds <paramref name="name"/> to <paramref name="inode"/> in the upper layer; null removes it (a whiteout where a lower name is hidden).</summary>
    private void Bind(string name, OverlayInode? inode)
    {
        changes ??= new Dictionary<string, OverlayInode?>(System.StringComparer.Ordinal);
        added ??= new Dictionary<string, long>(System.StringComparer.Ordinal);
        bool inLower = LowerHas(name);
        if (inode == null)
        {
            if (inLower) changes[name] = null;
            else changes.Remove(name);
            added.Remove(name);
        }
        else
        {
            changes[name] = inode;
            if (!inLower && !added.ContainsKey(name)) added[name] = nextSerial++;
            if (inode.IsDirectory) inode.Parent = this;
        }
        listing = null;
        TouchChanged();
    }

    public override Result<Inode> Create(string name, uint mode, uint uid, uint gid)
    {
        OverlayInode child = fs.NewInode(mode, uid, gid);
        if (child.IsRegular && child.MakeContent() is var e && e != Errno.OK) return e;
        Bind(name, child);
        return child;
    }

    public override Result<Inode> MakeDevice(string name, uint mode, ulong rdev, uint uid, uint gid)
    {
        OverlayInode child = fs.NewInode(mode, uid, gid);
        child.rdev = rdev;
        Bind(name, child);
        return child;
    }

    public override Result<Inode> CreateUnnamed(uint mode, uint uid, uint gid)
    {
        OverlayInode child = fs.NewInode(FileMode.S_IFREG | (mode & 0xFFF), uid, gid);
        if (child.MakeContent() is var e && e != Errno.OK) return e;
        child.links = 0;
        return child;
    }

    public override Result<Inode> Mkdir(string name, uint mode, uint uid, uint gid)
    {
        OverlayInode child = fs.NewInode(FileMode.S_IFDIR | (mode & 0xFFF), uid, gid);
        Bind(name, child);
        AddLinks(1);
        return child;
    }

    public override Result<Inode> Symlink(string name, byte[] target, uint uid, uint gid)
    {
        OverlayInode child = fs.NewInode(FileMode.S_IFLNK | 0x1FF, uid, gid, target);
        Bind(name, child);
        return child;
    }

    public override Errno Link(string name, Inode existing)
    {
        if (existing is not OverlayInode inode || inode.fs != fs) return Errno.EXDEV;
        Bind(name, inode);
        inode.AddLinks(1);
        return Errno.OK;
    }

    public override Errno Unlink(string name)
    {
        if (!Lookup(name).TryGet(out Inode? found, out Errno e)) return e;
        Bind(name, null);
        ((OverlayInode)found).AddLinks(-1);
        return Errno.OK;
    }

    public override Errno Rmdir(string name)
    {
        if (!Lookup(name).TryGet(out Inode? found, out Errno e)) return e;
        var dir = (OverlayInode)found;
        if (!dir.IsEmptyDirectory()) return Errno.ENOTEMPTY;
        Bind(name, null);
        dir.links = 0;
        AddLinks(-1);
        return Errno.OK;
    }

    public override Errno Rename(string name, Inode newDir, string newName, bool exchange)
    {
        if (newDir is not OverlayInode to || to.fs != fs) return Errno.EXDEV;
        if (!Lookup(name).TryGet(out Inode? found, out Errno e)) return e;
        var moving = (OverlayInode)found;
        OverlayInode? replaced = to.Lookup(newName).TryGet(out Inode? there, out _) ? (OverlayInode)there : null;
        if (exchange)
        {
            if (replaced == null) return Errno.ENOENT;
            Bind(name, replaced);
            to.Bind(newName, moving);
            if (moving.IsDirectory != replaced.IsDirectory && to != this)
            {
                int delta = moving.IsDirectory ? 1 : -1;
                to.AddLinks(delta);
                AddLinks(-delta);
            }
            return Errno.OK;
        }
        if (replaced != null)
        {
            if (replaced.IsDirectory)
            {
                if (!replaced.IsEmptyDirectory()) return Errno.ENOTEMPTY;
                replaced.links = 0;
                to.AddLinks(-1);
            }
            else replaced.AddLinks(-1);
        }
        Bind(name, null);
        to.Bind(newName, moving);
        if (moving.IsDirectory && to != this)
        {
            AddLinks(-1);
            to.AddLinks(1);
        }
        moving.ctime = Timespec.Now();
        return Errno.OK;
    }
}
