using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using UserKernel.Kernel.Abi;
using UserKernel.Kernel.Vfs;

namespace UserKernel.Kernel.Loader;

/// <summary>One program header (elf(5) Elf64_Phdr).</summary>
public readonly record struct ProgramHeader(uint Type, uint Flags, ulong Offset, ulong Vaddr, ulong Filesz, ulong Memsz)
{
    public const uint PT_LOAD = 1, PT_INTERP = 3, PT_PHDR = 6, PT_GNU_STACK = 0x6474e551;
    public const uint PF_X = 1, PF_W = 2, PF_R = 4;
}

/// <summary>The parts of an x86-64 ELF executable the loader needs: type, entry, program headers, interpreter.</summary>
public sealed class ElfFile
{
    public const ushort ET_EXEC = 2, ET_DYN = 3;
    private const int EhdrSize = 64, PhdrSize = 56;

    private ElfFile(ushort type, ulong entry, ulong phoff, int phnum, ProgramHeader[] headers, string? interpreter)
    {
        Type = type;
        Entry = entry;
        PhOff = phoff;
        PhNum = phnum;
        Headers = headers;
        Interpreter = interpreter;
    }

    public ushort Type { get; }
    public ulong Entry { get; }
    public ulong PhOff { get; }
    public int PhNum { get; }
    public IReadOnlyList<ProgramHeader> Headers { get; }

    /// <summary>The PT_INTERP path (the dynamic loader), or null for a static program.</summary>
    public string? Interpreter { get; }

    /// <summary>Whether the first bytes are an ELF magic at all (else the file may be a script).</summary>
    public static bool HasElfMagic(ReadOnlySpan<byte> head) => head.Length >= 4 && head[0] == 0x7f && head[1] == (byte)'E' && head[2] == (byte)'L' && head[3] == (byte)'F';

    /// <summary>Parses and checks the headers. ENOEXEC for anything this loader cannot run; EIO for an unreadable file.</summary>
    public static Result<ElfFile> Parse(Inode file)
    {
        Span<byte> eh = stackalloc byte[EhdrSize];
        if (!ReadExactly(file, 0, eh).TryGet(out _, out Errno e)) return e;
        if (!HasElfMagic(eh) || eh[4] != 2 /* ELFCLASS64 */ || eh[5] != 1 /* little endian */) return Errno.ENOEXEC;
        ushort type = BinaryPrimitives.ReadUInt16LittleEndian(eh[16..]);
        ushort machine = BinaryPrimitives.ReadUInt16LittleEndian(eh[18..]);
        if ((type != ET_EXEC && type != ET_DYN) || machine != 62 /* EM_X86_64 */) return Errno.ENOEXEC;
        ulong entry = BinaryPrimitives.ReadUInt64LittleEndian(eh[24..]);
        ulong phoff = BinaryPrimitives.ReadUInt64LittleEndian(eh[32..]);
        ushort phentsize = BinaryPrimitives.ReadUInt16LittleEndian(eh[54..]);
        ushort phnum = BinaryPrimitives.ReadUInt16LittleEndian(eh[56..]);
        if (phentsize != PhdrSize || phnum == 0 || phnum > 65536 / PhdrSize) return Errno.ENOEXEC;

        byte[] ph = new byte[phnum * PhdrSize];
        if (!ReadExactly(file, (long)phoff, ph).TryGet(out _, out e)) return e == Errno.EIO ? e : Errno.ENOEXEC;
        var headers = new ProgramHeader[phnum];
        string? interpreter = null;
        bool anyLoad = false;
        for (int i = 0; i < phnum; i++)
        {
            ReadOnlySpan<byte> p = ph.AsSpan(i * PhdrSize, PhdrSize);
            var h = new ProgramHeader(
                BinaryPrimitives.ReadUInt32LittleEndian(p), BinaryPrimitives.ReadUInt32LittleEndian(p[4..]),
                BinaryPrimitives.ReadUInt64LittleEndian(p[8..]), BinaryPrimitives.ReadUInt64LittleEndian(p[16..]),
                BinaryPrimitives.ReadUInt64LittleEndian(p[32..]), BinaryPrimitives.ReadUInt64LittleEndian(p[40..]));
            headers[i] = h;
            if (h.Type == ProgramHeader.PT_LOAD)
            {
                anyLoad = true;
                if (h.Filesz > h.Memsz || (h.Offset & 4095) != (h.Vaddr & 4095) || h.Vaddr + h.Memsz < h.Vaddr) return Errno.EINVAL;
                if (h.Offset + h.Filesz > (ulong)file.Size) return Errno.EINVAL;
            }
            else if (h.Type == ProgramHeader.PT_INTERP)
            {
                if (h.Filesz < 2 || h.Filesz > 4096) return Errno.ENOEXEC;
                byte[] name = new byte[h.Filesz];
                if (!ReadExactly(file, (long)h.Offset, name).TryGet(out _, out e)) return Errno.ENOEXEC;
                if (name[^1] != 0) return Errno.ENOEXEC;
                interpreter = Names.FromBytes(name.AsSpan(0, name.Length - 1));
            }
        }
        if (!anyLoad) return Errno.ENOEXEC;
        return new ElfFile(type, entry, phoff, phnum, headers, interpreter);
    }

    private static Result<int> ReadExactly(Inode file, long offset, Span<byte> into)
    {
        int done = 0;
        while (done < into.Length)
        {
            if (!file.Read(offset + done, into[done..]).TryGet(out int n, out Errno e)) return e;
            if (n == 0) return Errno.ENOEXEC;
            done += n;
        }
        return done;
    }
}
