using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using UserKernel.Kernel.Abi;

namespace UserKernel.Kernel.Guest;

/// <summary>The shared ways of copying arguments in and results out of guest memory.</summary>
public static class GuestMemoryExtensions
{
    public const int PATH_MAX = 4096;

    public static Errno Read(this IGuestMemory memory, GuestPtr from, Span<byte> into) =>
        memory.ReadUpTo(from, into) == into.Length ? Errno.OK : Errno.EFAULT;

    public static Result<ulong> ReadUInt64(this IGuestMemory memory, GuestPtr at)
    {
        Span<byte> b = stackalloc byte[8];
        Errno e = memory.Read(at, b);
        return e != Errno.OK ? e : BinaryPrimitives.ReadUInt64LittleEndian(b);
    }

    public static Result<int> ReadInt32(this IGuestMemory memory, GuestPtr at)
    {
        Span<byte> b = stackalloc byte[4];
        Errno e = memory.Read(at, b);
        return e != Errno.OK ? e : BinaryPrimitives.ReadInt32LittleEndian(b);
    }

    public static Errno WriteInt32(this IGuestMemory memory, GuestPtr at, int value)
    {
        Span<byte> b = stackalloc byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(b, value);
        return memory.Write(at, b);
    }

    public static Errno WriteUInt64(this IGuestMemory memory, GuestPtr at, ulong value)
    {
        Span<byte> b = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(b, value);
        return memory.Write(at, b);
    }

    /// <summary>
    /// Reads a NUL-terminated string of at most <paramref name="max"/> bytes (terminator included).
    /// EFAULT if unreadable, ENAMETOOLONG if no NUL within max (as getname() answers).
    /// </summary>
    public static Result<byte[]> ReadCString(this IGuestMemory memory, GuestPtr at, int max = PATH_MAX)
    {
        if (at.IsNull) return Errno.EFAULT;
        Span<byte> chunk = stackalloc byte[256];
        byte[]? result = null;
        int length = 0;
        while (length < max)
        {
            // Read up to the next page boundary so an unmapped page after the string is no fault.
            int want = (int)Math.Min((ulong)chunk.Length, 4096 - ((at.Address + (ulong)length) & 4095));
            want = Math.Min(want, max - length);
            int got = memory.ReadUpTo(at.Add(length), chunk[..want]);
            if (got == 0) return Errno.EFAULT;
            int nul = chunk[..got].IndexOf((byte)0);
            int take = nul >= 0 ? nul : got;
            if (result == null || result.Length < length + take) Array.Resize(ref result, Math.Max(64, (length + take) * 2));
            chunk[..take].CopyTo(result.AsSpan(length));
            length += take;
            if (nul >= 0) return result.AsSpan(0, length).ToArray();
        }
        return Errno.ENAMETOOLONG;
    }

    /// <summary>
    /// Reads a NUL-terminated string into <paramref name="into"/>, whose length is the most it may take with its NUL (as
    /// <see cref="ReadCString(IGuestMemory, GuestPtr, int)"/> with that max), and answers its length: the same bytes and
    /// errors, with nothing allocated.
    /// </summary>
    public static Result<int> ReadCString(this IGuestMemory memory, GuestPtr at, Span<byte> into)
    {
        if (at.IsNull) return Errno.EFAULT;
        int length = 0;
        while (length < into.Length)
        {
            // Read up to the next page boundary so an unmapped page after the string is no fault.
            int want = (int)Math.Min((ulong)(into.Length - length), 4096 - ((at.Address + (ulong)length) & 4095));
            Span<byte> chunk = into.Slice(length, want);
            int got = memory.ReadUpTo(at.Add(length), chunk);
            if (got == 0) return Errno.EFAULT;
            int nul = chunk[..got].IndexOf((byte)0);
            if (nul >= 0) return length + nul;
            length += got;
        }
        return Errno.ENAMETOOLONG;
    }

    /// <summary>Reads a NULL-terminated array of string pointers (argv, envp); at most <paramref name="maxCount"/>.</summary>
    public static Result<List<byte[]>> ReadStringArray(this IGuestMemory memory, GuestPtr at, int maxCount = 1 << 17)
    {
        var list = new List<byte[]>();
        if (at.IsNull) return list;
        for (int i = 0; i < maxCount; i++)
        {
            if (!memory.ReadUInt64(at.Add(8L * i)).TryGet(out ulong p, out Errno e)) return e;
            if (p == 0) return list;
            if (!memory.ReadCString(new GuestPtr(p), 128 * 1024).TryGet(out byte[]? s, out e)) return e == Errno.ENAMETOOLONG ? Errno.E2BIG : e;
            list.Add(s);
        }
        return Errno.E2BIG;
    }
}
