using System;
using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Generic;
using UserKernel.Kernel.Abi;
using UserKernel.Kernel.Vfs;

namespace UserKernel.Kernel.Syscalls;

/// <summary>Directories: listing, the working directory.</summary>
public static partial class Sys
{
    private const int NR_lseek = (int)Sysno.lseek;

    /// <summary>getdents64(2)</summary>
    public static SyscallResult Getdents64(SyscallContext ctx) => Getdents(ctx, wide: true);

    /// <summary>getdents(2), the old struct linux_dirent with d_type in its last byte.</summary>
    public static SyscallResult Getdents(SyscallContext ctx) => Getdents(ctx, wide: false);

    /// <summary>
    /// The cursor of a directory descriptor is the host file offset of its host object, so dup and fork share
    /// it and lseek/rewinddir work natively. It holds a directory position (for an image directory the
    /// one Linux's ext4 uses: a hash position or a byte offset): read it, fill the buffer from the first
    /// entry at or past it, then have the host lseek to the last entry's d_off and report the byte
    /// count when that returns. At the end nothing is written and the cursor stays.
    /// </summary>
    private static SyscallResult Getdents(SyscallContext ctx, bool wide)
    {
        int fd = ctx.IntArg(0);
        Dentry? d = FileOf(ctx, fd);
        if (d == null) return SyscallResult.RunOnHost;
        if (!d.Inode.IsDirectory) return Errno.ENOTDIR;
        if (!d.Inode.ReadDirectory().TryGet(out IReadOnlyList<DirectoryEntry>? entries, out Errno e)) return e;

        long cursor = ctx.Thread.Descriptors.OffsetOf(fd);
        if (cursor < 0) return Errno.EBADF;
        int count = (int)Math.Min(ctx.Arg(2), 1 << 20);
        byte[] buffer = ArrayPool<byte>.Shared.Rent(Math.Max(count, 1));
        try
        {
            int index = FirstAtOrAfter(entries, cursor);
            int first = index;
            int used = 0;
            for (; index < entries.Count; index++)
            {
                int length = WriteDirent(buffer.AsSpan(used), count - used, entries[index], wide);
                if (length == 0) break;
                used += length;
            }
            if (used == 0) return first < entries.Count ? Errno.EINVAL : 0;
            if (ctx.Memory.Write(ctx.PtrArg(1), buffer.AsSpan(0, used)) != Errno.OK) return Errno.EFAULT;

            ctx.RewriteNumber(NR_lseek);
            ctx.Rewrite(1, (ulong)entries[index - 1].NextPosition);
            ctx.Rewrite(2, 0); // SEEK_SET
            ctx.ReplaceResultAtExit(used);
            return SyscallResult.RunOnHost;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>The index of the first entry whose position is at least <paramref name="cursor"/> (positions rise).</summary>
    private static int FirstAtOrAfter(IReadOnlyList<DirectoryEntry> entries, long cursor)
    {
        int low = 0, high = entries.Count;
        while (low < high)
        {
            int mid = (low + high) >>> 1;
            if (entries[mid].Position < cursor) low = mid + 1;
            else high = mid;
        }
        return low;
    }

    /// <summary>
    /// Writes one struct linux_dirent64 (or, not <paramref name="wide"/>, the old struct linux_dirent
    /// with d_type in its last byte) and returns its length, or 0 if it needs more than <paramref name="room"/>.
    /// </summary>
    private static int WriteDirent(Span<byte> into, int room, DirectoryEntry entry, bool wide)
    {
        int header = wide ? 19 : 18;
        int length = (header + entry.Name.Length + (wide ? 1 : 2) + 7) & ~7;
        if (length > room) return 0;
        Span<byte> rec = into[..length];
        rec.Clear();
        BinaryPrimitives.WriteUInt64LittleEndian(rec, entry.Ino);
        BinaryPrimitives.WriteInt64LittleEndian(rec[8..], entry.NextPosition);
        BinaryPrimitives.WriteUInt16LittleEndian(rec[16..], (ushort)length);
        if (wide) rec[18] = entry.Type;
        else rec[length - 1] = entry.Type;
        Names.ToBytes(entry.Name, rec[header..]);
        return length;
    }

    /// <summary>getcwd(2): the length written, NUL included.</summary>
    public static SyscallResult Getcwd(SyscallContext ctx)
    {
        byte[] path = Names.ToBytes(ctx.Task.Group.Fs.Cwd.PathFrom(ctx.Task.Group.Fs.Root) + "\0");
        if (ctx.Arg(1) < (ulong)path.Length) return Errno.ERANGE;
        return ctx.Memory.Write(ctx.PtrArg(0), path) == Errno.OK ? path.Length : Errno.EFAULT;
    }

    /// <summary>
    /// chroot(2): the directory is found and must be searchable (EACCES), then CAP_SYS_CHROOT is asked (EPERM);
    /// the process's absolute paths start there from now on. The working directory stays where it is, as on Linux.
    /// </summary>
    public static SyscallResult Chroot(SyscallContext ctx)
    {
        if (!ResolveAt(ctx, AtFlags.AT_FDCWD, 0, true).TryGet(out Dentry? d, out Errno e)) return e;
        if (d == null || !d.Inode.IsDirectory) return Errno.ENOTDIR;
        var who = ctx.Task.Group.Credentials;
        if (!Permissions.MaySearch(who, d.Inode)) return Errno.EACCES;
        if (!who.Capable(Tasks.Capabilities.CAP_SYS_CHROOT)) return Errno.EPERM;
        ctx.Task.Group.Fs.Root = d;
        return 0;
    }

    /// <summary>chdir(2)</summary>
    public static SyscallResult Chdir(SyscallContext ctx)
    {
        if (!ResolveAt(ctx, AtFlags.AT_FDCWD, 0, true).TryGet(out Dentry? d, out Errno e)) return e;
        return ChangeDirectory(ctx, d!);
    }

    /// <summary>fchdir(2)</summary>
    public static SyscallResult Fchdir(SyscallContext ctx)
    {
        int fd = ctx.IntArg(0);
        Dentry? d = FileOf(ctx, fd);
        if (d == null) return ctx.Thread.Descriptors.IsOpen(fd) ? Errno.ENOTDIR : Errno.EBADF;
        return ChangeDirectory(ctx, d);
    }

    private static SyscallResult ChangeDirectory(SyscallContext ctx, Dentry d)
    {
        if (!d.Inode.IsDirectory) return Errno.ENOTDIR;
        if (!Permissions.MaySearch(ctx.Task.Group.Credentials, d.Inode)) return Errno.EACCES;
        ctx.Task.Group.Fs.Cwd = d;
        return 0;
    }
}
