using System;
using System.Collections.Generic;
using System.Globalization;
using Tmds.Linux;
using UserKernel.Kernel.Abi;
using static Tmds.Linux.LibC;

namespace UserKernel.Kernel.Vfs.Notify;

/// <summary>
/// Host directories that stand for watched directories of the kernel's own filesystems (image, overlay,
/// tmpfs), which exist nowhere on the host. A guest's watch on such a directory is a host watch on its shadow:
/// a directory in the kernel's private host directory holding one empty placeholder per name (an empty
/// directory for a subdirectory, an empty file for anything else). The kernel repeats every change of names
/// and attributes it makes in a watched directory on its shadow, so the host itself raises the events, with
/// its own cookies, in the guest's inotify queue. Directories nobody watched have no shadow and cost nothing.
/// <para>
/// The shadows live on the filesystem of the <see cref="ContentStore"/>, so a regular file's placeholder can be,
/// instead of an empty file, a hard link of the file's stored file itself. Guests then open the file through that
/// name (<see cref="TryOpenLink"/>), and because Linux reports a file's open, reads, writes and close to the watch
/// on the directory of the name it was opened by (fsnotify_parent), the host raises IN_OPEN, IN_ACCESS, IN_MODIFY
/// and IN_CLOSE_* on the shadow's watch, with the file's name, natively. The guest never sees the extra link: its
/// stat comes from the VFS. A link that leaves the watched directories is parked in "limbo" until the file's last
/// name goes (<see cref="Forget"/>), since removing it would be an IN_ATTRIB on the file's own watch that Linux
/// does not raise for a rename.
/// </para>
/// </summary>
internal sealed unsafe class ShadowDirectories : IDisposable
{
    private const int O_PATH = 0x200000, O_DIRECTORY = 0x10000, O_NOFOLLOW = 0x20000, O_CLOEXEC = 0x80000;
    private const int AT_FDCWD = -100, AT_REMOVEDIR = 0x200, AT_SYMLINK_NOFOLLOW = 0x100;
    private const uint RENAME_EXCHANGE = 2;
    private const long UTIME_OMIT = 0x3ffffffe;
    private const int EISDIR = 21;

    /// <summary>A shadow: the kernel's O_PATH descriptor of it (which stays valid when it is renamed) and its name.</summary>
    private sealed class Shadow(int fd, string name)
    {
        public int Fd { get; } = fd;
        public string Name { get; set; } = name;
    }

    private readonly ContentStore store;
    private readonly Func<Inode, bool, string?> storedFileToLink;
    private readonly Dictionary<(SuperBlock, ulong), Shadow> byDirectory = new();
    private readonly Dictionary<(SuperBlock, ulong), byte[]> parked = new();
    private readonly int kernelPid = Environment.ProcessId;
    private int rootFd = -1, limboFd = -1;
    private long serial;

    /// <param name="store">The store whose filesystem holds the shadows and whose files they link.</param>
    /// <param name="storedFileToLink">
    /// The stored file a regular file's placeholder is to be a link of (given whether the change at hand reports the
    /// file's link count anyway), or null for an empty placeholder.
    /// </param>
    public ShadowDirectories(ContentStore store, Func<Inode, bool, string?> storedFileToLink)
    {
        this.store = store;
        this.storedFileToLink = storedFileToLink;
    }

    /// <summary>Whether any directory has a shadow (when none has, every hook returns at once).</summary>
    public bool Any => byDirectory.Count > 0;

    public bool Has(Inode dir) => byDirectory.ContainsKey((dir.SuperBlock, dir.Ino));

    /// <summary>
    /// The host path of <paramref name="dir"/>'s shadow, made with a placeholder per name on first use.
    /// Errors: those of listing the directory; ENOSPC if the host refuses the kernel a directory.
    /// </summary>
    public Result<string> PathFor(Inode dir)
    {
        if (byDirectory.TryGetValue((dir.SuperBlock, dir.Ino), out Shadow? known)) return FdPath(known.Fd);
        if (!dir.ReadDirectory().TryGet(out IReadOnlyList<DirectoryEntry>? entries, out Errno e)) return e;
        if (!OpenRoot()) return Errno.ENOSPC;
        string name = NextName();
        byte[] cname = CString(name);
        int fd;
        fixed (byte* p = cname)
        {
            if (mkdirat(rootFd, p, 0x1C0 /* 0700 */) != 0) return Errno.ENOSPC;
            fd = openat(rootFd, p, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, default);
        }
        if (fd < 0) return Errno.ENOSPC;
        foreach (DirectoryEntry entry in entries)
        {
            if (entry.Name is "." or "..") continue;
            if (entry.Type == 8 /* DT_REG */ && dir.Lookup(entry.Name).TryGet(out Inode? file, out _)) Place(fd, CString(entry.Name), file, false);
            else PlaceEmpty(fd, CString(entry.Name), entry.Type == 4 /* DT_DIR */);
        }
        byDirectory[(dir.SuperBlock, dir.Ino)] = new Shadow(fd, name);
        return FdPath(fd);
    }

    /// <summary>
    /// A name was made in <paramref name="dir"/>: IN_CREATE (with IN_ISDIR for a directory). <paramref name="linkCountReported"/>
    /// says the change raises IN_ATTRIB on <paramref name="child"/> anyway (link(2)), so its placeholder may be a link of it even if it is watched.
    /// </summary>
    public void AddName(Inode dir, string name, Inode child, bool linkCountReported)
    {
        if (Find(dir) is { } shadow) Place(shadow.Fd, CString(name), child, linkCountReported);
    }

    /// <summary>A name of <paramref name="dir"/> was removed: IN_DELETE.</summary>
    public void RemoveName(Inode dir, string name)
    {
        if (Find(dir) is { } shadow) RemovePlaceholder(shadow.Fd, CString(name));
    }

    /// <summary>
    /// The attributes of <paramref name="name"/> in <paramref name="dir"/> changed, or with a null name those of
    /// <paramref name="dir"/> itself: the placeholder or the shadow gets the same kind of change.
    /// </summary>
    public void Touch(Inode dir, string? name, AttributeChange change)
    {
        if (Find(dir) is not { } shadow) return;
        if (name == null)
        {
            fixed (byte* p = CString($"/proc/self/fd/{shadow.Fd}")) TouchAt(AT_FDCWD, p, change);
        }
        else
        {
            fixed (byte* p = CString(name)) TouchAt(shadow.Fd, p, change);
        }
    }

    /// <summary>
    /// A name moved from one directory to another (or the same): the placeholder moves with one host rename,
    /// so the host reports IN_MOVED_FROM and IN_MOVED_TO with one cookie. An unwatched side is stood for by a
    /// scratch name in a directory nobody watches, so a move out of or into a watched directory is still a move.
    /// </summary>
    public void Move(Inode fromDir, string name, Inode toDir, string newName, Inode moving, Inode? target, bool exchange)
    {
        Shadow? from = Find(fromDir), to = Find(toDir);
        if (from == null && to == null) return;
        var scratch = new List<byte[]>(2);
        int fromFd = from?.Fd ?? limboFd, toFd = to?.Fd ?? limboFd;
        byte[] fromName = from != null ? CString(name) : Scratch(moving, scratch);
        byte[] toName = to != null ? CString(newName) : exchange && target != null ? Scratch(target, scratch) : ScratchName(scratch);
        fixed (byte* f = fromName)
        fixed (byte* t = toName)
        {
            Interop.Libc.Renameat2(fromFd, f, toFd, t, exchange ? RENAME_EXCHANGE : 0);
        }
        // What left the watched directories for limbo: a regular file's entry is parked (it may be its link), the rest goes.
        if (from != null && to == null) Park(moving, toName, scratch);
        if (exchange && to != null && from == null && target != null) Park(target, fromName, scratch);
        foreach (byte[] left in scratch) RemovePlaceholder(limboFd, left);
    }

    /// <summary>A watched directory was moved: its shadow is renamed, which the host reports as IN_MOVE_SELF.</summary>
    public void MoveSelf(Inode dir)
    {
        if (Find(dir) is not { } shadow) return;
        string newName = NextName();
        fixed (byte* oldP = CString(shadow.Name))
        fixed (byte* newP = CString(newName))
        {
            if (Interop.Libc.Renameat2(rootFd, oldP, rootFd, newP, 0) == 0) shadow.Name = newName;
        }
    }

    /// <summary>
    /// A watched directory is gone (rmdir, or replaced by a rename): its shadow is removed, which the host
    /// reports as IN_DELETE_SELF and IN_IGNORED once the kernel's descriptor of it is closed.
    /// </summary>
    public void Remove(Inode dir)
    {
        if (Find(dir) is not { } shadow) return;
        byDirectory.Remove((dir.SuperBlock, dir.Ino));
        close(shadow.Fd);
        fixed (byte* p = CString(shadow.Name)) unlinkat(rootFd, p, AT_REMOVEDIR);
    }

    /// <summary>
    /// Opens <paramref name="name"/> in <paramref name="dir"/>'s shadow with the host open flags <paramref name="hostFlags"/>,
    /// if that name is a link of the very host file <paramref name="storedPath"/>: true, with the descriptor or the
    /// host's errno. False if the directory has no shadow or the name there is an empty placeholder.
    /// </summary>
    public bool TryOpenLink(Inode dir, string name, string storedPath, int hostFlags, out Result<int> opened)
    {
        opened = Errno.ENOENT;
        if (Find(dir) is not { } shadow) return false;
        stat linked, stored;
        byte[] cname = CString(name);
        fixed (byte* n = cname)
        fixed (byte* s = System.Text.Encoding.UTF8.GetBytes(storedPath + "\0"))
        {
            if (fstatat(shadow.Fd, n, &linked, AT_SYMLINK_NOFOLLOW) != 0 || LibC.stat(s, &stored) != 0) return false;
            if (linked.st_dev != stored.st_dev || linked.st_ino != stored.st_ino) return false;
            int fd = openat(shadow.Fd, n, hostFlags | O_NOFOLLOW, default);
            opened = fd >= 0 ? fd : (Errno)errno;
        }
        return true;
    }

    /// <summary>The file lost its last name: its link parked in limbo, if it has one, goes (for a watched file: IN_DELETE_SELF).</summary>
    public void Forget(Inode file)
    {
        if (parked.Remove((file.SuperBlock, file.Ino), out byte[]? name)) RemovePlaceholder(limboFd, name);
    }

    /// <summary>
    /// Repeats an attribute change on a host object the kernel named by path (a file's memfd through
    /// /proc/self/fd/N): chmod to the mode it has is IN_ATTRIB, setting one time IN_ACCESS or IN_MODIFY.
    /// </summary>
    public static void TouchHostPath(string path, AttributeChange change)
    {
        fixed (byte* p = CString(path)) TouchAt(AT_FDCWD, p, change);
    }

    public void Dispose()
    {
        foreach (Shadow shadow in byDirectory.Values) close(shadow.Fd);
        byDirectory.Clear();
        parked.Clear();
        if (rootFd >= 0) close(rootFd);
        if (limboFd >= 0) close(limboFd);
        rootFd = limboFd = -1;
    }

    private Shadow? Find(Inode dir) => byDirectory.TryGetValue((dir.SuperBlock, dir.Ino), out Shadow? s) ? s : null;

    private string FdPath(int fd) => $"/proc/{kernelPid}/fd/{fd}";

    private string NextName() => "d" + (serial++).ToString(CultureInfo.InvariantCulture);

    /// <summary>"inotify" on the store's filesystem, holding the shadows, and in it "limbo", which nobody watches.</summary>
    private bool OpenRoot()
    {
        if (rootFd >= 0) return true;
        byte[] limbo = CString("limbo");
        fixed (byte* l = limbo)
        {
            int fd = store.OpenKernelDirectory("inotify");
            if (fd < 0) return false;
            mkdirat(fd, l, 0x1C0);
            limboFd = openat(fd, l, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, default);
            if (limboFd < 0) { close(fd); return false; }
            rootFd = fd;
        }
        return true;
    }

    /// <summary>A fresh name in limbo, remembered in <paramref name="scratch"/> for removal.</summary>
    private byte[] ScratchName(List<byte[]> scratch)
    {
        byte[] name = CString(NextName());
        scratch.Add(name);
        return name;
    }

    /// <summary>
    /// A name in limbo that stands for <paramref name="child"/> of an unwatched directory: its parked link if it has one
    /// (which leaves the parked ones), else a placeholder made for it (removed once it is moved).
    /// </summary>
    private byte[] Scratch(Inode child, List<byte[]> scratch)
    {
        if (parked.Remove((child.SuperBlock, child.Ino), out byte[]? link)) return link;
        byte[] name = ScratchName(scratch);
        Place(limboFd, name, child, false);
        return name;
    }

    /// <summary>Keeps the limbo entry <paramref name="name"/> of a regular file (possibly its link) instead of removing it.</summary>
    private void Park(Inode file, byte[] name, List<byte[]> scratch)
    {
        if (!file.IsRegular || file.LinkCount == 0) return;
        scratch.Remove(name);
        if (parked.Remove((file.SuperBlock, file.Ino), out byte[]? older)) RemovePlaceholder(limboFd, older);
        parked[(file.SuperBlock, file.Ino)] = name;
    }

    /// <summary>The placeholder for <paramref name="child"/>: a link of its stored file where it may be one, else an empty one.</summary>
    private void Place(int dirFd, byte[] cname, Inode child, bool linkCountReported)
    {
        if (child.IsRegular && storedFileToLink(child, linkCountReported) is string stored && store.Link(stored, dirFd, cname)) return;
        PlaceEmpty(dirFd, cname, child.IsDirectory);
    }

    private static void PlaceEmpty(int dirFd, byte[] cname, bool directory)
    {
        fixed (byte* p = cname)
        {
            if (directory) mkdirat(dirFd, p, 0x1C0);
            else mknodat(dirFd, p, (mode_t)(int)(FileMode.S_IFREG | 0x180 /* 0600 */), default);
        }
    }

    private static void RemovePlaceholder(int dirFd, byte[] cname)
    {
        fixed (byte* p = cname)
        {
            if (unlinkat(dirFd, p, 0) != 0 && errno == EISDIR) unlinkat(dirFd, p, AT_REMOVEDIR);
        }
    }

    private static void TouchAt(int dirFd, byte* name, AttributeChange change)
    {
        int follow = dirFd == AT_FDCWD ? 0 : AT_SYMLINK_NOFOLLOW;
        if (change == AttributeChange.Attributes)
        {
            stat st;
            if (fstatat(dirFd, name, &st, follow) == 0) fchmodat(dirFd, name, (mode_t)(int)(st.st_mode & 0xFFF), 0);
            return;
        }
        // The times set are the ones the object has: a placeholder may be a file's stored file, whose times the guest sees.
        stat now;
        if (fstatat(dirFd, name, &now, follow) != 0) return;
        timespec* times = stackalloc timespec[2];
        times[0] = now.st_atim;
        times[1] = now.st_mtim;
        if (change == AttributeChange.ModifyTime) times[0].tv_nsec = (long_t)UTIME_OMIT;
        if (change == AttributeChange.AccessTime) times[1].tv_nsec = (long_t)UTIME_OMIT;
        utimensat(dirFd, name, times, follow);
    }

    /// <summary>A name as the host's bytes (Latin-1 maps each char to its byte), NUL-terminated.</summary>
    private static byte[] CString(string s)
    {
        byte[] bytes = new byte[s.Length + 1];
        Names.ToBytes(s).CopyTo(bytes, 0);
        return bytes;
    }
}
