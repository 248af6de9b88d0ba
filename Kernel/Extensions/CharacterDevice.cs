using System.Collections.Generic;

namespace UserKernel.Kernel.Extensions;

/// <summary>
/// A character device of the kernel's own (Linux's misc device): a node /dev/NAME, and for each open a
/// <see cref="DeviceFile"/> that answers reads, writes, ioctls and poll. The kernel gives it major 10 and a minor of its
/// own, so a node made with mknod(2) with that number opens it as well.
/// </summary>
public abstract class CharacterDevice
{
    /// <summary>The node's name under /dev ("fortune").</summary>
    public abstract string Name { get; }

    /// <summary>The node's permission bits (0666 unless a device says otherwise).</summary>
    public virtual uint Permissions => 0x1B6;

    /// <summary>
    /// The ioctl request numbers the device answers. Only these stop the guest (the seccomp filter is made with them);
    /// any other request runs on the host, which answers ENOTTY as Linux does for a request a device does not know.
    /// </summary>
    public virtual IReadOnlyList<uint> IoctlRequests => [];

    /// <summary>A new open of the device (Linux's file_operations.open). EACCES, EBUSY, ENOMEM.</summary>
    public abstract Result<DeviceFile> Open(DeviceOpen open);
}

/// <summary>Who opens a device, and how: the guest process and the open(2) flags.</summary>
public readonly record struct DeviceOpen(int Pid, uint Uid, int Flags)
{
    public bool ForReading => (Flags & 3) != 1;
    public bool ForWriting => (Flags & 3) != 0;
}
