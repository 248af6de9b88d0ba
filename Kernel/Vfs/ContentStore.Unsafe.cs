using System;
using System.Globalization;
using System.Text;
using Tmds.Linux;
using UserKernel.Kernel.Abi;
using static Tmds.Linux.LibC;

namespace UserKernel.Kernel.Vfs;

/// <summary>
/// Where the bytes of the guest's writable files live (the overlay's upper layer, tmpfs): one host file each, in a
/// directory the kernel holds only by a descriptor. The kernel keeps no descriptor per file: it opens a file by name
/// when it needs one (a guest's open, a copy-up, a stat), so a guest may make a million files. The directory is a
/// filesystem of its own where the platform can mount one (<see cref="UseDirectory"/>): then its size is the limit, and
/// writes, fallocate and ftruncate past it fail with ENOSPC natively. Otherwise it is a directory of the kernel's, removed
/// when the run ends.
/// </summary>
public sealed class ContentStore : IDisposable
{
    private const int O_PATH = 0x200000, O_DIRECTORY = 0x10000, O_CLOEXEC = 0x80000, O_CREAT = 0x40, O_EXCL = 0x80, O_RDWR = 2;
    private const int AT_SYMLINK_NOFOLLOW = 0x100;

    private int directory = -1;
    private string? ownDirectory;
    private long made;

    /// <summary>A store in a fresh directory of the host's temporary directory (no size limit but the disk's).</summary>
    public ContentStore()
    {
        ownDirectory = System.IO.Directory.CreateTempSubdirectory($"userkernel-{Environment.ProcessId}-files-").FullName;
        directory = OpenDirectory(ownDirectory);
        Description = $"files in {ownDirectory}";
    }

    /// <summary>What holds the bytes, for the user: "files in DIR", or what the platform mounted.</summary>
    public string Description { get; private set; }

    /// <summary>The size limit in bytes, or 0 for none.</summary>
    public long Limit { get; private set; }

    /// <summary>
    /// Keeps the files in the directory <paramref name="fd"/> (a descriptor the store takes over) instead: a filesystem of
    /// <paramref name="limit"/> bytes that the platform mounted. Only before the first file is made.
    /// </summary>
    public void UseDirectory(int fd, long limit, string description)
    {
        if (made != 0) throw new InvalidOperationException("the content store already holds files");
        Dispose();
        directory = fd;
        Limit = limit;
        Description = description;
    }

    private Action? mountLater;
    private bool deferred;

    /// <summary>
    /// Has <paramref name="mount"/> give the store its filesystem (<see cref="UseDirectory"/>) when the first file is stored;
    /// until then statfs reports <paramref name="plannedLimit"/> bytes, all free. Only the first call counts.
    /// </summary>
    public void Defer(Action mount, long plannedLimit)
    {
        if (deferred) return; // arranged already (a container's sandbox does it before the tracer would)
        deferred = true;
        mountLater = mount;
        Limit = plannedLimit;
    }

    /// <summary>A new empty file. ENOSPC, EMFILE or ENOMEM from the host.</summary>
    public Result<StoredFile> Create()
    {
        MountNow();
        string name = "f" + (++made).ToString(CultureInfo.InvariantCulture);
        int fd = OpenAt(name, O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC, 0x180 /* 0600 */);
        if (fd < 0) return (Errno)(-fd);
        close(fd);
        return new StoredFile(this, directory, name);
    }

    /// <summary>
    /// A directory of the kernel's on the store's own filesystem (made on first use; the store's files are named f1, f2...,
    /// so no name clashes), into which the store's files can be linked (<see cref="Link"/>): inotify keeps its shadow
    /// directories there. Its O_PATH descriptor, which the caller owns, or -errno.
    /// </summary>
    public unsafe int OpenKernelDirectory(string name)
    {
        MountNow();
        byte[] cname = Encoding.ASCII.GetBytes(name + "\0");
        fixed (byte* p = cname) mkdirat(directory, p, 0x1C0 /* 0700 */);
        return OpenAt(name, O_PATH | O_DIRECTORY | O_CLOEXEC);
    }

    /// <summary>
    /// Gives a file of this store (<paramref name="storedPath"/>, a <see cref="StoredFile.Path"/>) one more name:
    /// <paramref name="name"/> in <paramref name="dirFd"/>, a directory on the store's filesystem
    /// (<see cref="OpenKernelDirectory"/>). False for a path the store did not make (a --bind file, which the kernel
    /// must not give a host name) or if the host refuses.
    /// </summary>
    public unsafe bool Link(string storedPath, int dirFd, ReadOnlySpan<byte> name)
    {
        string prefix = $"/proc/self/fd/{directory}/";
        if (!storedPath.StartsWith(prefix, StringComparison.Ordinal)) return false;
        byte[] from = Encoding.ASCII.GetBytes(storedPath[prefix.Length..] + "\0");
        fixed (byte* f = from)
        fixed (byte* t = name)
        {
            return linkat(directory, f, dirFd, t, 0) == 0;
        }
    }

    /// <summary>Mounts the store's filesystem if the platform asked to be called for it (<see cref="Defer"/>) and it is not yet.</summary>
    private void MountNow()
    {
        if (mountLater is not { } mount) return;
        mountLater = null;
        mount();
    }

    /// <summary>The host device the store's files are on (a guest descriptor with it is one of the store's files).</summary>
    public unsafe ulong Device
    {
        get
        {
            stat st;
            return fstat(directory, &st) == 0 ? (ulong)st.st_dev : ulong.MaxValue;
        }
    }

    /// <summary>
    /// Whether a file of the store may grow by <paramref name="bytes"/>: the filesystem has that much room. Growing a file
    /// by ftruncate makes a hole, which Linux allows past the free space; a store with a size answers ENOSPC instead,
    /// so no guest can claim more than the limit on paper either.
    /// </summary>
    public bool Fits(long bytes)
    {
        if (bytes <= 0) return true;
        (ulong _, ulong free) = Blocks(1);
        return (ulong)bytes <= free;
    }

    /// <summary>The statfs of the store's filesystem: total and free blocks of <paramref name="blockSize"/> bytes.</summary>
    public unsafe (ulong Total, ulong Free) Blocks(long blockSize)
    {
        if (mountLater != null) return ((ulong)Limit / (ulong)blockSize, (ulong)Limit / (ulong)blockSize);
        ulong* st = stackalloc ulong[15]; // f_type, f_bsize, f_blocks, f_bfree, f_bavail, ...
        if (Interop.Libc.Fstatfs(directory, st) != 0) return (0, 0);
        ulong unit = st[1];
        return (st[2] * unit / (ulong)blockSize, st[4] * unit / (ulong)blockSize);
    }

    private int OpenAt(string name, int flags, int mode = 0) => OpenAt(directory, name, flags, mode);

    /// <summary>openat(2) of a name in a store directory; the descriptor or -errno.</summary>
    internal static unsafe int OpenAt(int directory, string name, int flags, int mode = 0)
    {
        byte[] cname = Encoding.ASCII.GetBytes(name + "\0");
        int fd;
        fixed (byte* p = cname) fd = openat(directory, p, flags, (mode_t)mode);
        return fd >= 0 ? fd : -errno;
    }

    private static unsafe int OpenDirectory(string path)
    {
        byte[] cpath = Encoding.UTF8.GetBytes(path + "\0");
        fixed (byte* p = cpath) return open(p, O_PATH | O_DIRECTORY | O_CLOEXEC, default);
    }

    /// <summary>Lets go of the directory (a mounted store goes with the last open file), and removes the kernel's own.</summary>
    public void Dispose()
    {
        if (directory >= 0) close(directory);
        directory = -1;
        if (ownDirectory == null) return;
        try { System.IO.Directory.Delete(ownDirectory, recursive: true); }
        catch (System.IO.IOException) { }
        ownDirectory = null;
    }
}

/// <summary>
/// One file of a <see cref="ContentStore"/>, reached by name: a writable file's bytes. Guests open it (through
/// <see cref="Path"/>) and read, write and map it natively; the kernel opens it only for as long as one operation takes.
/// </summary>
public sealed class StoredFile
{
    private const int O_RDONLY = 0, O_RDWR = 2, O_CLOEXEC = 0x80000;
    private const long UTIME_OMIT = 0x3ffffffe;

    private readonly ContentStore store;
    private readonly int directory;
    private readonly string name;
    private (long, long, Timespec, Timespec, Timespec)? lastStat;

    internal StoredFile(ContentStore store, int directory, string name)
    {
        this.store = store;
        this.directory = directory;
        this.name = name;
    }

    /// <summary>The kernel's own host path of the file (through its descriptor of the store), never handed to a guest.</summary>
    public string Path => $"/proc/self/fd/{directory}/{name}";

    /// <summary>Writes all of <paramref name="data"/> at <paramref name="offset"/>. ENOSPC past the store's size.</summary>
    public unsafe Errno Write(long offset, ReadOnlySpan<byte> data)
    {
        int fd = Open(O_RDWR);
        if (fd < 0) return (Errno)(-fd);
        try
        {
            fixed (byte* p = data)
            {
                for (long done = 0; done < data.Length;)
                {
                    long w = pwrite(fd, p + done, (size_t)(int)(data.Length - done), offset + done);
                    if (w < 0) return (Errno)errno;
                    if (w == 0) return Errno.ENOSPC;
                    done += w;
                }
            }
            return Errno.OK;
        }
        finally { close(fd); }
    }

    /// <summary>Reads at <paramref name="offset"/>; the count read, 0 at the end.</summary>
    public unsafe Result<int> Read(long offset, Span<byte> buffer)
    {
        int fd = Open(O_RDONLY);
        if (fd < 0) return (Errno)(-fd);
        long n;
        fixed (byte* p = buffer) n = pread(fd, p, (size_t)buffer.Length, offset);
        close(fd);
        return n < 0 ? Errno.EIO : (int)n;
    }

    /// <summary>Sets the size (by name, so no watcher sees an open): EFBIG; ENOSPC past the store's size.</summary>
    public unsafe Errno Truncate(long size)
    {
        if (!store.Fits(size - Stat().Size)) return Errno.ENOSPC;
        byte[] cpath = Encoding.UTF8.GetBytes(Path + "\0");
        fixed (byte* p = cpath) return truncate(p, size) == 0 ? Errno.OK : (Errno)errno;
    }

    /// <summary>Sets the access and modification times (null leaves one as it is).</summary>
    public unsafe void SetTimes(Timespec? atime, Timespec? mtime)
    {
        timespec* times = stackalloc timespec[2];
        times[0].tv_sec = atime?.Seconds ?? 0;
        times[0].tv_nsec = (long_t)(atime is { } a ? a.Nanoseconds : UTIME_OMIT);
        times[1].tv_sec = mtime?.Seconds ?? 0;
        times[1].tv_nsec = (long_t)(mtime is { } m ? m.Nanoseconds : UTIME_OMIT);
        byte[] cname = Encoding.ASCII.GetBytes(name + "\0");
        fixed (byte* p = cname) utimensat(directory, p, times, 0);
    }

    /// <summary>Size, 512-byte blocks and times, as the host keeps them (guests change them natively).</summary>
    public unsafe (long Size, long Blocks512, Timespec Atime, Timespec Mtime, Timespec Ctime) Stat()
    {
        if (lastStat is { } gone) return gone;
        stat st = default;
        byte[] cname = Encoding.ASCII.GetBytes(name + "\0");
        fixed (byte* p = cname) fstatat(directory, p, &st, 0x100 /* AT_SYMLINK_NOFOLLOW */);
        return (st.st_size, st.st_blocks, new Timespec(st.st_atim.tv_sec, (uint)(long)st.st_atim.tv_nsec),
            new Timespec(st.st_mtim.tv_sec, (uint)(long)st.st_mtim.tv_nsec), new Timespec(st.st_ctim.tv_sec, (uint)(long)st.st_ctim.tv_nsec));
    }

    /// <summary>
    /// Removes the file's name from the store, so its room comes back when the last guest that holds it open closes it,
    /// as on Linux. Its stat stays what it was then.
    /// </summary>
    public unsafe void Delete()
    {
        if (lastStat != null) return;
        lastStat = Stat();
        byte[] cname = Encoding.ASCII.GetBytes(name + "\0");
        fixed (byte* p = cname) unlinkat(directory, p, 0);
    }

    private int Open(int flags) => ContentStore.OpenAt(directory, name, flags | O_CLOEXEC);
}
