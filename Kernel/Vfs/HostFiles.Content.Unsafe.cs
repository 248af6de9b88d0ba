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
    private static readonly long OrphanGraceTicks = 2 * System.Diagnostics.Stopwatch.Frequency;

    private readonly Dictionary<Inode, string> contentRegistered = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<Inode, long> orphanSeenAt = new(ReferenceEqualityComparer.Instance);
    private int registrationsSincePrune;

    /// <summary>
    /// The path of a writable file's own host file (<see cref="Inode.ContentPath"/>), recorded as that inode's host object.
    /// It replaces any sealed copy made while the file was still the image's: opens from now on see the writable bytes.
    /// </summary>
    private Result<string> ContentPathFor(Dentry dentry, string path)
    {
        if (!contentRegistered.TryGetValue(dentry.Inode, out string? known) || known != path)
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
            contentRegistered[dentry.Inode] = path;
        }
        return path;
    }

    /// <summary>
    /// Removes the stored files of files that lost their last name (unlink, rename over them) and that no guest holds
    /// open any more, so a guest that makes and removes many files (a compiler's temporaries) does not keep their
    /// bytes for good. A file is released only if it was already nameless at an earlier prune
    /// at least two seconds before, so an open that was on its way to the host when the name went is not cut off.
    /// </summary>
    private void PruneContent()
    {
        registrationsSincePrune = 0;
        long now = System.Diagnostics.Stopwatch.GetTimestamp();
        HashSet<(ulong, ulong)>? held = null;
        foreach ((Inode inode, string path) in new List<KeyValuePair<Inode, string>>(contentRegistered))
        {
            if (inode.LinkCount != 0 || inode.ContentPath != path) { orphanSeenAt.Remove(inode); continue; }
            if (!orphanSeenAt.TryGetValue(inode, out long seen)) { orphanSeenAt[inode] = now; continue; }
            if (now - seen < OrphanGraceTicks) continue;
            held ??= ObjectsHeldByGuests();
            byte[] cpath = System.Text.Encoding.UTF8.GetBytes(path + "\0");
            stat st;
            fixed (byte* p = cpath)
            {
                if (LibC.stat(p, &st) != 0 || held.Contains((st.st_dev, st.st_ino))) continue;
            }
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
