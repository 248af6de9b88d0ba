using UserKernel.Kernel.Abi;
using UserKernel.Kernel.Filesystems.HostBind;
using UserKernel.Kernel.Vfs;

namespace UserKernel.Kernel.Syscalls;

/// <summary>
/// inotify: the guest's inotify descriptor is a host one (inotify_init, read, poll, inotify_rm_watch and close
/// run natively); inotify_add_watch resolves the guest's path in the VFS, and the kernel itself adds a watch on the
/// host object that stands for it (<see cref="Vfs.Notify.Fsnotify"/>) to its own duplicate of the guest's inotify
/// descriptor: the host path never reaches the guest.
/// </summary>
public static partial class Sys
{
    private const uint IN_ALL_EVENTS = 0xFFF, IN_UNMOUNT = 0x2000, IN_Q_OVERFLOW = 0x4000, IN_IGNORED = 0x8000;
    private const uint IN_ONLYDIR = 0x01000000, IN_DONT_FOLLOW = 0x02000000, IN_EXCL_UNLINK = 0x04000000;
    private const uint IN_MASK_CREATE = 0x10000000, IN_MASK_ADD = 0x20000000, IN_ISDIR = 0x40000000, IN_ONESHOT = 0x80000000;
    private const uint ALL_INOTIFY_BITS = IN_ALL_EVENTS | IN_UNMOUNT | IN_Q_OVERFLOW | IN_IGNORED | IN_ONLYDIR | IN_DONT_FOLLOW
        | IN_EXCL_UNLINK | IN_MASK_CREATE | IN_MASK_ADD | IN_ISDIR | IN_ONESHOT;

    /// <summary>
    /// inotify_add_watch(2), in Linux's order: the mask (EINVAL), the descriptor (EBADF, EINVAL if no inotify
    /// instance), the path (IN_DONT_FOLLOW keeps a last symlink, IN_ONLYDIR wants a directory), read permission
    /// (EACCES); then the host adds the watch to the host object standing for the file, so the watch
    /// descriptor, IN_MASK_ADD, IN_MASK_CREATE (EEXIST) and IN_ONESHOT are the host's.
    /// </summary>
    public static SyscallResult InotifyAddWatch(SyscallContext ctx)
    {
        uint mask = (uint)ctx.Arg(2);
        if ((mask & ALL_INOTIFY_BITS) == 0) return Errno.EINVAL;
        if ((mask & IN_MASK_ADD) != 0 && (mask & IN_MASK_CREATE) != 0) return Errno.EINVAL;
        if (!ctx.Thread.DuplicateDescriptor(ctx.IntArg(0)).TryGet(out int instance, out Errno e)) return e;
        try
        {
            if (!IsInotify(instance)) return Errno.EINVAL;
            bool follow = (mask & IN_DONT_FOLLOW) == 0;
            if (!ResolveAt(ctx, AtFlags.AT_FDCWD, 1, follow).TryGet(out Dentry? found, out e)) return e;
            if (found == null) return Errno.ENOENT;
            if ((mask & IN_ONLYDIR) != 0 && !found.Inode.IsDirectory) return Errno.ENOTDIR;
            if (!Permissions.May(Caller(ctx), found.Inode, AccessMode.R_OK)) return Errno.EACCES;
            if (!WatchedHostObject(ctx, found).TryGet(out string? hostPath, out e)) return e;
            // The host path leads to the object itself (often through a /proc/PID/fd magic link, which IN_DONT_FOLLOW
            // would stop at); the guest's path was already walked as the flags asked.
            return AddHostWatch(instance, hostPath, mask & ~(IN_DONT_FOLLOW | IN_ONLYDIR));
        }
        finally
        {
            HostFiles.CloseKernelDescriptor(instance);
        }
    }

    private static SyscallResult AddHostWatch(int instance, string hostPath, uint mask)
    {
        int wd = Interop.Libc.InotifyAddWatch(instance, hostPath, mask);
        return wd >= 0 ? wd : (Errno)System.Runtime.InteropServices.Marshal.GetLastPInvokeError();
    }

    /// <summary>Whether a descriptor of the kernel's is an inotify instance (its link reads "anon_inode:inotify").</summary>
    private static bool IsInotify(int kernelFd)
    {
        try
        {
            return new System.IO.FileInfo($"/proc/self/fd/{kernelFd}").LinkTarget == "anon_inode:inotify";
        }
        catch (System.IO.IOException)
        {
            return false;
        }
    }

    /// <summary>
    /// The host object whose events are the guest file's: a --bind file or directory itself; a pipe, socket or
    /// host device the guest reaches; the shadow of a directory of the kernel's filesystems; the memfd of any
    /// other file. A procfs or sysfs file has no lasting host object (each open renders a new memfd), so it
    /// cannot be watched: EOPNOTSUPP.
    /// </summary>
    private static Result<string> WatchedHostObject(SyscallContext ctx, Dentry found)
    {
        Inode inode = found.Inode;
        if (inode is HostBindInode bound) return bound.ObjectFd >= 0 ? $"/proc/{System.Environment.ProcessId}/fd/{bound.ObjectFd}" : Errno.ENOENT;
        if (inode is HostObjectInode) return inode.HostDevicePath!;
        if (inode.IsDirectory) return ctx.Kernel.Fsnotify.WatchDirectory(inode);
        if (inode.IsVolatile) return Errno.EOPNOTSUPP;
        uint type = inode.Mode & FileMode.S_IFMT;
        if (type is FileMode.S_IFCHR or FileMode.S_IFBLK && DeviceHostPath(ctx, found).TryGet(out string? device, out _)) return device;
        return ctx.Kernel.Fsnotify.WatchFile(found);
    }
}
