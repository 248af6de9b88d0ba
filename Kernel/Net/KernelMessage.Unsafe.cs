using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using Tmds.Linux;
using UserKernel.Kernel.Abi;
using UserKernel.Kernel.Guest;
using static Tmds.Linux.LibC;

namespace UserKernel.Kernel.Net;

/// <summary>
/// A message to send, copied out of guest memory once (gVisor's copyInMsghdr): the destination address (translated by
/// the caller), the data of all iovecs in one buffer, and the control messages, SCM_RIGHTS descriptors replaced by the
/// kernel's duplicates of them. Buffers are pinned, so blocking work on a worker thread can send it later. The kernel's
/// descriptors are closed on dispose (the host has duplicated them into the message by then).
/// </summary>
public sealed unsafe class KernelMessage : IDisposable
{
    /// <summary>Data copied per send at most; a larger stream send is short, as a non-blocking one may be.</summary>
    public const int MaxData = 4 << 20;

    private const int MsghdrSize = 56, IovecSize = 16, UIO_MAXIOV = 1024, MaxControl = 64 << 10, MaxName = 128;
    private const int SOL_SOCKET = 1, SCM_RIGHTS = 1, SCM_CREDENTIALS = 2;

    private readonly byte[] header = GC.AllocateArray<byte>(MsghdrSize, pinned: true);
    private readonly byte[] iovec = GC.AllocateArray<byte>(IovecSize, pinned: true);
    private readonly List<int> kernelFds = new();
    private byte[] name = [];
    private byte[] data = [];
    private byte[] control = [];
    private int sent;
    private int credentialsAt = -1;

    /// <summary>
    /// Set once the host has refused the kernel credentials naming another process (it has no CAP_SYS_ADMIN): the
    /// kernel's later sends go without, and a receiver is told of a sender outside its view (pid 0).
    /// </summary>
    private static bool credentialsRefused;

    /// <summary>The msghdr handed to sendmsg, pointing into this object's pinned buffers.</summary>
    public byte[] Header => header;

    /// <summary>The destination address as the guest gave it (empty if none); the caller translates it (<see cref="SetName"/>).</summary>
    public byte[] GuestName { get; private set; } = [];

    /// <summary>The data's length.</summary>
    public int Length => data.Length;

    /// <summary>A message of <paramref name="length"/> bytes at <paramref name="buffer"/> (sendto). EFAULT.</summary>
    public static Result<KernelMessage> OfBuffer(IGuestMemory memory, GuestPtr buffer, ulong length, GuestPtr address, ulong addressLength)
    {
        var message = new KernelMessage();
        Errno e = message.CopyName(memory, address, addressLength);
        if (e == Errno.OK) e = message.CopyData(memory, [(buffer.Address, length)]);
        if (e != Errno.OK) return e;
        message.Assemble();
        return message;
    }

    /// <summary>
    /// The message a guest's msghdr at <paramref name="msghdr"/> describes (sendmsg, one of sendmmsg's). EFAULT, EMSGSIZE
    /// (too many iovecs), EINVAL (an address too long), ENOBUFS (too much control data), EBADF (an SCM_RIGHTS descriptor).
    /// </summary>
    public static Result<KernelMessage> OfMsghdr(IGuestThread thread, GuestPtr msghdr)
    {
        IGuestMemory memory = thread.Memory;
        Span<byte> h = stackalloc byte[MsghdrSize];
        if (memory.Read(msghdr, h) != Errno.OK) return Errno.EFAULT;
        var name = new GuestPtr(BinaryPrimitives.ReadUInt64LittleEndian(h));
        uint nameLength = BinaryPrimitives.ReadUInt32LittleEndian(h[8..]);
        var iov = new GuestPtr(BinaryPrimitives.ReadUInt64LittleEndian(h[16..]));
        ulong iovCount = BinaryPrimitives.ReadUInt64LittleEndian(h[24..]);
        var controlAt = new GuestPtr(BinaryPrimitives.ReadUInt64LittleEndian(h[32..]));
        ulong controlLength = BinaryPrimitives.ReadUInt64LittleEndian(h[40..]);

        if (iovCount > UIO_MAXIOV) return Errno.EMSGSIZE;
        if (controlLength > MaxControl) return Errno.ENOBUFS;
        var message = new KernelMessage();
        Errno e = message.CopyName(memory, name, nameLength);
        if (e != Errno.OK) return e;

        var segments = new (ulong, ulong)[iovCount];
        Span<byte> one = stackalloc byte[IovecSize];
        for (int i = 0; i < (int)iovCount; i++)
        {
            if (memory.Read(iov.Add(IovecSize * i), one) != Errno.OK) return Errno.EFAULT;
            segments[i] = (BinaryPrimitives.ReadUInt64LittleEndian(one), BinaryPrimitives.ReadUInt64LittleEndian(one[8..]));
        }
        if ((e = message.CopyData(memory, segments)) != Errno.OK) return e;
        if (!controlAt.IsNull && controlLength > 0 && (e = message.CopyControl(thread, controlAt, (int)controlLength)) != Errno.OK)
        {
            message.Dispose();
            return e;
        }
        message.Assemble();
        return message;
    }

    /// <summary>
    /// Names the guest the kernel sends for in SCM_CREDENTIALS (its host pid; the kernel's own uid and gid, which the
    /// receiver's exit replaces with the sender's guest credentials), so a receiver with SO_PASSCRED learns the guest and
    /// not the kernel. The host allows it only to a privileged kernel; once refused, never tried again.
    /// </summary>
    public void Credit(int hostPid)
    {
        if (credentialsRefused) return;
        const int CmsgSize = 16 + 12, Aligned = 32;
        byte[] with = GC.AllocateArray<byte>(control.Length + Aligned, pinned: true);
        control.CopyTo(with, 0);
        Span<byte> cmsg = with.AsSpan(control.Length);
        BinaryPrimitives.WriteUInt64LittleEndian(cmsg, CmsgSize);
        BinaryPrimitives.WriteInt32LittleEndian(cmsg[8..], SOL_SOCKET);
        BinaryPrimitives.WriteInt32LittleEndian(cmsg[12..], SCM_CREDENTIALS);
        BinaryPrimitives.WriteInt32LittleEndian(cmsg[16..], hostPid);
        BinaryPrimitives.WriteUInt32LittleEndian(cmsg[20..], getuid());
        BinaryPrimitives.WriteUInt32LittleEndian(cmsg[24..], getgid());
        credentialsAt = control.Length;
        control = with;
        Assemble();
    }

    /// <summary>Sets the address the host will send to (the guest's, translated); empty for none.</summary>
    public void SetName(byte[] hostName)
    {
        name = GC.AllocateArray<byte>(hostName.Length, pinned: true);
        hostName.CopyTo(name, 0);
        Assemble();
    }

    private Errno CopyName(IGuestMemory memory, GuestPtr address, ulong length)
    {
        if (address.IsNull || length == 0) return Errno.OK;
        if (length > MaxName) return Errno.EINVAL;
        byte[] copy = new byte[length];
        if (memory.Read(address, copy) != Errno.OK) return Errno.EFAULT;
        GuestName = copy;
        name = GC.AllocateArray<byte>(copy.Length, pinned: true);
        copy.CopyTo(name, 0);
        return Errno.OK;
    }

    private Errno CopyData(IGuestMemory memory, (ulong Base, ulong Length)[] segments)
    {
        long total = 0;
        foreach ((_, ulong length) in segments)
        {
            if (length > int.MaxValue) return Errno.EINVAL;
            total = Math.Min(total + (long)length, MaxData);
        }
        data = GC.AllocateArray<byte>((int)total, pinned: true);
        int at = 0;
        foreach ((ulong b, ulong length) in segments)
        {
            int n = (int)Math.Min(length, (ulong)(data.Length - at));
            if (n == 0) continue;
            if (memory.Read(new GuestPtr(b), data.AsSpan(at, n)) != Errno.OK) return Errno.EFAULT;
            at += n;
        }
        return Errno.OK;
    }

    /// <summary>
    /// The control messages: SCM_RIGHTS descriptors become the kernel's duplicates; SCM_CREDENTIALS is left out (the
    /// sender's true credentials go instead, <see cref="Credit"/>); the rest is copied as it is.
    /// </summary>
    private Errno CopyControl(IGuestThread thread, GuestPtr at, int length)
    {
        byte[] guest = new byte[length];
        if (thread.Memory.Read(at, guest) != Errno.OK) return Errno.EFAULT;
        var kept = new List<byte>(length);
        for (int offset = 0; offset + 16 <= length;)
        {
            ulong cmsgLength = BinaryPrimitives.ReadUInt64LittleEndian(guest.AsSpan(offset));
            if (cmsgLength < 16 || cmsgLength > (ulong)(length - offset)) return Errno.EINVAL;
            int level = BinaryPrimitives.ReadInt32LittleEndian(guest.AsSpan(offset + 8));
            int type = BinaryPrimitives.ReadInt32LittleEndian(guest.AsSpan(offset + 12));
            byte[] cmsg = guest.AsSpan(offset, (int)cmsgLength).ToArray();
            if (level == SOL_SOCKET && type == SCM_RIGHTS)
            {
                for (int i = 16; i + 4 <= cmsg.Length; i += 4)
                {
                    if (!thread.DuplicateDescriptor(BinaryPrimitives.ReadInt32LittleEndian(cmsg.AsSpan(i))).TryGet(out int fd, out Errno e)) return e;
                    kernelFds.Add(fd);
                    BinaryPrimitives.WriteInt32LittleEndian(cmsg.AsSpan(i), fd);
                }
            }
            if (!(level == SOL_SOCKET && type == SCM_CREDENTIALS))
            {
                kept.AddRange(cmsg);
                while (kept.Count % 8 != 0) kept.Add(0);
            }
            offset += (int)((cmsgLength + 7) & ~7UL);
        }
        control = GC.AllocateArray<byte>(kept.Count, pinned: true);
        kept.CopyTo(control);
        return Errno.OK;
    }

    /// <summary>Points the msghdr at the buffers: the data not yet sent, in one iovec.</summary>
    private void Assemble()
    {
        Span<byte> h = header;
        h.Clear();
        fixed (byte* n = name, d = data, c = control, v = iovec)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(h, name.Length == 0 ? 0 : (ulong)n);
            BinaryPrimitives.WriteUInt32LittleEndian(h[8..], (uint)name.Length);
            BinaryPrimitives.WriteUInt64LittleEndian(iovec, (ulong)(d + sent));
            BinaryPrimitives.WriteUInt64LittleEndian(iovec.AsSpan(8), (ulong)(data.Length - sent));
            BinaryPrimitives.WriteUInt64LittleEndian(h[16..], (ulong)v);
            BinaryPrimitives.WriteUInt64LittleEndian(h[24..], 1);
            BinaryPrimitives.WriteUInt64LittleEndian(h[32..], control.Length == 0 ? 0 : (ulong)c);
            BinaryPrimitives.WriteUInt64LittleEndian(h[40..], (ulong)control.Length);
        }
    }

    /// <summary>
    /// Sends what has not been sent yet; the count sent by this call or -errno. After a short send the rest stays, without
    /// the control messages (which went with the first byte), for a further call.
    /// </summary>
    internal long Send(int fd, byte* msghdr, int flags)
    {
        long n = (long)sendmsg(fd, (msghdr*)msghdr, flags);
        if (n < 0 && errno == EPERM && credentialsAt >= 0)
        {
            credentialsRefused = true;
            byte[] without = GC.AllocateArray<byte>(credentialsAt, pinned: true);
            control.AsSpan(0, credentialsAt).CopyTo(without);
            control = without;
            credentialsAt = -1;
            Assemble();
            n = (long)sendmsg(fd, (msghdr*)msghdr, flags);
        }
        if (n < 0) return -(long)errno;
        sent += (int)n;
        control = [];
        credentialsAt = -1;
        Assemble();
        return n;
    }

    /// <summary>Whether data remains after a short send.</summary>
    public bool HasRest => sent < data.Length;

    /// <summary>Closes the kernel's duplicates of SCM_RIGHTS descriptors.</summary>
    public void Dispose()
    {
        foreach (int fd in kernelFds) close(fd);
        kernelFds.Clear();
    }
}
