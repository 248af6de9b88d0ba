using System;
using System.Collections.Generic;
using Tmds.Linux;
using UserKernel.Kernel.Abi;
using static Tmds.Linux.LibC;

namespace UserKernel.Kernel.Vfs;

/// <summary>Writable files: their bytes live in a memfd the filesystem owns, which guests open directly.</summary>
public sealed unsafe partial class HostFiles
{
    private const int PruneContentEvery = 128;
    private static readonly long OrphanGraceTicks = 2 * System.Diagnostics.Stopwatch.Frequency;

    private readonly Dictionary<Inode, int> contentRegistered = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<Inode, long> orphanSeenAt = new(ReferenceEqualityComparer.Instance);
    private int registrationsSincePrune;

    /// <summary>
    /// The path of a writable file's own memfd (<see cref="Inode.ContentFd"/>). It replaces any sealed copy
    /// made while the file was still the image's: opens from now on see the writable bytes.
    /// </summary>
    private string ContentPathFor(Dentry dentry, int fd)
    {
        if (!contentRegistered.TryGetValue(dentry.Inode, out int known) || known != fd)
        {
            if (++registrationsSincePrune >= PruneContentEvery) PruneContent();
            stat st;
            fstat(fd, &st);
            byHostObject[(st.st_dev, st.st_ino)] = dentry;
            contentRegistered[dentry.Inode] = fd;
        }
        return $"/proc/{kernelPid}/fd/{fd}";
    }

    /// <summary>
    /// Frees the memfds of files that lost their last name (unlink, rename over them) and that no guest holds
    /// open any more, so a guest that makes and removes many files (a compiler's temporaries) does not keep
    /// their bytes in memory for good. A file is released only if it was already nameless at an earlier prune
    /// at least two seconds before, so an open that was on its way to the host when the name went is not cut off.
    /// </summary>
    private void PruneContent()
    {
        registrationsSincePrune = 0;
        long now = System.Diagnostics.Stopwatch.GetTimestamp();
        HashSet<(ulong, ulong)>? held = null;
        foreach ((Inode inode, int fd) in new List<KeyValuePair<Inode, int>>(contentRegistered))
        {
            if (inode.LinkCount != 0 || inode.ContentFd != fd) { orphanSeenAt.Remove(inode); continue; }
            if (!orphanSeenAt.TryGetValue(inode, out long seen)) { orphanSeenAt[inode] = now; continue; }
            if (now - seen < OrphanGraceTicks) continue;
            held ??= ObjectsHeldByGuests();
            stat st;
            if (fstat(fd, &st) != 0 || held.Contains((st.st_dev, st.st_ino))) continue;
            byHostObject.Remove((st.st_dev, st.st_ino));
            contentRegistered.Remove(inode);
            orphanSeenAt.Remove(inode);
            inode.ReleaseContent();
        }
    }

    /// <summary>The host objects (device, inode) of every descriptor the guests hold.</summary>
    private HashSet<(ulong, ulong)> ObjectsHeldByGuests()
    {
        var held = new HashSet<(ulong, ulong)>();
        foreach (int pid in GuestHostPids?.Invoke() ?? [])
        {
            string[] fds;
            try { fds = System.IO.Directory.GetFileSystemEntries($"/proc/{pid}/fd"); }
            catch (Exception ex) when (ex is System.IO.IOException or UnauthorizedAccessException) { continue; }
            foreach (string fdPath in fds)
            {
                byte[] cpath = System.Text.Encoding.ASCII.GetBytes(fdPath + "\0");
                stat st;
                fixed (byte* p = cpath)
                {
                    if (stat(p, &st) == 0) held.Add((st.st_dev, st.st_ino));
                }
            }
        }
        return held;
    }
}

/// <summary>
/// A memfd holding a writable file's bytes. The filesystem owns it; guests open it by the kernel's path and
/// read, write, truncate and map it natively, so size and times for stat are read back from the host.
/// </summary>
public sealed unsafe class MemfdContent : IDisposable
{
    private const uint MFD_CLOEXEC = 1;
    private const long UTIME_OMIT = 0x3ffffffe;

    private MemfdContent(int fd) { Fd = fd; }

    /// <summary>The kernel's descriptor of the memfd.</summary>
    public int Fd { get; }

    /// <summary>A new empty memfd. ENOMEM if the host refuses one.</summary>
    public static Result<MemfdContent> Create(string name)
    {
        Span<byte> cname = stackalloc byte[64];
        int n = System.Text.Encoding.Latin1.GetBytes(name.AsSpan(0, Math.Min(name.Length, 40)), cname);
        cname[n] = 0;
        int fd;
        fixed (byte* p = cname) fd = memfd_create(p, MFD_CLOEXEC);
        return fd < 0 ? Errno.ENOMEM : new MemfdContent(fd);
    }

    /// <summary>Writes all of <paramref name="data"/> at <paramref name="offset"/>. ENOSPC if the host refuses.</summary>
    public Errno Write(long offset, ReadOnlySpan<byte> data)
    {
        fixed (byte* p = data)
        {
            long done = 0;
            while (done < data.Length)
            {
                long w = pwrite(Fd, p + done, (size_t)(int)(data.Length - done), offset + done);
                if (w <= 0) return Errno.ENOSPC;
                done += w;
            }
        }
        return Errno.OK;
    }

    /// <summary>Reads at <paramref name="offset"/>; the count read, 0 at the end.</summary>
    public Result<int> Read(long offset, Span<byte> buffer)
    {
        long n;
        fixed (byte* p = buffer) n = pread(Fd, p, (size_t)buffer.Length, offset);
        return n < 0 ? Errno.EIO : (int)n;
    }

    /// <summary>Sets the size. EFBIG if the host refuses.</summary>
    public Errno Truncate(long size) => ftruncate(Fd, size) == 0 ? Errno.OK : Errno.EFBIG;

    /// <summary>Sets the access and modification times (null leaves one as it is).</summary>
    public void SetTimes(Timespec? atime, Timespec? mtime)
    {
        timespec* times = stackalloc timespec[2];
        times[0].tv_sec = atime?.Seconds ?? 0;
        times[0].tv_nsec = (long_t)(atime is { } a ? a.Nanoseconds : UTIME_OMIT);
        times[1].tv_sec = mtime?.Seconds ?? 0;
        times[1].tv_nsec = (long_t)(mtime is { } m ? m.Nanoseconds : UTIME_OMIT);
        futimens(Fd, times);
    }

    /// <summary>Closes the kernel's descriptor: the bytes live on only while a guest holds the memfd.</summary>
    public void Dispose() => close(Fd);

    /// <summary>Size, 512-byte blocks and times as the host keeps them.</summary>
    public (long Size, long Blocks512, Timespec Atime, Timespec Mtime, Timespec Ctime) Stat()
    {
        stat st;
        fstat(Fd, &st);
        return (st.st_size, st.st_blocks, new Timespec(st.st_atim.tv_sec, (uint)(long)st.st_atim.tv_nsec),
            new Timespec(st.st_mtim.tv_sec, (uint)(long)st.st_mtim.tv_nsec), new Timespec(st.st_ctim.tv_sec, (uint)(long)st.st_ctim.tv_nsec));
    }
}
