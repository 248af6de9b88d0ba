using System;
using System.Collections.Generic;
using System.Text;
using Tmds.Linux;
using UserKernel.Kernel.Abi;
using static Tmds.Linux.LibC;

namespace UserKernel.Kernel.Vfs;

/// <summary>
/// Every guest descriptor is a real host descriptor. For an inode of the kernel's VFS that host object is
/// one the kernel made: a memfd of the file's bytes (sealed, so no guest can change them) or, for a
/// directory, an empty removed host directory whose file offset is the getdents cursor (HostFiles.Directories);
/// for a FIFO, a host FIFO in a directory only the kernel knows. The kernel opens the object itself
/// (<see cref="OpenForGuest"/>) and the platform installs the descriptor in the guest, so no host path ever
/// reaches guest memory. The host object's device and inode numbers tell the kernel which VFS inode a guest
/// descriptor names, so dup, fork and close need no bookkeeping.
/// </summary>
public sealed unsafe partial class HostFiles : IDisposable
{
    private const uint MFD_CLOEXEC = 1, MFD_ALLOW_SEALING = 2;
    private const int F_ADD_SEALS = 1033, F_SEAL_SEAL = 1, F_SEAL_SHRINK = 2, F_SEAL_GROW = 4, F_SEAL_WRITE = 8;

    private readonly Dictionary<Inode, (int Fd, string Path)> byInode = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<(ulong Dev, ulong Ino), Dentry> byHostObject = new();
    private readonly HashSet<(ulong Dev, ulong Ino)> volatileObjects = new();
    private readonly Queue<Inode> cachedOrder = new();
    private readonly HashSet<Inode> pinned = new(ReferenceEqualityComparer.Instance);
    private int pruneVolatileAt = 4096;
    private readonly int kernelPid;
    private string? fifoDirectory;

    public HostFiles()
    {
        kernelPid = getpid();
        int probe = CreateMemfd("probe", ReadOnlySpan<byte>.Empty, out var key);
        MemfdDevice = key.Dev;
        close(probe);
    }

    /// <summary>st_dev of every memfd on this host.</summary>
    public ulong MemfdDevice { get; }

    private const int O_RDWR = 2, O_NONBLOCK = 0x800, O_NOCTTY = 0x100, O_CREAT = 0x40, O_EXCL = 0x80, O_TRUNC = 0x200,
        O_DIRECTORY = 0x10000, O_NOFOLLOW = 0x20000, O_CLOEXEC = 0x80000, O_TMPFILE_BIT = 0x400000, O_PATH = 0x200000;

    /// <summary>
    /// A new open file of the host object that stands for <paramref name="dentry"/>'s inode, opened by the kernel
    /// with the guest's open flags (access mode, O_APPEND, O_NONBLOCK, O_PATH...), for the platform to install in
    /// the guest. The caller owns the descriptor. A FIFO's open may block (<see cref="OpenMayBlock"/>).
    /// Errors: EIO (the image), ENOMEM (a memfd), and whatever the host's open answers.
    /// </summary>
    public Result<int> OpenForGuest(Dentry dentry, int flags)
    {
        if ((flags & O_PATH) != 0) return PathHandle(dentry);
        if (dentry.Inode.IsVolatile)
        {
            // A writer of a setting starts from an empty object (Linux parses each write on its own); the setting keeps it.
            bool setting = dentry.Inode.TakesWrites && (flags & O_ACCMODE) != O_RDONLY;
            if (!VolatileObject(dentry, setting).TryGet(out int made, out Errno e)) return e;
            Result<int> opened = OpenHost($"/proc/self/fd/{made}", flags);
            if (setting && opened.TryGet(out _, out _)) dentry.Inode.TakeWrites(made);
            else close(made);
            return opened;
        }
        if (!PathFor(dentry).TryGet(out string? path, out Errno error)) return error;
        return OpenHost(path, flags);
    }

    /// <summary>Whether opening the inode with these flags can wait for another process: a FIFO's blocking open, for reading or writing only.</summary>
    public static bool OpenMayBlock(Inode inode, int flags) =>
        (inode.Mode & FileMode.S_IFMT) == FileMode.S_IFIFO && (flags & (O_NONBLOCK | O_PATH)) == 0 && (flags & 3) != O_RDWR;

    /// <summary>
    /// Opens a host path of the kernel's own (a memfd through /proc/self/fd, a FIFO or device node of its directory,
    /// an allowed host device) with a guest's open flags; never a terminal that would become the kernel's own.
    /// </summary>
    public static Result<int> OpenHost(string path, int flags)
    {
        int room = Encoding.UTF8.GetMaxByteCount(path.Length) + 1;
        Span<byte> cpath = room <= 1024 ? stackalloc byte[room] : new byte[room];
        cpath[Encoding.UTF8.GetBytes(path, cpath)] = 0;
        int fd;
        fixed (byte* p = cpath) fd = open(p, HostOpenFlags(flags), default);
        return fd >= 0 ? fd : (Errno)errno;
    }

    /// <summary>
    /// The flags the kernel opens a host object of its own with for a guest's open: the guest's, without those the VFS
    /// already acted on (creation, truncation, how the name was walked), close-on-exec for the kernel, never a controlling terminal.
    /// </summary>
    public static int HostOpenFlags(int flags) =>
        (flags & ~(O_CREAT | O_EXCL | O_NOFOLLOW | O_DIRECTORY | O_TRUNC | O_TMPFILE_BIT)) | O_CLOEXEC | O_NOCTTY;

    /// <summary>
    /// The host path by which the kernel itself reaches <paramref name="dentry"/>'s inode (to reopen it, to watch it):
    /// made on first use. It is the kernel's and is never handed to a guest.
    /// EIO if the content cannot be read from the image, ENOMEM if the host refuses a memfd.
    /// </summary>
    public Result<string> PathFor(Dentry dentry)
    {
        Inode inode = dentry.Inode;
        if (inode.IsVolatile) return Errno.EOPNOTSUPP; // rendered afresh for each open: OpenForGuest
        if (inode.ContentPath is string stored) return ContentPathFor(dentry, stored);
        if (byInode.TryGetValue(inode, out var known)) return known.Path;

        if ((inode.Mode & FileMode.S_IFMT) == FileMode.S_IFIFO) return FifoFor(dentry);
        if (inode.IsRegular && inode.CachedContent is { } cached) return cached.TryGet(out string? kept, out Errno failed) ? KeptFile(dentry, kept) : failed;

        byte[] content = [];
        if ((inode.IsRegular || inode.IsSymlink) && !ReadAll(inode).TryGet(out content!, out Errno e)) return e;
        if (!CreateObject(dentry.Name, inode, content, out var key).TryGet(out int fd, out e)) return e;

        string path = KernelPath(fd);
        byInode[inode] = (fd, path);
        byHostObject[key] = dentry;
        cachedOrder.Enqueue(inode);
        return path;
    }

    /// <summary>
    /// A file of the <see cref="ContentCache"/> standing for <paramref name="dentry"/>'s inode. The kernel holds it open, as it
    /// holds a memfd, so a prune of the cache by another run cannot take it away while this run uses it.
    /// </summary>
    private Result<string> KeptFile(Dentry dentry, string path)
    {
        if (!OpenHost(path, 0 /* O_RDONLY */).TryGet(out int fd, out Errno e)) return e == Errno.ENOENT ? Errno.EIO : e;
        stat st;
        if (fstat(fd, &st) != 0)
        {
            close(fd);
            return Errno.EIO;
        }
        string held = KernelPath(fd);
        byInode[dentry.Inode] = (fd, held);
        byHostObject[(st.st_dev, st.st_ino)] = dentry;
        sharedWithOtherRuns.Add((st.st_dev, st.st_ino));
        cachedOrder.Enqueue(dentry.Inode);
        return held;
    }

    /// <summary>A host file's device, inode and change time (ns): what names one version of an image for the <see cref="ContentCache"/>.</summary>
    public static (ulong Dev, ulong Ino, long CtimeNs) FileIdentity(string path)
    {
        byte[] cpath = Encoding.UTF8.GetBytes(path + "\0");
        stat st;
        fixed (byte* p = cpath)
        {
            if (stat(p, &st) != 0) throw new System.IO.IOException($"{path}: {ErrnoNames.Message((Errno)errno)}");
        }
        return (st.st_dev, st.st_ino, st.st_ctim.tv_sec * 1_000_000_000L + st.st_ctim.tv_nsec);
    }

    /// <summary>Whether this process's user owns the host file at <paramref name="path"/> (not following a last symlink).</summary>
    public static bool OwnedByMe(string path)
    {
        byte[] cpath = Encoding.UTF8.GetBytes(path + "\0");
        stat st;
        fixed (byte* p = cpath) return lstat(p, &st) == 0 && st.st_uid == geteuid();
    }

    /// <summary>
    /// Keeps at most <see cref="MaxCachedObjects"/> of the memfds made for image files and directories (the oldest go
    /// first), so the kernel holds no descriptor per file for the life of the run. A guest that holds one keeps it; the
    /// next open of the file makes a new one, which names the same inode. Called between syscalls, so that no path a
    /// handler was given goes stale under it; the stub's memfd is never let go.
    /// </summary>
    public void Trim()
    {
        for (int n = cachedOrder.Count; n > 0 && cachedOrder.Count > MaxCachedObjects; n--)
        {
            Inode inode = cachedOrder.Dequeue();
            if (pinned.Contains(inode))
            {
                cachedOrder.Enqueue(inode);
                continue;
            }
            if (!byInode.Remove(inode, out var cached) || cached.Fd < 0) continue;
            // Guests may still hold it; once none does, a prune forgets it, as it forgets procfs renderings.
            stat st;
            // A file of the content cache is opened again as the same host file: it stays known (sharedWithOtherRuns).
            if (fstat(cached.Fd, &st) == 0 && !sharedWithOtherRuns.Contains((st.st_dev, st.st_ino))) volatileObjects.Add((st.st_dev, st.st_ino));
            close(cached.Fd);
        }
    }

    /// <summary>The cached memfds kept at once.</summary>
    public const int MaxCachedObjects = 1024;

    /// <summary>Keeps the host object of <paramref name="dentry"/> for the whole run (the stub every guest runs).</summary>
    public void Pin(Dentry dentry) => pinned.Add(dentry.Inode);

    private (int Fd, string Path, (ulong Dev, ulong Ino) Key)? madeEarly;

    /// <summary>
    /// A sealed memfd of <paramref name="content"/>, made before the inode it will stand for exists, and its path: the
    /// stub's, which the first process is spawned from while the kernel is still being made. <see cref="Adopt"/> gives it
    /// to its inode.
    /// </summary>
    public string MakeEarly(string name, ReadOnlySpan<byte> content)
    {
        if (madeEarly != null) throw new InvalidOperationException("an object made early waits for its inode already");
        int fd = CreateMemfd(name, content, out var key);
        if (fd < 0) throw new System.IO.IOException($"cannot make a memfd for {name}: {Abi.ErrnoNames.Message((Errno)(-fd))}");
        madeEarly = (fd, KernelPath(fd), key);
        return madeEarly.Value.Path;
    }

    /// <summary>The object <see cref="MakeEarly"/> made at <paramref name="path"/> becomes <paramref name="dentry"/>'s, pinned.</summary>
    public void Adopt(Dentry dentry, string path)
    {
        if (madeEarly is not { } made || made.Path != path) throw new ArgumentException($"no object was made early at {path}", nameof(path));
        madeEarly = null;
        byInode[dentry.Inode] = (made.Fd, path);
        byHostObject[made.Key] = dentry;
        pinned.Add(dentry.Inode);
    }

    /// <summary>
    /// A memfd made for one open of a volatile inode (procfs), its content rendered now; the caller closes it once it
    /// has opened the guest's descriptor. The host object stays known for fstat and getdents while any guest holds it.
    /// </summary>
    private Result<int> VolatileObject(Dentry dentry, bool forSetting = false)
    {
        Inode inode = dentry.Inode;
        byte[] content = [];
        if (forSetting) return CreateSettingMemfd(dentry.Name);
        if (inode.IsRegular || inode.IsSymlink)
        {
            if (!ReadToEnd(inode).TryGet(out byte[]? text, out Errno e)) return e;
            content = text;
        }
        if (volatileObjects.Count >= pruneVolatileAt) PruneVolatile();
        if (!CreateObject(dentry.Name, inode, content, out var key).TryGet(out int fd, out Errno error)) return error;
        byHostObject[key] = dentry;
        volatileObjects.Add(key);
        return fd;
    }

    /// <summary>
    /// What an O_PATH open gives: a new empty sealed memfd that stands for the inode (fstat, a dirfd, fchdir and
    /// execveat find it as they find any object of the kernel's), opened write-only, so read fails with EBADF as on
    /// an O_PATH descriptor and write with EPERM. A real O_PATH descriptor cannot be installed in the guest: the
    /// host's SECCOMP_IOCTL_NOTIF_ADDFD refuses one. Nothing is opened: no device or FIFO sees an open.
    /// </summary>
    private Result<int> PathHandle(Dentry dentry)
    {
        if (volatileObjects.Count >= pruneVolatileAt) PruneVolatile();
        int fd = CreateMemfd(dentry.Name, ReadOnlySpan<byte>.Empty, out var key);
        if (fd < 0) return ObjectError(-fd);
        byHostObject[key] = dentry;
        volatileObjects.Add(key);
        Result<int> opened = OpenHost($"/proc/self/fd/{fd}", 1 /* O_WRONLY */);
        close(fd);
        return opened;
    }

    /// <summary>Closes a descriptor of the kernel's own (one it opened for a guest and has handed over).</summary>
    public static void CloseKernelDescriptor(int fd) => close(fd);

    /// <summary>Whether a host object (<see cref="Guest.IGuestThread.Executable"/>, say) is the one made for <paramref name="dentry"/>.</summary>
    public bool IsObjectOf((ulong Dev, ulong Ino)? identity, Dentry dentry) =>
        identity is { } known && byHostObject.TryGetValue(known, out Dentry? d) && d.Inode == dentry.Inode;

    /// <summary>
    /// The descriptor tables of the guests, whose descriptors may hold volatile memfds and deleted files, for pruning:
    /// the platform's views of them (<see cref="GuestKernel.Platform"/>).
    /// </summary>
    public Func<IEnumerable<Guest.IGuestDescriptors>>? GuestDescriptors { get; set; }

    /// <summary>Forgets the volatile memfds no guest holds any more, so a long run does not grow without bound.</summary>
    private void PruneVolatile()
    {
        HashSet<(ulong, ulong)> live = ObjectsHeldByGuests();
        volatileObjects.RemoveWhere(key =>
        {
            if (live.Contains(key) || sharedWithOtherRuns.Contains(key)) return false;
            byHostObject.Remove(key);
            return true;
        });
        pruneVolatileAt = Math.Max(4096, 2 * volatileObjects.Count);
    }

    /// <summary>
    /// Makes a host object the kernel made for a guest's open (a kernel device's socket) stand for <paramref name="dentry"/>:
    /// fstat and /proc/PID/fd name the node the guest opened. Returns the object's identity, for <see cref="Forget"/>.
    /// </summary>
    public (ulong Dev, ulong Ino) Know(int kernelFd, Dentry dentry)
    {
        stat st;
        if (fstat(kernelFd, &st) != 0) return default;
        byHostObject[(st.st_dev, st.st_ino)] = dentry;
        return (st.st_dev, st.st_ino);
    }

    /// <summary>Forgets a host object <see cref="Know"/> made known, once no guest holds it.</summary>
    public void Forget((ulong Dev, ulong Ino) identity) => byHostObject.Remove(identity);

    /// <summary>The dentries of every file a guest has opened through the kernel, for renames to keep current.</summary>
    public IEnumerable<Dentry> HeldDentries => byHostObject.Values;

    /// <summary>The VFS dentry a host object (device and inode numbers, as /proc/PID/maps shows them) was made for, if any.</summary>
    public Dentry? IdentifyHostObject(ulong device, ulong ino) =>
        byHostObject.TryGetValue((device, ino), out Dentry? d) ? d : null;

    /// <summary>
    /// A FIFO of the image is a real host FIFO in a directory only the kernel knows, one per inode, so
    /// guests that open the same name meet in the same pipe and block as they would on Linux.
    /// </summary>
    private Result<string> FifoFor(Dentry dentry)
    {
        string path = System.IO.Path.Combine(KernelDirectory(), $"fifo-{dentry.Inode.SuperBlock.Device}-{dentry.Inode.Ino}");
        byte[] cpath = Encoding.UTF8.GetBytes(path + "\0");
        stat st;
        fixed (byte* p = cpath)
        {
            if (mkfifo(p, 0x180 /* 0600 */) != 0 || stat(p, &st) != 0) return Errno.ENOMEM;
        }
        byInode[dentry.Inode] = (-1, path);
        byHostObject[(st.st_dev, st.st_ino)] = dentry;
        return path;
    }

    /// <summary>
    /// The host path through which a guest opens the device node <paramref name="dentry"/>, whose host device is
    /// <paramref name="hostDevice"/>. Where the kernel may make device nodes (it runs as root), each VFS node gets
    /// its own host node of the same number in the kernel's directory, so fstat of the descriptor names the
    /// guest's inode; otherwise the guest opens the host's device itself and fstat shows the host's node.
    /// </summary>
    public string DevicePathFor(Dentry dentry, string hostDevice)
    {
        if (byInode.TryGetValue(dentry.Inode, out var known)) return known.Path;
        if (geteuid() != 0) return hostDevice;
        string path = System.IO.Path.Combine(KernelDirectory(), "dev-" + dentry.Inode.Ino.ToString(System.Globalization.CultureInfo.InvariantCulture));
        byte[] cpath = Encoding.UTF8.GetBytes(path + "\0");
        stat st;
        fixed (byte* p = cpath)
        {
            if (mknod(p, (mode_t)(int)(FileMode.S_IFCHR | 0x180), (dev_t)dentry.Inode.Rdev) != 0 || stat(p, &st) != 0) return hostDevice;
        }
        byInode[dentry.Inode] = (-1, path);
        byHostObject[(st.st_dev, st.st_ino)] = dentry;
        return path;
    }

    /// <summary>An empty directory of the kernel's, the guests' root on the host (<c>GuestNamespaces</c>): a path that reached the host would find nothing.</summary>
    public string EmptyRoot()
    {
        string empty = System.IO.Path.Combine(KernelDirectory(), "empty");
        System.IO.Directory.CreateDirectory(empty);
        return empty;
    }

    /// <summary>The kernel's own path to one of its descriptors, by which it reopens the object for a guest.</summary>
    private string KernelPath(int fd) => $"/proc/{kernelPid}/fd/{fd}";

    /// <summary>The kernel's private host directory (FIFOs, device nodes, Unix sockets), made on first use.</summary>
    public string KernelDirectory() => fifoDirectory ??= System.IO.Directory.CreateTempSubdirectory($"userkernel-{kernelPid}-").FullName;

    /// <summary>Removes the kernel's host FIFOs and device nodes; the memfds go with the process.</summary>
    public void Dispose()
    {
        if (fifoDirectory == null) return;
        // Most runs leave only the empty root: two rmdirs, sparing the recursive walk's first use (milliseconds of JIT).
        try
        {
            System.IO.Directory.Delete(System.IO.Path.Combine(fifoDirectory, "empty"), recursive: false);
            System.IO.Directory.Delete(fifoDirectory, recursive: false);
        }
        catch (System.IO.IOException)
        {
            try { System.IO.Directory.Delete(fifoDirectory, recursive: true); }
            catch (System.IO.IOException) { }
        }
        fifoDirectory = null;
    }

    /// <summary>
    /// The VFS dentry descriptor <paramref name="fd"/> of a guest's table was opened through, or null if it is a host
    /// object (pipe, tty, socket) or not open: for a handler's caller and for /proc/PID/fd of any guest alike.
    /// </summary>
    public Dentry? Identify(Guest.IGuestDescriptors descriptors, int fd) =>
        descriptors.ObjectOf(fd) is { } o && byHostObject.TryGetValue(o, out Dentry? d) ? d : null;


    private static Result<byte[]> ReadAll(Inode inode)
    {
        if (inode.IsSymlink) return inode.ReadLink();
        if (inode.Size > int.MaxValue) return Errno.EFBIG;
        var content = new byte[inode.Size];
        int done = 0;
        while (done < content.Length)
        {
            if (!inode.Read(done, content.AsSpan(done)).TryGet(out int n, out Errno e)) return e;
            if (n == 0) break;
            done += n;
        }
        return content;
    }

    /// <summary>A volatile inode's content: it reports no size (as procfs), so read until the end.</summary>
    private static Result<byte[]> ReadToEnd(Inode inode)
    {
        if (inode.IsSymlink) return inode.ReadLink();
        var content = new byte[4096];
        int done = 0;
        while (true)
        {
            if (done == content.Length) Array.Resize(ref content, content.Length * 2);
            if (!inode.Read(done, content.AsSpan(done)).TryGet(out int n, out Errno e)) return e;
            if (n == 0) break;
            done += n;
        }
        return content[..done];
    }

    /// <summary>A sealed memfd holding <paramref name="content"/>, or -errno.</summary>
    /// <summary>
    /// The object a writer of a procfs setting writes into: a memfd of one page of zeros, sealed at that size, so a
    /// guest that writes on and on gets EPERM, not the host's memory.
    /// </summary>
    private static Result<int> CreateSettingMemfd(string name)
    {
        const int Page = 4096;
        int fd;
        fixed (byte* p = Encoding.Latin1.GetBytes(name[..Math.Min(name.Length, 40)] + "\0")) fd = memfd_create(p, MFD_CLOEXEC | MFD_ALLOW_SEALING);
        if (fd < 0) return ObjectError(errno);
        if (ftruncate(fd, Page) != 0 || fcntl(fd, F_ADD_SEALS, F_SEAL_GROW | F_SEAL_SHRINK | F_SEAL_SEAL) != 0)
        {
            int e = errno;
            close(fd);
            return ObjectError(e);
        }
        return fd;
    }

    /// <summary>
    /// A new host object for one guest inode with <paramref name="content"/>: an empty removed host directory for a
    /// directory (where the host has room for one), a sealed memfd otherwise. The caller owns the descriptor.
    /// Errors: ENFILE when the kernel's own descriptor table is full (the guest's table is not: never its EMFILE),
    /// ENOMEM when the host refuses the memory.
    /// </summary>
    private Result<int> CreateObject(string name, Inode inode, ReadOnlySpan<byte> content, out (ulong Dev, ulong Ino) key)
    {
        key = default;
        int fd = inode.IsDirectory && DirectoryRoom() >= 0 ? CreateDirectoryObject(out key) : -(int)Errno.ENODEV;
        // A room that refuses (full, say) still leaves the memfd, which differs only in how reads answer.
        if (fd < 0 && (Errno)(-fd) is not (Errno.EMFILE or Errno.ENFILE)) fd = CreateMemfd(name, content, out key);
        return fd >= 0 ? fd : ObjectError(-fd);
    }

    /// <summary>What a guest is told when the kernel could not make a host object: its own table is not the one that is full.</summary>
    private static Errno ObjectError(int hostErrno) => (Errno)hostErrno is Errno.EMFILE or Errno.ENFILE ? Errno.ENFILE : Errno.ENOMEM;

    private int CreateMemfd(string name, ReadOnlySpan<byte> content, out (ulong Dev, ulong Ino) key)
    {
        key = default;
        Span<byte> cname = stackalloc byte[64];
        int n = Encoding.Latin1.GetBytes(name.AsSpan(0, Math.Min(name.Length, 40)), cname);
        cname[n] = 0;
        int fd;
        fixed (byte* p = cname) fd = memfd_create(p, MFD_CLOEXEC | MFD_ALLOW_SEALING);
        if (fd < 0) return -errno;
        fixed (byte* data = content)
        {
            long done = 0;
            while (done < content.Length)
            {
                long w = pwrite(fd, data + done, (size_t)(int)(content.Length - done), done);
                if (w <= 0)
                {
                    int e = w < 0 ? errno : (int)Errno.ENOSPC;
                    close(fd);
                    return -e;
                }
                done += w;
            }
        }
        fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE | F_SEAL_GROW | F_SEAL_SHRINK | F_SEAL_SEAL);
        stat st;
        fstat(fd, &st);
        key = (st.st_dev, st.st_ino);
        return fd;
    }
}
