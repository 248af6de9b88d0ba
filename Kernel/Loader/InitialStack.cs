using System;
using System.Buffers.Binary;
using System.Collections.Generic;

namespace UserKernel.Kernel.Loader;

/// <summary>
/// The stack a new program starts with, laid out as Linux's create_elf_tables does: argc, argv, envp and
/// the auxiliary vector at the stack pointer, the strings they point to above, near the top of the stack.
/// </summary>
public static class InitialStack
{
    /// <summary>
    /// Builds the bytes that go from the returned stack pointer up to <paramref name="top"/>.
    /// Auxiliary values of AT_EXECFN, AT_PLATFORM and AT_RANDOM are filled in here.
    /// </summary>
    public static (ulong StackPointer, byte[] Bytes) Build(ulong top, IReadOnlyList<byte[]> argv, IReadOnlyList<byte[]> envp,
        List<(ulong Key, ulong Value)> auxv, byte[] execFn, byte[] random16)
    {
        // Strings, from the top down: an 8-byte end marker, execfn, environment, arguments, platform, random bytes.
        ulong cursor = top - 8;
        var placed = new List<(ulong At, byte[] Bytes)>();
        ulong Put(byte[] s, bool nul = true)
        {
            cursor -= (ulong)s.Length + (nul ? 1UL : 0UL);
            placed.Add((cursor, s));
            return cursor;
        }

        ulong execFnAt = Put(execFn);
        var envAt = new ulong[envp.Count];
        for (int i = envp.Count - 1; i >= 0; i--) envAt[i] = Put(envp[i]);
        var argAt = new ulong[argv.Count];
        for (int i = argv.Count - 1; i >= 0; i--) argAt[i] = Put(argv[i]);
        ulong platformAt = Put("x86_64"u8.ToArray());
        cursor &= ~15UL;
        ulong randomAt = Put(random16, nul: false);

        for (int i = 0; i < auxv.Count; i++)
        {
            auxv[i] = auxv[i].Key switch
            {
                Abi.Auxv.AT_EXECFN => (auxv[i].Key, execFnAt),
                Abi.Auxv.AT_PLATFORM => (auxv[i].Key, platformAt),
                Abi.Auxv.AT_RANDOM => (auxv[i].Key, randomAt),
                _ => auxv[i],
            };
        }

        int words = 1 + argv.Count + 1 + envp.Count + 1 + 2 * (auxv.Count + 1);
        ulong sp = (cursor - 8UL * (ulong)words) & ~15UL;
        byte[] bytes = new byte[top - sp];
        var vector = new List<ulong> { (ulong)argv.Count };
        vector.AddRange(argAt);
        vector.Add(0);
        vector.AddRange(envAt);
        vector.Add(0);
        foreach ((ulong key, ulong value) in auxv) { vector.Add(key); vector.Add(value); }
        vector.Add(Abi.Auxv.AT_NULL);
        vector.Add(0);
        for (int i = 0; i < vector.Count; i++) BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(i * 8), vector[i]);
        foreach ((ulong at, byte[] s) in placed) s.CopyTo(bytes, (int)(at - sp));
        return (sp, bytes);
    }

    /// <summary>
    /// Where the argument strings, the environment strings and the auxiliary vector (to AT_NULL's pair included) are in a
    /// stack <see cref="Build"/> made, read from its own bytes: /proc's cmdline, environ and auxv show them.
    /// </summary>
    public static StackAreas Areas(ulong sp, byte[] bytes)
    {
        ulong Word(int i) => BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(i * 8));
        (ulong, ulong) Strings(int from, int count)
        {
            if (count == 0) return (0, 0);
            ulong last = Word(from + count - 1);
            int end = Array.IndexOf(bytes, (byte)0, (int)(last - sp));
            return (Word(from), sp + (ulong)end + 1);
        }
        int argc = (int)Word(0);
        int envc = 0;
        while (Word(1 + argc + 1 + envc) != 0) envc++;
        int aux = 1 + argc + 1 + envc + 1, pair = aux;
        while (Word(pair) != Abi.Auxv.AT_NULL) pair += 2;
        return new StackAreas(Strings(1, argc), Strings(1 + argc + 1, envc), (sp + (ulong)aux * 8, sp + (ulong)(pair + 2) * 8));
    }
}

/// <summary>Start and end addresses of the initial stack's parts that /proc shows; (0, 0) for an empty one.</summary>
public readonly record struct StackAreas((ulong Start, ulong End) Arguments, (ulong Start, ulong End) Environment, (ulong Start, ulong End) Auxv);
