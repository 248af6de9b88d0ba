using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.Text;
using Microsoft.Win32.SafeHandles;
using UserKernel.RootFs.Image;

namespace UserKernel.RootFs.Sources.HostPrograms;

/// <summary>
/// What the dynamic loader reads from an x86-64 ELF file before loading its dependencies
/// (elf(5), ld.so(8)): the PT_INTERP loader, and from the PT_DYNAMIC array DT_NEEDED,
/// DT_RPATH, DT_RUNPATH and DF_1_NODEFLIB. The kernel's own loader (Kernel/Loader/ElfFile) reads
/// guest files through the VFS; this reads host files, where programs for an image come from.
/// </summary>
public sealed class ElfDependencies
{
    private const int EhdrSize = 64;
    private const int PhdrSize = 56;
    private const uint PT_LOAD = 1, PT_DYNAMIC = 2, PT_INTERP = 3;
    private const long DT_NULL = 0, DT_NEEDED = 1, DT_STRTAB = 5, DT_STRSZ = 10, DT_RPATH = 15, DT_RUNPATH = 29, DT_FLAGS_1 = 0x6ffffffb;
    private const ulong DF_1_NODEFLIB = 0x800;
    /// <summary>ET_EXEC and ET_DYN: the only kinds the loader maps.</summary>
    private const ushort ET_EXEC = 2, ET_DYN = 3;
    private const ushort EM_X86_64 = 62;

    private ElfDependencies() { }

    /// <summary>The PT_INTERP path, or null (a static program, or a shared library).</summary>
    public string? Interpreter { get; private init; }

    /// <summary>DT_NEEDED names, in order.</summary>
    public IReadOnlyList<string> Needed { get; private init; } = [];

    /// <summary>DT_RPATH's directories (colon-separated in the file), $ORIGIN unexpanded.</summary>
    public IReadOnlyList<string> RPath { get; private init; } = [];

    /// <summary>DT_RUNPATH's directories; when present, the loader ignores DT_RPATH.</summary>
    public IReadOnlyList<string> RunPath { get; private init; } = [];

    /// <summary>DF_1_NODEFLIB: skip the loader cache and default directories for this object's dependencies.</summary>
    public bool NoDefaultLibraries { get; private init; }

    /// <summary>Whether the file starts with the ELF magic.</summary>
    public static bool IsElf(string path)
    {
        Span<byte> magic = stackalloc byte[4];
        using var handle = File.OpenHandle(path);
        return RandomAccess.Read(handle, magic, 0) == 4 && IsElfMagic(magic);
    }

    /// <summary>
    /// Reads <paramref name="path"/>; null when it is not an x86-64 ELF object the loader would map
    /// (a script, another architecture, a relocatable object) — the loader skips those too.
    /// A truncated or inconsistent x86-64 ELF file is an <see cref="ImageFormatException"/>.
    /// </summary>
    public static ElfDependencies? TryRead(string path)
    {
        using var handle = File.OpenHandle(path);
        long length = RandomAccess.GetLength(handle);
        Span<byte> eh = stackalloc byte[EhdrSize];
        if (length < EhdrSize || RandomAccess.Read(handle, eh, 0) != EhdrSize || !IsElfMagic(eh))
        {
            return null;
        }
        ushort type = BinaryPrimitives.ReadUInt16LittleEndian(eh[16..]);
        ushort machine = BinaryPrimitives.ReadUInt16LittleEndian(eh[18..]);
        if (eh[4] != 2 /* ELFCLASS64 */ || eh[5] != 1 /* ELFDATA2LSB */ || machine != EM_X86_64 || type is not (ET_EXEC or ET_DYN))
        {
            return null;
        }
        ulong phoff = BinaryPrimitives.ReadUInt64LittleEndian(eh[32..]);
        ushort phentsize = BinaryPrimitives.ReadUInt16LittleEndian(eh[54..]);
        ushort phnum = BinaryPrimitives.ReadUInt16LittleEndian(eh[56..]);
        if (phentsize != PhdrSize || phoff > (ulong)length || (ulong)phnum * PhdrSize > (ulong)length - phoff)
        {
            throw Corrupt(path, "program headers lie outside the file");
        }
        var file = new Reader(handle, length, path);
        byte[] ph = file.Read((long)phoff, phnum * PhdrSize);
        var loads = new List<(ulong Vaddr, ulong Offset, ulong Filesz)>();
        string? interpreter = null;
        (ulong Offset, ulong Size)? dynamic = null;
        for (int i = 0; i < phnum; i++)
        {
            ReadOnlySpan<byte> p = ph.AsSpan(i * PhdrSize, PhdrSize);
            uint ptype = BinaryPrimitives.ReadUInt32LittleEndian(p);
            ulong offset = BinaryPrimitives.ReadUInt64LittleEndian(p[8..]);
            ulong vaddr = BinaryPrimitives.ReadUInt64LittleEndian(p[16..]);
            ulong filesz = BinaryPrimitives.ReadUInt64LittleEndian(p[32..]);
            switch (ptype)
            {
                case PT_LOAD:
                    loads.Add((vaddr, offset, filesz));
                    break;
                case PT_INTERP:
                    interpreter = CString(file.Read(offset, filesz, "PT_INTERP"), 0, path);
                    break;
                case PT_DYNAMIC:
                    dynamic = (offset, filesz);
                    break;
            }
        }
        if (dynamic is null)
        {
            return new ElfDependencies { Interpreter = interpreter };
        }
        return ReadDynamic(file, dynamic.Value, loads, interpreter);
    }

    private static ElfDependencies ReadDynamic(Reader file, (ulong Offset, ulong Size) dynamic,
        List<(ulong Vaddr, ulong Offset, ulong Filesz)> loads, string? interpreter)
    {
        byte[] dyn = file.Read(dynamic.Offset, dynamic.Size, "PT_DYNAMIC");
        var needed = new List<ulong>();
        ulong? rpath = null, runpath = null, strtab = null, strsz = null;
        ulong flags1 = 0;
        for (int at = 0; at + 16 <= dyn.Length; at += 16)
        {
            long tag = BinaryPrimitives.ReadInt64LittleEndian(dyn.AsSpan(at));
            ulong value = BinaryPrimitives.ReadUInt64LittleEndian(dyn.AsSpan(at + 8));
            if (tag == DT_NULL)
            {
                break;
            }
            switch (tag)
            {
                case DT_NEEDED: needed.Add(value); break;
                case DT_STRTAB: strtab = value; break;
                case DT_STRSZ: strsz = value; break;
                case DT_RPATH: rpath = value; break;
                case DT_RUNPATH: runpath = value; break;
                case DT_FLAGS_1: flags1 = value; break;
            }
        }
        if (needed.Count == 0 && rpath is null && runpath is null)
        {
            return new ElfDependencies { Interpreter = interpreter, NoDefaultLibraries = (flags1 & DF_1_NODEFLIB) != 0 };
        }
        if (strtab is null || strsz is null)
        {
            throw Corrupt(file.Path, "the dynamic section names libraries but has no string table");
        }
        // DT_STRTAB is an address; the PT_LOAD segment holding it says where that is in the file.
        ulong? strtabOffset = null;
        foreach (var (vaddr, offset, filesz) in loads)
        {
            if (strtab.Value >= vaddr && strtab.Value - vaddr < filesz)
            {
                strtabOffset = offset + (strtab.Value - vaddr);
                break;
            }
        }
        if (strtabOffset is null)
        {
            throw Corrupt(file.Path, $"the string table address 0x{strtab.Value:x} is in no loaded segment");
        }
        byte[] strings = file.Read(strtabOffset.Value, strsz.Value, "DT_STRTAB");
        var names = needed.ConvertAll(n => CString(strings, n, file.Path));
        return new ElfDependencies
        {
            Interpreter = interpreter,
            Needed = names,
            RPath = rpath is null ? [] : SearchPath(CString(strings, rpath.Value, file.Path)),
            RunPath = runpath is null ? [] : SearchPath(CString(strings, runpath.Value, file.Path)),
            NoDefaultLibraries = (flags1 & DF_1_NODEFLIB) != 0,
        };
    }

    // The loader splits DT_RPATH and DT_RUNPATH on ':'; an empty element means the current directory,
    // which no sane image build should follow, so it is dropped.
    private static List<string> SearchPath(string value) => new(value.Split(':', StringSplitOptions.RemoveEmptyEntries));

    private static bool IsElfMagic(ReadOnlySpan<byte> head) =>
        head.Length >= 4 && head[0] == 0x7f && head[1] == (byte)'E' && head[2] == (byte)'L' && head[3] == (byte)'F';

    private static string CString(byte[] bytes, ulong offset, string path)
    {
        if (offset >= (ulong)bytes.Length)
        {
            throw Corrupt(path, $"string offset {offset} is past the string table's {bytes.Length} bytes");
        }
        int end = Array.IndexOf(bytes, (byte)0, (int)offset);
        if (end < 0)
        {
            throw Corrupt(path, "a string runs past the end of its table");
        }
        return Encoding.UTF8.GetString(bytes, (int)offset, end - (int)offset);
    }

    private static ImageFormatException Corrupt(string path, string what) => new($"{path}: corrupt ELF file: {what}");

    /// <summary>Bounds-checked reads of one open file.</summary>
    private sealed class Reader(SafeFileHandle handle, long length, string path)
    {
        public string Path => path;

        public byte[] Read(long offset, int count) => Read((ulong)offset, (ulong)count, "header");

        public byte[] Read(ulong offset, ulong count, string what)
        {
            // Nothing the loader reads is this big; a larger size is a corrupt header, not a reason to allocate.
            if (offset > (ulong)length || count > (ulong)length - offset || count > 64 << 20)
            {
                throw Corrupt(path, $"{what} ({count} bytes at {offset}) lies outside the file");
            }
            var bytes = new byte[count];
            if (RandomAccess.Read(handle, bytes, (long)offset) != bytes.Length)
            {
                throw Corrupt(path, $"{what} could not be read whole");
            }
            return bytes;
        }
    }
}
