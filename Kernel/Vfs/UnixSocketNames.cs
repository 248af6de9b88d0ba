using System.Collections.Generic;
using System.Globalization;
using System.Threading;

namespace UserKernel.Kernel.Vfs;

/// <summary>
/// Unix sockets bound to guest paths. The host binds each one to a private path in the kernel's directory;
/// the guest's name is a socket inode in the VFS that stands for it. connect and sendto to the guest's name
/// reach the host path, and addresses the host reports (getsockname, accept) are turned back into the
/// name the guest bound, as Linux reports the path given to bind.
/// </summary>
public sealed class UnixSocketNames
{
    private readonly HostFiles hostFiles;
    private readonly Dictionary<Inode, string> hostPathOf = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<string, string> guestNameOf = new(System.StringComparer.Ordinal);
    private int made;

    public UnixSocketNames(HostFiles hostFiles) => this.hostFiles = hostFiles;

    /// <summary>A fresh host path for a bind; short, since sun_path holds 108 bytes.</summary>
    public string NewHostPath() =>
        System.IO.Path.Combine(hostFiles.KernelDirectory(), "sock-" + Interlocked.Increment(ref made).ToString(CultureInfo.InvariantCulture));

    /// <summary>Records that <paramref name="inode"/>, named <paramref name="guestName"/> by bind, is the host socket at <paramref name="hostPath"/>.</summary>
    public void Add(Inode inode, string hostPath, string guestName)
    {
        hostPathOf[inode] = hostPath;
        guestNameOf[hostPath] = guestName;
    }

    /// <summary>The host path a socket inode stands for; null for a socket file no guest has bound (one of the image, or made by mknod).</summary>
    public string? HostPathOf(Inode inode) => hostPathOf.GetValueOrDefault(inode);

    /// <summary>The name the guest bound for a host path of ours; null for any other path.</summary>
    public string? GuestNameOf(string hostPath) => guestNameOf.GetValueOrDefault(hostPath);
}
