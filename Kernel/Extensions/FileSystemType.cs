using UserKernel.Kernel.Vfs;

namespace UserKernel.Kernel.Extensions;

/// <summary>
/// A kind of filesystem the kernel can mount (Linux's struct file_system_type): its name, as <c>mount -t NAME</c> and
/// <c>--mount NAME:/dir</c> give it, and how to make a new instance. The built-in tmpfs, proc, devtmpfs and sysfs are
/// registered as these too.
/// </summary>
public abstract class FileSystemType
{
    /// <summary>The type's name in /proc/filesystems and /proc/mounts ("tmpfs", "jsonfs").</summary>
    public abstract string Name { get; }

    /// <summary>
    /// Makes a new instance for <paramref name="request"/> (Linux's fs_context get_tree): a superblock whose inodes all
    /// report <see cref="MountRequest.Device"/>. Errors the guest's mount(2) reports: EINVAL for options the type does
    /// not take, ENOENT for a source that is not there, EACCES, ENOMEM.
    /// </summary>
    public abstract Result<SuperBlock> Mount(MountRequest request);
}
