using System;
using UserKernel.Kernel.Guest;

namespace UserKernel.Kernel.Extensions;

/// <summary>
/// One open of a <see cref="CharacterDevice"/> (Linux's struct file with its file_operations). The guest holds a real host
/// descriptor, one end of a socket pair; the kernel holds the other and calls these methods from it, so the guest's
/// read, write and poll run on the host at native speed and reach the device as a stream:
/// <list type="bullet">
/// <item><see cref="Read"/> is called whenever the guest's side has room and <see cref="Readable"/> is true; what it returns
/// is what the guest reads next; 0 is the end of the file, after which the guest reads 0.</item>
/// <item><see cref="Write"/> receives the bytes the guest wrote, in order. The guest's write has already returned; an error
/// here ends the guest's writing side (its next write fails with EPIPE).</item>
/// <item><see cref="Ioctl"/> is called at the guest's ioctl(2) for the requests the device declares, with the caller
/// stopped, so it may read and write the caller's memory.</item>
/// </list>
/// All calls come with the kernel's lock held, one at a time. Exceptions become EIO for the guest and one line on stderr.
/// </summary>
public abstract class DeviceFile
{
    private Action? wake;

    /// <summary>Fills <paramref name="buffer"/> with the next bytes the guest reads; returns how many, 0 at the end.</summary>
    public virtual Result<int> Read(Span<byte> buffer) => 0;

    /// <summary>Takes bytes the guest wrote; returns how many it consumed (the rest is offered again). EINVAL, ENOSPC.</summary>
    public virtual Result<int> Write(ReadOnlySpan<byte> data) => Abi.Errno.EINVAL;

    /// <summary>ioctl(2) for one of the device's <see cref="CharacterDevice.IoctlRequests"/>; returns ioctl's result. EINVAL, EFAULT.</summary>
    public virtual Result<long> Ioctl(uint request, ulong argument, IGuestMemory memory) => Abi.Errno.ENOTTY;

    /// <summary>
    /// Whether <see cref="Read"/> has something to give now (poll's POLLIN, as the device sees it). A device whose data comes
    /// later answers false and calls <see cref="Wake"/> when it has some.
    /// </summary>
    public virtual bool Readable => true;

    /// <summary>The last descriptor of this open was closed (Linux's release).</summary>
    public virtual void Release() { }

    /// <summary>Tells the kernel that <see cref="Readable"/> may have become true; safe from any thread.</summary>
    protected void Wake() => wake?.Invoke();

    internal void OnWake(Action action) => wake = action;
}
