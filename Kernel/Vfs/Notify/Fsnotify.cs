using System;
using System.Collections.Generic;
using UserKernel.Kernel.Abi;

namespace UserKernel.Kernel.Vfs.Notify;

/// <summary>
/// inotify for the guest. A guest's inotify descriptor is a real host one, so read, poll, epoll and close
/// stay native; inotify_add_watch is pointed at a host object that stands for the guest's file, and the
/// host raises the events:
/// <list type="bullet">
/// <item>a file's stored file (or sealed copy), which guests open, read and write natively: IN_OPEN,
/// IN_ACCESS, IN_MODIFY and IN_CLOSE_* are the host's own;</item>
/// <item>a directory's shadow (<see cref="ShadowDirectories"/>), on which the kernel repeats the changes of
/// names and attributes it makes there; a regular file's name there is a link of its stored file, through which
/// guests open it (<see cref="TryOpen"/>), so its children's IN_OPEN, IN_ACCESS, IN_MODIFY and IN_CLOSE_* are
/// the host's own too.</item>
/// </list>
/// The methods below are the hooks the VFS calls after it changed something, named after Linux's
/// fsnotify_* calls; they do the host's part of the change's events, in Linux's order. Only watched objects
/// cost anything.
/// </summary>
public sealed class Fsnotify : IDisposable
{
    private readonly HostFiles hostFiles;
    private readonly ShadowDirectories shadows;

    /// <summary>Files (not directories) a guest watches, by inode, with a dentry to find their memfd by.</summary>
    private readonly Dictionary<(SuperBlock, ulong), Dentry> watchedFiles = new();

    public Fsnotify(HostFiles hostFiles, ContentStore store)
    {
        this.hostFiles = hostFiles;
        shadows = new ShadowDirectories(store, StoredFileToLink);
    }

    /// <summary>Whether no guest watches anything the kernel's filesystems hold (so no guest can see a close's event).</summary>
    public bool Quiet => watchedFiles.Count == 0 && !shadows.Any;

    /// <summary>The host path to watch for a directory of the kernel's filesystems: its shadow.</summary>
    public Result<string> WatchDirectory(Inode dir) => shadows.PathFor(dir);

    /// <summary>
    /// The host path to watch for a file of the kernel's filesystems: the memfd guests open. A regular file of
    /// a writable filesystem is copied up first, so the writes to come land in the memfd being watched; one whose
    /// filesystem cannot change it (EROFS, EPERM) is watched through its sealed copy.
    /// Errors: ENOMEM, ENOSPC, EIO (the copy-up or the memfd).
    /// </summary>
    public Result<string> WatchFile(Dentry file)
    {
        Inode inode = file.Inode;
        if (inode.IsRegular && !inode.SuperBlock.ReadOnly && inode.PrepareWrite() is var e && e is not (Errno.OK or Errno.EROFS or Errno.EPERM))
            return e;
        if (!hostFiles.PathFor(file).TryGet(out string? path, out Errno error)) return error;
        hostFiles.Pin(file); // the watch is on this host object: it must stay the file's
        watchedFiles[(inode.SuperBlock, inode.Ino)] = file;
        return path;
    }

    /// <summary>
    /// Opens <paramref name="file"/> for a guest through its link in its directory's shadow, if the directory is watched,
    /// so the host reports the open, the reads and writes and the close to the directory's watch with the file's name
    /// (Linux's fsnotify_parent follows the name a file was opened by). False if there is no such link: the caller opens
    /// the file as usual. A watch added later does not see a file opened before it.
    /// </summary>
    public bool TryOpen(Dentry file, int flags, out Result<int> opened)
    {
        opened = Errno.ENOENT;
        if (!shadows.Any || file.Parent == null || file.Inode.ContentPath == null) return false;
        // PathFor records the stored file as this file's host object, by which fstat of the descriptor finds the inode.
        if (!hostFiles.PathFor(file).TryGet(out string? stored, out _)) return false;
        return shadows.TryOpenLink(file.Parent.Inode, file.Name, stored, HostFiles.HostOpenFlags(flags), out opened);
    }

    /// <summary>fsnotify_create, fsnotify_mkdir: a new name in <paramref name="dir"/>.</summary>
    public void Create(Inode dir, string name, Inode child)
    {
        if (Quiet) return;
        shadows.AddName(dir, name, child, linkCountReported: false);
    }

    /// <summary>fsnotify_link: IN_ATTRIB on the file (one more link), then IN_CREATE in the directory.</summary>
    public void Link(Inode dir, string name, Inode existing)
    {
        if (Quiet) return;
        TouchFile(existing, AttributeChange.Attributes);
        shadows.AddName(dir, name, existing, linkCountReported: true);
    }

    /// <summary>
    /// unlink and rmdir: a file's own watch first sees IN_ATTRIB (one link fewer), a directory's own watch
    /// IN_DELETE_SELF and IN_IGNORED; then the directory that held the name sees IN_DELETE.
    /// </summary>
    public void Delete(Inode dir, string name, Inode victim)
    {
        if (Quiet) return;
        if (victim.IsDirectory) shadows.Remove(victim);
        else Unlinked(victim);
        shadows.RemoveName(dir, name);
    }

    /// <summary>
    /// fsnotify_move: IN_MOVED_FROM and IN_MOVED_TO with one cookie, IN_ATTRIB on a replaced target, IN_MOVE_SELF
    /// on a moved directory (twice for an exchange); a replaced directory then goes (IN_DELETE_SELF).
    /// </summary>
    public void Move(Inode fromDir, string name, Inode toDir, string newName, Inode moving, Inode? replaced, bool exchange)
    {
        if (Quiet) return;
        shadows.Move(fromDir, name, toDir, newName, moving, replaced, exchange);
        if (!exchange && replaced != null)
        {
            if (replaced.IsDirectory) shadows.Touch(replaced, null, AttributeChange.Attributes);
            else Unlinked(replaced);
        }
        if (moving.IsDirectory) shadows.MoveSelf(moving);
        if (exchange && replaced != null && replaced.IsDirectory) shadows.MoveSelf(replaced);
        if (!exchange && replaced != null && replaced.IsDirectory) shadows.Remove(replaced);
    }

    /// <summary>
    /// fsnotify_change and fsnotify_xattr: runs <paramref name="apply"/>, the change of <paramref name="file"/>'s
    /// metadata, and if it succeeds reports it to the watch of the directory holding the name (not for the root
    /// of a mount, which has none) and then to the file's own watch.
    /// </summary>
    public Errno Change(Dentry file, AttributeChange change, Func<Errno> apply)
    {
        Inode inode = file.Inode;
        Inode? parent = file.Parent != null && !ReferenceEquals(inode, inode.SuperBlock.Root) ? file.Parent.Inode : null;
        if (Quiet) return apply();
        bool watchedFile = watchedFiles.ContainsKey((inode.SuperBlock, inode.Ino));
        // New times or a new size of a file with a stored file are set on that memfd, the very object watched,
        // and the host reports them as apply runs. Linux reports the directory's event first, so it goes out before.
        bool hostReports = watchedFile && change != AttributeChange.Attributes && inode.ContentPath != null;
        if (hostReports && parent != null) shadows.Touch(parent, file.Name, change);
        Errno e = apply();
        if (e != Errno.OK) return e;
        if (!hostReports && parent != null) shadows.Touch(parent, file.Name, change);
        if (inode.IsDirectory) shadows.Touch(inode, null, change);
        else if (!hostReports) TouchFile(inode, change);
        return Errno.OK;
    }

    public void Dispose() => shadows.Dispose();

    /// <summary>
    /// A file lost a name: IN_ATTRIB on its watch; with no name left its link parked in limbo goes, and nothing more
    /// can happen to it here.
    /// </summary>
    private void Unlinked(Inode file)
    {
        TouchFile(file, AttributeChange.Attributes);
        if (file.LinkCount != 0) return;
        shadows.Forget(file);
        watchedFiles.Remove((file.SuperBlock, file.Ino));
    }

    /// <summary>
    /// The stored file a regular file's placeholder in a shadow is to be a link of, or null for an empty placeholder.
    /// A file of a writable filesystem is copied up first, so the link is the file guests open and write from now on.
    /// A file with a watch of its own keeps an empty placeholder unless the change at hand reports its link count
    /// anyway (link(2)): the host would report the kernel's link as an IN_ATTRIB that Linux does not raise.
    /// A file of a read-only filesystem has only its image bytes (a sealed memfd), which cannot be linked.
    /// </summary>
    private string? StoredFileToLink(Inode file, bool linkCountReported)
    {
        if (!linkCountReported && watchedFiles.ContainsKey((file.SuperBlock, file.Ino))) return null;
        if (file.ContentPath == null && (file.SuperBlock.ReadOnly || file.PrepareWrite() != Errno.OK)) return null;
        return file.ContentPath;
    }

    /// <summary>Repeats an attribute change on a watched file's memfd.</summary>
    private void TouchFile(Inode inode, AttributeChange change)
    {
        if (!watchedFiles.TryGetValue((inode.SuperBlock, inode.Ino), out Dentry? file)) return;
        if (hostFiles.PathFor(file).TryGet(out string? path, out _)) ShadowDirectories.TouchHostPath(path, change);
    }
}
