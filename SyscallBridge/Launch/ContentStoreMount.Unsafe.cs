using System;
using System.IO;
using System.Text;
using UserKernel.Kernel.Abi;
using UserKernel.Kernel.Vfs;
using UserKernel.SyscallBridge.Tracing;
using static Tmds.Linux.LibC;

namespace UserKernel.SyscallBridge.Launch;

/// <summary>
/// Gives the <see cref="ContentStore"/> a filesystem of its own, of --disk-size bytes, so that guests' writes past it fail
/// with ENOSPC on the host, natively. The kernel cannot mount in its own mount namespace (it is multi-threaded), so a
/// helper stub does it in a new one and hands the kernel a descriptor of the mount's root; the helper then exits, its
/// namespace with it, and the mount lives on, detached and seen by no one, for as long as the kernel holds it.
/// <list type="bullet">
/// <item>as root, where loop devices exist: an ext4 filesystem the kernel writes itself into a sparse file, on a loop
/// device that frees itself when the mount goes: the bytes are on disk;</item>
/// <item>otherwise, in a user namespace: a tmpfs of that size: bounded, but in memory (and swap);</item>
/// <item>where neither can be had, the store stays a plain directory, bounded only by the disk, with a warning.</item>
/// </list>
/// </summary>
internal static class ContentStoreMount
{
    private const int NR_unshare = 272, NR_mount = 165, NR_open = 2;
    private const ulong CLONE_NEWNS = 0x20000, CLONE_NEWUSER = 0x10000000;
    private const ulong MS_NOSUID = 2, MS_NODEV = 4, MS_REC = 0x4000, MS_PRIVATE = 1 << 18;
    private const int O_RDWR = 2, O_CLOEXEC = 0x80000, O_PATH = 0x200000, O_DIRECTORY = 0x10000;
    private const ulong LOOP_CTL_GET_FREE = 0x4C82, LOOP_CONFIGURE = 0x4C0A;
    private const uint LO_FLAGS_AUTOCLEAR = 4;

    /// <summary>
    /// Mounts a filesystem of <paramref name="size"/> bytes (null: the default, and in memory at most half the host's) for
    /// the store, from a helper made from the stub at <paramref name="stubPath"/>.
    /// </summary>
    public static void Mount(ContentStore store, string stubPath, string kernelDirectory, long? size)
    {
        long onDisk = size ?? Kernel.KernelOptions.DefaultDiskSize;
        long inMemory = size ?? Math.Min(Kernel.KernelOptions.DefaultDiskSize, GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / 2);
        string mountPoint = Path.Combine(kernelDirectory, "store");
        Directory.CreateDirectory(mountPoint);
        string? why = null;
        if (geteuid() == 0 && File.Exists("/dev/loop-control"))
        {
            if (OnLoopDevice(store, stubPath, kernelDirectory, mountPoint, onDisk, out why)) return;
        }
        if (InTmpfs(store, stubPath, mountPoint, inMemory, out string? tmpfsWhy)) return;
        Console.Error.WriteLine($"userkernel: warning: writable files are kept in {store.Description}, without the --disk-size limit " +
            $"({why ?? "not root"}; {tmpfsWhy})");
    }

    private static bool OnLoopDevice(ContentStore store, string stubPath, string kernelDirectory, string mountPoint, long size, out string? why)
    {
        string image = Path.Combine(kernelDirectory, "disk.img");
        try
        {
            EmptyFilesystem.Write(image, size);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or RootFs.Image.ImageFormatException)
        {
            why = "cannot write the disk image: " + ex.Message;
            return false;
        }
        (int loop, int device) = AttachLoop(image, out why);
        File.Delete(image); // the loop device holds it; its blocks go when the device frees itself
        if (loop < 0) return false;
        try
        {
            int fd = MountInHelper(stubPath, mountPoint, newUserNamespace: false, $"/dev/loop{loop}", "ext4", null, out why);
            if (fd < 0) return false;
            store.UseDirectory(fd, size, $"an ext4 filesystem of {Describe(size)} on /dev/loop{loop}");
            return true;
        }
        finally
        {
            // The mount holds the device now; had nothing mounted it, AUTOCLEAR frees it at this last close.
            close(device);
        }
    }

    /// <summary>A free loop device backed by <paramref name="image"/>, freeing itself when last closed: its number and the kernel's descriptor, or -1.</summary>
    private static unsafe (int Number, int Fd) AttachLoop(string image, out string? why)
    {
        why = null;
        int control = Open("/dev/loop-control", O_RDWR | O_CLOEXEC);
        if (control < 0) { why = "no /dev/loop-control"; return (-1, -1); }
        int number = Ioctl(control, LOOP_CTL_GET_FREE, null);
        close(control);
        if (number < 0) { why = "no free loop device"; return (-1, -1); }
        int device = Open($"/dev/loop{number}", O_RDWR | O_CLOEXEC);
        int backing = Open(image, O_RDWR | O_CLOEXEC);
        if (device < 0 || backing < 0)
        {
            why = $"cannot open /dev/loop{number} or the image";
            if (backing >= 0) close(backing);
            if (device >= 0) close(device);
            return (-1, -1);
        }
        // struct loop_config { u32 fd; u32 block_size; struct loop_info64 info (lo_flags at 52); u64 reserved[8]; }
        byte* config = stackalloc byte[304];
        new Span<byte>(config, 304).Clear();
        *(uint*)config = (uint)backing;
        *(uint*)(config + 8 + 52) = LO_FLAGS_AUTOCLEAR;
        int r = Ioctl(device, LOOP_CONFIGURE, config);
        close(backing);
        if (r < 0)
        {
            why = "LOOP_CONFIGURE failed";
            close(device);
            return (-1, -1);
        }
        return (number, device);
    }

    private static bool InTmpfs(ContentStore store, string stubPath, string mountPoint, long size, out string? why)
    {
        string options = $"size={size},mode=0700";
        int fd = MountInHelper(stubPath, mountPoint, newUserNamespace: geteuid() != 0, "userkernel", "tmpfs", options, out why);
        if (fd < 0) return false;
        store.UseDirectory(fd, size, $"a tmpfs of {Describe(size)} (memory)");
        return true;
    }

    /// <summary>
    /// A helper stub, in a new mount namespace (and user namespace, without privilege), mounts <paramref name="source"/> on
    /// <paramref name="mountPoint"/> and opens it; the kernel takes the descriptor (pidfd_getfd) and the helper is killed.
    /// </summary>
    private static int MountInHelper(string stubPath, string mountPoint, bool newUserNamespace, string source, string type, string? options, out string? why)
    {
        why = null;
        Tracee helper;
        try { helper = GuestLauncher.SpawnStopped(stubPath); }
        catch (GuestStartException ex) { why = ex.Message; return -1; }
        try
        {
            if (newUserNamespace)
            {
                if (helper.InjectSyscall(NR_unshare, CLONE_NEWUSER) < 0) { why = "no user namespace"; return -1; }
                if (!GuestNamespaces.MapAsRoot(helper, Tmds.Linux.LibC.geteuid(), Tmds.Linux.LibC.getegid())) { why = "cannot map the user namespace"; return -1; }
            }
            long r = helper.InjectSyscall(NR_unshare, CLONE_NEWNS);
            // Private first, so the mount below propagates nowhere (a root's new namespace starts sharing the host's).
            ulong[] at = GuestNamespaces.WriteStrings(helper, "none", "/", source, mountPoint, type, options ?? "");
            if (r == 0) r = helper.InjectSyscall(NR_mount, at[0], at[1], 0, MS_REC | MS_PRIVATE, 0);
            if (r == 0) r = helper.InjectSyscall(NR_mount, at[2], at[3], at[4], MS_NOSUID | MS_NODEV, options == null ? 0 : at[5]);
            if (r < 0) { why = $"{type} mount: {ErrnoNames.Message((Errno)(-r))}"; return -1; }
            long fd = helper.InjectSyscall(NR_open, at[3], (ulong)(O_PATH | O_DIRECTORY | O_CLOEXEC));
            if (fd < 0) { why = $"open of the mount: {ErrnoNames.Message((Errno)(-fd))}"; return -1; }
            int taken = Notify.GuestDescriptors.Duplicate(helper.HostTid, (int)fd).TryGet(out int kernelFd, out _) ? kernelFd : -1;
            if (taken < 0) why = "cannot take the mount's descriptor";
            return taken;
        }
        finally
        {
            GuestLauncher.Discard(helper);
        }
    }

    private static unsafe int Open(string path, int flags)
    {
        byte[] cpath = Encoding.UTF8.GetBytes(path + "\0");
        fixed (byte* p = cpath) return open(p, flags, default);
    }

    private static unsafe int Ioctl(int fd, ulong request, void* arg) => Interop.Libc.IoctlPointer(fd, request, arg);

    private static string Describe(long size) =>
        size % (1L << 30) == 0 ? $"{size >> 30} GiB" : size % (1L << 20) == 0 ? $"{size >> 20} MiB" : $"{size} bytes";
}
