using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Globalization;
using System.Threading;

namespace UserKernel.Kernel.Vfs;

/// <summary>
/// The names of the guest's Unix sockets. The host binds each socket a guest binds to a path at a private path in the
/// kernel's directory; the guest's name is a socket inode in the VFS that stands for it. connect and sends to the
/// guest's name reach the host path, and addresses the host reports (getsockname, accept) are turned back into the
/// name the guest bound, as Linux reports the path given to bind. Under --net none, abstract names are private to
/// the run: the kernel gives them a prefix of its own on the way to the host and takes it off on the way back.
/// </summary>
public sealed class UnixSocketNames
{
    private const ushort AF_UNIX = 1;

    private readonly HostFiles hostFiles;
    private readonly byte[]? abstractPrefix;
    private readonly Dictionary<Inode, string> hostPathOf = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<string, string> guestNameOf = new(StringComparer.Ordinal);
    private int made;

    public UnixSocketNames(HostFiles hostFiles, NetworkMode network)
    {
        this.hostFiles = hostFiles;
        if (network == NetworkMode.None)
            abstractPrefix = System.Text.Encoding.ASCII.GetBytes($"userkernel-{Environment.ProcessId}-{Random.Shared.Next():x8}/");
    }

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

    /// <summary>An abstract (or unnamed) AF_UNIX address as the host must see it: with the run's prefix under --net none.</summary>
    public byte[] ToHostAbstract(byte[] address)
    {
        if (abstractPrefix == null || address.Length < 3) return address;
        byte[] host = new byte[Math.Min(address.Length + abstractPrefix.Length, 2 + 108)];
        address.AsSpan(0, 3).CopyTo(host);
        abstractPrefix.AsSpan(0, Math.Min(abstractPrefix.Length, host.Length - 3)).CopyTo(host.AsSpan(3));
        int room = host.Length - 3 - abstractPrefix.Length;
        if (room > 0) address.AsSpan(3, Math.Min(room, address.Length - 3)).CopyTo(host.AsSpan(3 + abstractPrefix.Length));
        return host;
    }

    /// <summary>An address the host reported, as the guest knows it: its bound path for ours, its abstract name without the prefix.</summary>
    public byte[] ToGuestAddress(ReadOnlySpan<byte> host)
    {
        if (host.Length < 3 || BinaryPrimitives.ReadUInt16LittleEndian(host) != AF_UNIX) return host.ToArray();
        if (host[2] == 0)
        {
            if (abstractPrefix == null || !host[3..].StartsWith(abstractPrefix)) return host.ToArray();
            byte[] guest = new byte[host.Length - abstractPrefix.Length];
            host[..3].CopyTo(guest);
            host[(3 + abstractPrefix.Length)..].CopyTo(guest.AsSpan(3));
            return guest;
        }
        ReadOnlySpan<byte> path = host[2..];
        int end = path.IndexOf((byte)0);
        if (GuestNameOf(Names.FromBytes(end < 0 ? path : path[..end])) is not string name) return host.ToArray();
        byte[] bytes = Names.ToBytes(name);
        byte[] address = new byte[2 + Math.Min(bytes.Length, 108) + 1];
        BinaryPrimitives.WriteUInt16LittleEndian(address, AF_UNIX);
        bytes.AsSpan(0, Math.Min(bytes.Length, 108)).CopyTo(address.AsSpan(2));
        return address;
    }
}
