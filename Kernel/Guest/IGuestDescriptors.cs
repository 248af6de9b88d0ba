using System.Collections.Generic;
using UserKernel.Kernel.Vfs;

namespace UserKernel.Kernel.Guest;

/// <summary>
/// A guest thread's descriptor table, which the host holds: what the kernel asks of a guest's descriptor. The kernel
/// knows its own objects by their host identity (<see cref="HostFiles.IdentifyHostObject"/>), so dup, fork and
/// SCM_RIGHTS need no bookkeeping; this says which identity a descriptor has now.
/// </summary>
public interface IGuestDescriptors
{
    /// <summary>The host object (device and inode numbers) descriptor <paramref name="fd"/> names, or null if it is not open.</summary>
    (ulong Dev, ulong Ino)? ObjectOf(int fd);

    /// <summary>Whether descriptor <paramref name="fd"/> is open at all (EBADF otherwise).</summary>
    bool IsOpen(int fd);

    /// <summary>The file offset of descriptor <paramref name="fd"/> (a directory's cursor); -1 if it is not open.</summary>
    long OffsetOf(int fd);

    /// <summary>
    /// An inode for a descriptor the VFS does not own (a pipe, a socket, the terminal), with the host's metadata, in
    /// <paramref name="superBlock"/>; null if the descriptor is not open.
    /// </summary>
    Inode? HostObject(SuperBlock superBlock, int fd);

    /// <summary>The numbers of the open descriptors, in ascending order (/proc/PID/fd). Allocates: not for a syscall's path.</summary>
    IReadOnlyList<int> Numbers();

    /// <summary>What the host names descriptor <paramref name="fd"/> (pipe:[N], socket:[N], /dev/pts/N), as readlink of its magic link; null if it is not open.</summary>
    string? LinkTarget(int fd);

    /// <summary>The host's fdinfo of descriptor <paramref name="fd"/> (pos, flags, mnt_id, ino and what its kind adds); "" if it is not open.</summary>
    string Info(int fd);
}
