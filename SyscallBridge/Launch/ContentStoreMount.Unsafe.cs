using System;
using System.IO;
using System.Text;
using UserKernel.Kernel.Abi;
using UserKernel.Kernel.Vfs;
using static Tmds.Linux.LibC;

namespace UserKernel.SyscallBridge.Launch;

/// <summary>
/// Gives the <see cref="ContentStore"/> a filesystem of its own, of --disk-size bytes, so that guests' writes past it fail
/// with ENOSPC on the host, natively. The kernel cannot mount in its own mount namespace (it is multi-threaded), so a
/// helper the kernel generates (<see cref="MountHelperProgram"/>) does it in a new one and the kernel takes a descriptor
/// of the mount's root; the helper is then killed, its namespace goes with it, and the mount lives on, detached and seen
/// by no one, for as long as the kernel holds it. It happens when the first file is stored, so a run that writes nothing
/// pays nothing.
/// <list type="bullet">
/// <item>as root, where loop devices exist: an ext4 filesystem the kernel writes into a sparse file, on a loop
/// device that frees itself when the mount goes: the bytes are on disk;</item>
/// <item>otherwise, in a user namespace: a tmpfs of that size: bounded, but in memory (and swap);</item>
/// <item>where neither can be had, the store stays a plain directory, bounded only by the disk, with a warning.</item>
/// </list>
/// </summary>
public static class ContentStoreMount
{
    private const int O_RDWR = 2, O_CLOEXEC = 0x80000;
    private const ulong LOOP_CTL_GET_FREE = 0x4C82, LOOP_CONFIGURE = 0x4C0A;
    private const uint LO_FLAGS_AUTOCLEAR = 4;

    /// <summary>
    /// Arranges for a filesystem of <paramref name="size"/> bytes (null: the default, and in memory at most half the host's)
    /// to be mounted for the store when it first stores a file.
    /// </summary>
    public static void Prepare(ContentStore store, string kernelDirectory, long? size)
    {
        long onDisk = size ?? Kernel.KernelOptions.DefaultDiskSize;
        long inMemory = size ?? Math.Min(Kernel.KernelOptions.DefaultDiskSize, GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / 2);
        bool root = geteuid() == 0 && File.Exists("/dev/loop-control");
        store.Defer(() => Mount(store, kernelDirectory, onDisk, inMemory), root ? onDisk : inMemory);
    }

    private static void Mount(ContentStore store, string kernelDirectory, long onDisk, long inMemory)
    {
        string mountPoint = Path.Combine(kernelDirectory, "store");
        Directory.CreateDirectory(mountPoint);
        string? why = null;
        if (geteuid() == 0 && File.Exists("/dev/loop-control"))
        {
            if (OnLoopDevice(store, kernelDirectory, mountPoint, onDisk, out why)) return;
        }
        if (InTmpfs(store, kernelDirectory, mountPoint, inMemory, out string? tmpfsWhy)) return;
        Console.Error.WriteLine($"userkernel: warning: writable files are kept in {store.Description}, without the --disk-size limit " +
            $"({why ?? "not root"}; {tmpfsWhy})");
    }

    private static bool OnLoopDevice(ContentStore store, string kernelDirectory, string mountPoint, long size, out string? why)
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
            int fd = MountInHelper(kernelDirectory, $"/dev/loop{loop}", mountPoint, "ext4", null, newUserNamespace: false, out why);
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
        int number = Interop.Libc.IoctlPointer(control, LOOP_CTL_GET_FREE, null);
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
        int r = Interop.Libc.IoctlPointer(device, LOOP_CONFIGURE, config);
        close(backing);
        if (r < 0)
        {
            why = "LOOP_CONFIGURE failed";
            close(device);
            return (-1, -1);
        }
        return (number, device);
    }

    private static bool InTmpfs(ContentStore store, string kernelDirectory, string mountPoint, long size, out string? why)
    {
        int fd = MountInHelper(kernelDirectory, "userkernel", mountPoint, "tmpfs", $"size={size},mode=0700", newUserNamespace: geteuid() != 0, out why);
        if (fd < 0) return false;
        store.UseDirectory(fd, size, $"a tmpfs of {Describe(size)} (memory)");
        return true;
    }

    /// <summary>
    /// Runs the generated helper, which mounts <paramref name="source"/> on <paramref name="mountPoint"/> in a mount namespace of
    /// its own (and a user namespace, without privilege, whose maps the kernel writes when it asks), and takes the mount's
    /// descriptor from it. The kernel's descriptor, or -1 with the reason.
    /// </summary>
    private static unsafe int MountInHelper(string kernelDirectory, string source, string mountPoint, string type, string? data, bool newUserNamespace, out string? why)
    {
        why = null;
        string program = Path.Combine(kernelDirectory, "mount-helper");
        File.WriteAllBytes(program, MountHelperProgram.Build(source, mountPoint, type, data, newUserNamespace));
        byte[] cprogram = Encoding.UTF8.GetBytes(program + "\0");
        fixed (byte* p = cprogram) chmod(p, 0x140 /* 0500 */);
        int* report = stackalloc int[2];
        int* go = stackalloc int[2];
        if (pipe2(report, O_CLOEXEC) != 0 || pipe2(go, O_CLOEXEC) != 0) { why = "no pipe"; return -1; }
        int pid = -1;
        try
        {
            try { pid = GuestLauncher.Spawn(program, "userkernel-mount", [(report[1], 3), (go[0], 4)]); }
            catch (GuestStartException ex) { why = ex.Message; return -1; }
            close(report[1]);
            report[1] = -1;
            Span<long> slots = stackalloc long[MountHelperProgram.Steps];
            if (newUserNamespace)
            {
                if (!ReadAll(report[0], MemoryAsBytes(slots[..1])) || slots[0] < 0) { why = "no user namespace"; return -1; }
                if (!MapAsRoot(pid)) { why = "cannot map the user namespace"; return -1; }
                byte one = 1;
                write(go[1], &one, 1);
            }
            if (!ReadAll(report[0], MemoryAsBytes(slots))) { why = "the mount helper died"; return -1; }
            for (int i = 1; i < MountHelperProgram.Steps; i++)
            {
                if (slots[i] >= 0 && slots[i] != MountHelperProgram.NotReached) continue;
                why = $"{type} mount, step {i}: {(slots[i] < 0 ? ErrnoNames.Message((Errno)(-slots[i])) : "not reached")}";
                return -1;
            }
            return Notify.GuestDescriptors.Duplicate(pid, (int)slots[MountHelperProgram.Steps - 1]).TryGet(out int fd, out _) ? fd : -1;
        }
        finally
        {
            foreach (int fd in new[] { report[0], report[1], go[0], go[1] }) if (fd >= 0) close(fd);
            if (pid > 0)
            {
                kill(pid, Signals.SIGKILL);
                Interop.Libc.WaitPid(pid, out _, Interop.Libc.__WALL, out _); // or the tracer's wait reaped it already
            }
            File.Delete(program);
        }
    }

    /// <summary>Maps root of the helper's user namespace to the kernel's own ids (without privilege, setgroups denied first).</summary>
    private static bool MapAsRoot(int pid)
    {
        try
        {
            File.WriteAllText($"/proc/{pid}/setgroups", "deny");
            File.WriteAllText($"/proc/{pid}/uid_map", $"0 {geteuid()} 1\n");
            File.WriteAllText($"/proc/{pid}/gid_map", $"0 {getegid()} 1\n");
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException) { return false; }
    }

    private static Span<byte> MemoryAsBytes(Span<long> values) => System.Runtime.InteropServices.MemoryMarshal.AsBytes(values);

    /// <summary>Reads exactly <paramref name="into"/>'s length from a pipe of the kernel's helper (which writes it in one go).</summary>
    private static unsafe bool ReadAll(int fd, Span<byte> into)
    {
        int done = 0;
        fixed (byte* p = into)
        {
            while (done < into.Length)
            {
                long n = (long)read(fd, p + done, (Tmds.Linux.size_t)(into.Length - done));
                if (n < 0 && errno == (int)Errno.EINTR) continue;
                if (n <= 0) return false;
                done += (int)n;
            }
        }
        return true;
    }

    private static unsafe int Open(string path, int flags)
    {
        byte[] cpath = Encoding.UTF8.GetBytes(path + "\0");
        fixed (byte* p = cpath) return open(p, flags, default);
    }

    private static string Describe(long size) =>
        size % (1L << 30) == 0 ? $"{size >> 30} GiB" : size % (1L << 20) == 0 ? $"{size >> 20} MiB" : $"{size} bytes";
}
