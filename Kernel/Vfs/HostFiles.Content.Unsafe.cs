using System;
using System.Collections.Generic;
using Tmds.Linux;
using UserKernel.Kernel.Abi;
using static Tmds.Linux.LibC;

namespace UserKernel.Kernel.Vfs;

/// <summary>Writable files: their bytes live in a host file of the filesystem's (a stored file, a --bind file), which guests open directly.</summary>
public sealed unsafe partial class HostFiles
{
    private const int PruneContentEvery = 128;

    private readonly Dictionary<Inode, (string Path, ulong Dev, ulong Ino)> contentRegistered = new(ReferenceEqualityComparer.Instance);
    private int registrationsSincePrune;

    /// <summary>
    /// The path of a writable file's own host file (<see cref="Inode.ContentPath"/>), recorded as that inode's host object.
    /// It replaces any sealed copy made while the file was still the image's: opens from now on see the writable bytes.
    /// </summary>
    private Result<string> ContentPathFor(Dentry dentry, string path)
    {
        if (!contentRegistered.TryGetValue(dentry.Inode, out var known) || known.Path != path)
        {
            // A prune looks at every registered file, so prunes grow rarer as files do: linear time in all.
            if (++registrationsSincePrune >= Math.Max(PruneContentEvery, contentRegistered.Count / 2)) PruneContent();
            byte[] cpath = System.Text.Encoding.UTF8.GetBytes(path + "\0");
            stat st;
            fixed (byte* p = cpath)
            {
                if (LibC.stat(p, &st) != 0) return (Errno)errno;
            }
            byHostObject[(st.st_dev, st.st_ino)] = dentry;
            contentRegistered[dentry.Inode] = (path, st.st_dev, st.st_ino);
        }
        return path;
    }

    /// <summary>
    /// Whether a writable file is open for writing anywhere, which execve refuses (deny_write_access, ETXTBSY). The host
    /// knows: it refuses a read lease on a file any descriptor has open for writing (EAGAIN), counting every writer, a
    /// guest's, a shared writable mapping's, a --bind file's host writers. A lease granted goes with the descriptor at once.
    /// The image's bytes are sealed memfds, never open for writing.
    /// </summary>
    public static bool IsOpenForWriting(Inode inode)
    {
        const int F_SETLEASE = 1024, F_RDLCK = 0;
        if (inode.ContentPath is not string path) return false;
        byte[] cpath = System.Text.Encoding.UTF8.GetBytes(path + "\0");
        int fd;
        fixed (byte* p = cpath) fd = open(p, 0x80000 /* O_RDONLY|O_CLOEXEC */, default);
        if (fd < 0) return false;
        bool writers = fcntl(fd, F_SETLEASE, F_RDLCK) != 0 && errno == EAGAIN;
        close(fd);
        return writers;
    }

    /// <summary>
    /// Forgets the writable files that lost their last name (unlink, rename over them; their stored file went then) and
    /// that no guest holds open any more, so a guest that makes and removes many files (a compiler's temporaries) leaves
    /// no record of them behind.
    /// </summary>
    private void PruneContent()
    {
        registrationsSincePrune = 0;
        HashSet<(ulong, ulong)>? held = null;
        foreach ((Inode inode, var known) in new List<KeyValuePair<Inode, (string Path, ulong Dev, ulong Ino)>>(contentRegistered))
        {
            if (inode.LinkCount != 0 || inode.ContentPath != known.Path) continue;
            held ??= ObjectsHeldByGuests();
            if (held.Contains((known.Dev, known.Ino))) continue;
            byHostObject.Remove((known.Dev, known.Ino));
            contentRegistered.Remove(inode);
            inode.ReleaseContent();
        }
    }

    /// <summary>The host objects (device, inode) of every descriptor the guests hold.</summary>
    private HashSet<(ulong, ulong)> ObjectsHeldByGuests()
    {
        var held = new HashSet<(ulong, ulong)>();
        foreach (Guest.IGuestDescriptors table in GuestDescriptors?.Invoke() ?? [])
            foreach (int fd in table.Numbers())
                if (table.ObjectOf(fd) is { } identity) held.Add(identity);
        return held;
    }
}
