using System;
using UserKernel.Kernel.Abi;
using UserKernel.Kernel.Vfs;

namespace UserKernel.Kernel.Syscalls;

// flock(2): whole-file locks, which the host keeps per file.
public static partial class Sys
{
    /// <summary>
    /// flock(fd, operation). The host locks the file the descriptor's open file names. An image file opened only to read
    /// is a file of the user's content cache, which every run of the image opens too, so a lock on it would reach other
    /// runs: the run gets a copy of its own (<see cref="HostFiles.RunCopyFor"/>), the descriptor is moved onto a new
    /// open file of that copy, and the host locks that. Every other descriptor is the host's to lock as it is.
    /// Only the caller's descriptors move: another process that shares the same open file (forked after the open) moves
    /// its own when it locks, onto an open file of its own, so the two locks then conflict where Linux's would be one.
    /// </summary>
    public static SyscallResult Flock(SyscallContext ctx)
    {
        const int LOCK_SH = 1, LOCK_EX = 2;
        int fd = ctx.IntArg(0);
        // LOCK_UN, or an operation the host refuses: nothing to keep from other runs.
        if ((ctx.IntArg(1) & (LOCK_SH | LOCK_EX)) == 0) return SyscallResult.RunOnHost;
        HostFiles files = ctx.Kernel.HostFiles;
        if (ctx.Thread.Descriptors.ObjectOf(fd) is not { } shared || !files.IsSharedWithOtherRuns(shared)) return SyscallResult.RunOnHost;
        if (files.IdentifyHostObject(shared.Dev, shared.Ino) is not { } file) return Errno.ENOLCK; // shared, yet not known: no lock
        if (!files.RunCopyFor(file).TryGet(out string? copy, out Errno e)) return e;

        if (!ctx.Thread.DuplicateDescriptor(fd).TryGet(out int guestsFile, out e)) return e;
        Result<int> reopened = HostFiles.ReopenLike(guestsFile, copy);
        HostFiles.CloseKernelDescriptor(guestsFile);
        if (!reopened.TryGet(out int own, out e)) return e;
        long moved = MoveDescriptor(ctx, own, fd);
        HostFiles.CloseKernelDescriptor(own);
        // No room for the moved descriptor: no lock, rather than one that other runs would see. Moving it ran calls in the
        // thread, which ended this stop: the thread makes the call anew, and the host locks the run's copy.
        return moved < 0 ? Errno.ENOLCK : SyscallResult.Reissue;
    }

    /// <summary>
    /// Puts the kernel's open file <paramref name="kernelFd"/> in place of the guest's open file at descriptor
    /// <paramref name="fd"/>, at that descriptor and at every other descriptor of the caller's table that names the same
    /// open file (dup, dup2), each keeping its close-on-exec flag: installed once at a free number, dup3'd over each, and
    /// the free number closed again. So the caller's descriptors still share one open file, one offset and one lock. A
    /// negative errno if the guest has no room.
    /// </summary>
    private static long MoveDescriptor(SyscallContext ctx, int kernelFd, int fd)
    {
        Guest.IGuestDescriptors table = ctx.Thread.Descriptors;
        int host = ctx.Task.Group.HostTgid;
        // Found before any moves: a moved descriptor names the new open file.
        var sharing = new System.Collections.Generic.List<(int Fd, bool CloseOnExec)> { (fd, CloseOnExec(table, fd)) };
        foreach (int other in table.Numbers())
            if (other != fd && Interop.Libc.SameOpenFile(host, fd, host, other)) sharing.Add((other, CloseOnExec(table, other)));
        long spare = ctx.Thread.InstallDescriptor(kernelFd, closeOnExec: true);
        if (spare < 0) return spare;
        long r = 0;
        foreach ((int other, bool closeOnExec) in sharing)
        {
            long moved = ctx.Thread.InjectSyscall((int)Sysno.dup3, (ulong)spare, (ulong)other, closeOnExec ? (ulong)OpenFlags.O_CLOEXEC : 0);
            if (other == fd) r = moved;
        }
        ctx.Thread.InjectSyscall((int)Sysno.close, (ulong)spare);
        return r;
    }

    /// <summary>Whether descriptor <paramref name="fd"/> is close-on-exec: its fdinfo's "flags:" (octal) hold O_CLOEXEC for it.</summary>
    private static bool CloseOnExec(Guest.IGuestDescriptors table, int fd) => (FdinfoFlags(table.Info(fd)) & OpenFlags.O_CLOEXEC) != 0;

    /// <summary>The "flags:" line of a descriptor's fdinfo (octal): the open file's flags, and O_CLOEXEC for the descriptor's own.</summary>
    private static int FdinfoFlags(string fdinfo)
    {
        foreach (ReadOnlySpan<char> line in fdinfo.AsSpan().EnumerateLines())
        {
            if (!line.StartsWith("flags:")) continue;
            int flags = 0;
            foreach (char c in line["flags:".Length..].Trim())
                if (c is >= '0' and <= '7') flags = flags * 8 + (c - '0');
            return flags;
        }
        return 0;
    }
}
