using System;
using System.Buffers.Binary;
using UserKernel.Kernel.Abi;
using UserKernel.Kernel.Guest;
using UserKernel.Kernel.Vfs;
using static UserKernel.Kernel.Abi.OpenFlags;

namespace UserKernel.Kernel.Syscalls;

/// <summary>open(2) and its relatives: the kernel resolves the name, opens the host object that stands for it, and installs the descriptor.</summary>
public static partial class Sys
{
    /// <summary>open(2)</summary>
    public static SyscallResult Open(SyscallContext ctx) => OpenAt(ctx, AtFlags.AT_FDCWD, 0, ctx.IntArg(1), (uint)ctx.Arg(2));

    /// <summary>openat(2)</summary>
    public static SyscallResult Openat(SyscallContext ctx) => OpenAt(ctx, ctx.IntArg(0), 1, ctx.IntArg(2), (uint)ctx.Arg(3));

    /// <summary>creat(2): open with O_CREAT|O_WRONLY|O_TRUNC.</summary>
    public static SyscallResult Creat(SyscallContext ctx) => OpenAt(ctx, AtFlags.AT_FDCWD, 0, O_CREAT | O_WRONLY | O_TRUNC, (uint)ctx.Arg(1));

    /// <summary>openat2(2): struct open_how { u64 flags, mode, resolve }.</summary>
    public static SyscallResult Openat2(SyscallContext ctx)
    {
        ulong size = ctx.Arg(3);
        if (size < 24) return Errno.EINVAL;
        Span<byte> how = stackalloc byte[24];
        if (ctx.Memory.Read(ctx.PtrArg(2), how) != Errno.OK) return Errno.EFAULT;
        ulong flags = BinaryPrimitives.ReadUInt64LittleEndian(how);
        ulong mode = BinaryPrimitives.ReadUInt64LittleEndian(how[8..]);
        ulong resolve = BinaryPrimitives.ReadUInt64LittleEndian(how[16..]);
        if (flags > uint.MaxValue) return Errno.EINVAL;
        if (resolve != 0) return Errno.EINVAL; // RESOLVE_* restrictions are not implemented
        return OpenAt(ctx, ctx.IntArg(0), 1, (int)flags, (uint)mode);
    }

    /// <summary>
    /// The VFS finds or makes the file and checks the open (<see cref="Namei.OpenAt"/>); the kernel then opens the host
    /// object that stands for it and the platform installs the descriptor.
    /// </summary>
    private static SyscallResult OpenAt(SyscallContext ctx, int dirfd, int pathArg, int flags, uint mode)
    {
        if (!ctx.Kernel.Namei.OpenAt(PathArg(ctx, dirfd, pathArg), flags, mode, Fs(ctx)).TryGet(out OpenIntent open, out Errno e)) return e;
        return OpenFile(ctx, open.File, open.Flags);
    }

    /// <summary>
    /// Linux's do_dentry_open, in the kernel's way: the host object for the file (a pipe or socket reached through
    /// /proc/PID/fd/N, a device, the file's own stored or cached bytes) is opened by the kernel and becomes the call's
    /// new descriptor. A FIFO's open waits for its other end, off the tracer thread.
    /// </summary>
    private static SyscallResult OpenFile(SyscallContext ctx, Dentry found, int flags)
    {
        Inode inode = found.Inode;
        uint type = inode.Mode & FileMode.S_IFMT;
        bool closeOnExec = (flags & O_CLOEXEC) != 0;
        string? hostPath;
        Errno e;
        if ((flags & O_PATH) == 0 && inode is HostObjectInode)
        {
            hostPath = inode.HostDevicePath!;
        }
        else if ((flags & O_PATH) == 0 && type == FileMode.S_IFCHR && ctx.Kernel.Registry.FindDevice(inode.Rdev) is { } device)
        {
            return OpenKernelDevice(ctx, found, device, flags, closeOnExec);
        }
        else if ((flags & O_PATH) == 0 && type is FileMode.S_IFCHR or FileMode.S_IFBLK)
        {
            if (!DeviceHostPath(ctx, found).TryGet(out hostPath, out e)) return e;
        }
        else
        {
            if (!HostFiles.OpenMayBlock(inode, flags))
                return OpenObject(ctx, found, flags).TryGet(out int opened, out e)
                    ? SyscallResult.NewDescriptor(opened, closeOnExec, KernelMayCloseLast(ctx, type, flags)) : e;
            if (!ctx.Kernel.HostFiles.PathFor(found).TryGet(out hostPath, out e)) return e;
        }
        if (HostFiles.OpenMayBlock(inode, flags))
            return OpenBlocking(hostPath, flags, closeOnExec);
        if (!HostFiles.OpenHost(hostPath, flags).TryGet(out int fd, out e)) return e;
        if (type == FileMode.S_IFCHR) ctx.Kernel.Terminals.Allow(fd); // a new pty from /dev/ptmx is the guests'
        return SyscallResult.NewDescriptor(fd, closeOnExec);
    }

    /// <summary>
    /// Whether the guest could not tell the kernel's close of its own descriptor from its own last close: a file or
    /// directory opened only to read (no IN_CLOSE_WRITE, no writer's end), while no guest watches anything (no
    /// IN_CLOSE_NOWRITE to see). A flock(2) taken and dropped by a close before the kernel's own close, a few
    /// microseconds, outlives it by that long.
    /// </summary>
    private static bool KernelMayCloseLast(SyscallContext ctx, uint type, int flags) =>
        type is FileMode.S_IFREG or FileMode.S_IFDIR && (flags & OpenFlags.O_ACCMODE) == OpenFlags.O_RDONLY && ctx.Kernel.Fsnotify.Quiet;

    /// <summary>One of the kernel's own devices: its DeviceServer holds the other end of what the guest gets.</summary>
    // Apart from OpenAt, as OpenBlocking is: a lambda there would make every open allocate its closure.
    private static SyscallResult OpenKernelDevice(SyscallContext ctx, Dentry node, Extensions.RegisteredDevice device, int flags, bool closeOnExec)
    {
        var how = new Extensions.DeviceOpen(ctx.Task.Group.Tgid, Caller(ctx).Fsuid, flags);
        return ctx.Kernel.Devices.Open(device, how, fd => ctx.Kernel.HostFiles.Know(fd, node)).TryGet(out int opened, out Errno e)
            ? SyscallResult.NewDescriptor(opened, closeOnExec) : e;
    }

    // Apart from OpenAt, so that its captures are made only for an open that may block: a lambda in OpenAt itself would
    // have every open allocate the closure of the parameters it captures.
    private static SyscallResult OpenBlocking(string path, int flags, bool closeOnExec) =>
        SyscallResult.Blocking(() => HostFiles.OpenHost(path, flags).TryGet(out int fd, out Errno error) ? SyscallResult.NewDescriptor(fd, closeOnExec) : error);

    /// <summary>
    /// The kernel's open of the host object standing for a file, for the guest: through the file's name in its watched
    /// directory's shadow if it has one there, so that directory's watch sees the file's events, else the object itself.
    /// </summary>
    private static Result<int> OpenObject(SyscallContext ctx, Dentry found, int flags) =>
        (flags & O_PATH) == 0 && ctx.Kernel.Fsnotify.TryOpen(found, flags, out Result<int> opened) ? opened : ctx.Kernel.HostFiles.OpenForGuest(found, flags);

    /// <summary>
    /// The host node a device node of the guest's tree stands for: the node's own host path (devfs), else the
    /// host device of its number, through a node of the kernel's where it may make one; EPERM if guests may not
    /// have the device. /dev/tty is the caller's own controlling terminal (ENXIO without one), not the kernel's.
    /// </summary>
    private static Result<string> DeviceHostPath(SyscallContext ctx, Dentry node)
    {
        Inode inode = node.Inode;
        if (inode.Rdev == Vfs.SuperBlock.MakeDev(5, 0) && (inode.Mode & FileMode.S_IFMT) == FileMode.S_IFCHR)
            return Filesystems.Dev.HostDevices.ControllingTerminalOf(ctx.Thread.TerminalNumber) ?? (Result<string>)Errno.ENXIO;
        if (inode.HostDevicePath is { } own) return own;
        string? device = (inode.Mode & FileMode.S_IFMT) == FileMode.S_IFCHR ? Filesystems.Dev.HostDevices.PathFor(inode.Rdev) : null;
        return device == null ? Errno.EPERM : ctx.Kernel.HostFiles.DevicePathFor(node, device);
    }
}
