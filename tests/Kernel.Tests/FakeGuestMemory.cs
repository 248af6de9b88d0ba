using System;
using UserKernel.Kernel.Abi;
using UserKernel.Kernel.Guest;

namespace UserKernel.Kernel.Tests;

/// <summary>A guest address space of one flat buffer at <see cref="Base"/>; anything outside is EFAULT.</summary>
internal sealed class FakeGuestMemory : IGuestMemory
{
    public const ulong Base = 0x10000;
    public byte[] Bytes { get; } = new byte[64 * 1024];

    public int ReadUpTo(GuestPtr from, Span<byte> into)
    {
        if (from.Address < Base || from.Address >= Base + (ulong)Bytes.Length) return 0;
        int offset = (int)(from.Address - Base);
        int n = Math.Min(into.Length, Bytes.Length - offset);
        Bytes.AsSpan(offset, n).CopyTo(into);
        return n;
    }

    public Errno Write(GuestPtr to, ReadOnlySpan<byte> bytes)
    {
        if (to.Address < Base || to.Address + (ulong)bytes.Length > Base + (ulong)Bytes.Length) return Errno.EFAULT;
        bytes.CopyTo(Bytes.AsSpan((int)(to.Address - Base)));
        return Errno.OK;
    }
}
