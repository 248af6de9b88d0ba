using System.Collections.Generic;
using Tmds.Linux;
using UserKernel.Kernel.Abi;
using static Tmds.Linux.LibC;

namespace UserKernel.Kernel.Vfs;

/// <summary>
/// Files of the content cache are shared: every run of an image opens the same host file for an image file, so what the
/// host keeps per file rather than per open file, a flock(2), would reach from one run into another. Such a file gets a
/// copy of the run's own when a guest first locks it, and from then on the run's guests open and lock that copy.
/// </summary>
public sealed unsafe partial class HostFiles
{
    // The content cache's files this run holds or has handed out, by host identity.
    private readonly HashSet<(ulong Dev, ulong Ino)> sharedWithOtherRuns = new();

    /// <summary>Whether the host object <paramref name="key"/> is a file of the content cache, which other runs of the image open too.</summary>
    public bool IsSharedWithOtherRuns((ulong Dev, ulong Ino) key) => sharedWithOtherRuns.Contains(key);

    /// <summary>
    /// Gives <paramref name="dentry"/>'s inode a sealed memfd of its bytes for the rest of the run (kept, never trimmed),
    /// in place of the content cache's file, and returns its path; later opens of the file get it. ENOMEM and EIO as
    /// <see cref="PathFor"/>.
    /// </summary>
    public Result<string> RunCopyFor(Dentry dentry)
    {
        Inode inode = dentry.Inode;
        if (inode.ContentPath is string stored) return ContentPathFor(dentry, stored); // written since: the run's own already
        if (byInode.TryGetValue(inode, out var known) && !IsShared(known.Fd)) return known.Path;
        if (!ReadAll(inode).TryGet(out byte[]? content, out Errno e)) return e;
        if (!CreateObject(dentry.Name, inode, content, out var key).TryGet(out int fd, out e)) return e;
        // Guests' descriptors of the cache's file stay known by its identity; the kernel's own is no longer needed.
        if (byInode.Remove(inode, out var shared)) close(shared.Fd);
        string path = KernelPath(fd);
        byInode[inode] = (fd, path);
        byHostObject[key] = dentry;
        pinned.Add(inode);
        return path;
    }

    /// <summary>
    /// A new open file of the object at <paramref name="path"/> like the guest's open file <paramref name="guestsFile"/>
    /// (the kernel's duplicate of it): its access mode, status flags and offset.
    /// </summary>
    public static Result<int> ReopenLike(int guestsFile, string path)
    {
        int flags = fcntl(guestsFile, F_GETFL);
        long offset = lseek(guestsFile, 0, SEEK_CUR);
        if (flags < 0 || offset < 0) return (Errno)errno;
        if (!OpenHost(path, flags).TryGet(out int fd, out Errno e)) return e;
        if (lseek(fd, offset, SEEK_SET) < 0)
        {
            e = (Errno)errno;
            close(fd);
            return e;
        }
        return fd;
    }

    private bool IsShared(int fd)
    {
        stat st;
        return fstat(fd, &st) == 0 && sharedWithOtherRuns.Contains((st.st_dev, st.st_ino));
    }
}
