using System;
using System.Globalization;
using System.Text;
using Tmds.Linux;
using UserKernel.Kernel.Abi;
using static Tmds.Linux.LibC;

namespace UserKernel.Kernel.Vfs;

/// <summary>
/// A guest directory's host object is an empty host directory of its own, so that the host itself answers read, pread,
/// readv and preadv with EISDIR and mmap with ENODEV, as Linux does for a directory, while getdents stays the kernel's
/// (its cursor is the host directory's file offset). It is made in a tmpfs (the host's /dev/shm), whose directories seek
/// to any offset up to LONG_MAX, as ext4's hash positions need, opened, and removed at once: the descriptors keep the
/// removed directory alive, nothing is left behind, and no name of it can be found. Where the host has no tmpfs there,
/// an empty memfd stands in for it (reads then return 0).
/// </summary>
public sealed unsafe partial class HostFiles
{
    private const long TMPFS_MAGIC = 0x01021994;
    private const int DirectoryOpenFlags = 0x10000 | 0x20000 | 0x80000; // O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC
    private const int AT_REMOVEDIR = 0x200;

    // /dev/shm, where directory objects are made; -2 until first needed, -1 where it is not a tmpfs.
    private int directoryRoom = -2;
    private ulong directoryDevice; // the room's st_dev, once an object was made there
    private long directoriesMade;

    private int DirectoryRoom()
    {
        if (directoryRoom != -2) return directoryRoom;
        byte[] path = "/dev/shm\0"u8.ToArray();
        int fd;
        fixed (byte* p = path) fd = open(p, DirectoryOpenFlags, default);
        ulong* statfs = stackalloc ulong[15];
        if (fd >= 0 && (Interop.Libc.Fstatfs(fd, statfs) != 0 || (long)statfs[0] != TMPFS_MAGIC))
        {
            close(fd);
            fd = -1;
        }
        return directoryRoom = fd;
    }

    /// <summary>mkdir, open and rmdir of a name of the kernel's in the room (a name some other user took is passed over); -errno on failure.</summary>
    private int CreateDirectoryObject(out (ulong Dev, ulong Ino) key)
    {
        key = default;
        Span<byte> name = stackalloc byte[64];
        while (true)
        {
            Encoding.ASCII.TryGetBytes($".userkernel-{kernelPid.ToString(CultureInfo.InvariantCulture)}-d{(++directoriesMade).ToString(CultureInfo.InvariantCulture)}\0", name, out _);
            int fd;
            fixed (byte* p = name)
            {
                if (mkdirat(directoryRoom, p, 0x1C0 /* 0700 */) != 0)
                {
                    if (errno == EEXIST) continue;
                    return -errno;
                }
                fd = openat(directoryRoom, p, DirectoryOpenFlags, default);
                if (fd < 0) fd = -errno;
                unlinkat(directoryRoom, p, AT_REMOVEDIR);
            }
            if (fd < 0) return fd;
            stat st;
            fstat(fd, &st);
            key = (st.st_dev, st.st_ino);
            directoryDevice = key.Dev;
            return fd;
        }
    }

    /// <summary>Whether a host object's device is one the kernel makes its objects on (memfds, directory objects).</summary>
    private bool IsObjectDevice(ulong dev) => dev == MemfdDevice || (directoriesMade > 0 && dev == directoryDevice);
}
