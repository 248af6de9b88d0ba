using System;
using System.Buffers.Binary;
using UserKernel.Kernel.Abi;

namespace UserKernel.Kernel.Loader;

/// <summary>
/// The tiny static ELF the kernel generates and every guest process starts as. Its code waits in pause();
/// its page at <see cref="TrampolineAddress"/> holds "syscall; int3", through which the kernel injects
/// syscalls; its writable pages are the kernel's scratch memory in the guest. The host executes it; the
/// kernel's loader then maps the real program beside it.
/// </summary>
public static class StubProgram
{
    /// <summary>Far from where programs, PIE bases, mmap and the stack go.</summary>
    public const ulong Base = 0x1000_0000_0000;
    public const ulong EntryAddress = Base + CodeOffset;
    public const ulong TrampolineAddress = Base + CodeOffset + 0x10;
    public const ulong ScratchAddress = Base + 0x1000;
    public const int ScratchSize = 0x10000;

    private const int CodeOffset = 0x200;

    /// <summary>The ELF image.</summary>
    public static byte[] Build()
    {
        byte[] elf = new byte[0x300];
        Span<byte> e = elf;
        "\x7f\x45\x4c\x46\x02\x01\x01"u8.CopyTo(e); // ELF, 64-bit, little endian, version 1
        BinaryPrimitives.WriteUInt16LittleEndian(e[16..], 2);   // ET_EXEC
        BinaryPrimitives.WriteUInt16LittleEndian(e[18..], 62);  // EM_X86_64
        BinaryPrimitives.WriteUInt32LittleEndian(e[20..], 1);
        BinaryPrimitives.WriteUInt64LittleEndian(e[24..], EntryAddress);
        BinaryPrimitives.WriteUInt64LittleEndian(e[32..], 64);  // e_phoff
        BinaryPrimitives.WriteUInt16LittleEndian(e[52..], 64);  // e_ehsize
        BinaryPrimitives.WriteUInt16LittleEndian(e[54..], 56);  // e_phentsize
        BinaryPrimitives.WriteUInt16LittleEndian(e[56..], 2);   // e_phnum

        WritePhdr(e[64..], flags: 5 /* R+X */, offset: 0, vaddr: Base, filesz: (ulong)elf.Length, memsz: (ulong)elf.Length);
        WritePhdr(e[120..], flags: 6 /* R+W */, offset: 0, vaddr: ScratchAddress, filesz: 0, memsz: ScratchSize);

        // entry: mov eax, pause; syscall; jmp entry
        byte[] code = [0xb8, (byte)Sysno.pause, 0x00, 0x00, 0x00, 0x0f, 0x05, 0xeb, 0xf7];
        code.CopyTo(e[CodeOffset..]);
        // trampoline: syscall; int3
        byte[] trampoline = [0x0f, 0x05, 0xcc];
        trampoline.CopyTo(e[(CodeOffset + 0x10)..]);
        return elf;
    }

    /// <summary>One x86-64 PT_LOAD program header (56 bytes), page-aligned; the other generated programs use it too.</summary>
    public static void WritePhdr(Span<byte> p, uint flags, ulong offset, ulong vaddr, ulong filesz, ulong memsz)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(p, 1); // PT_LOAD
        BinaryPrimitives.WriteUInt32LittleEndian(p[4..], flags);
        BinaryPrimitives.WriteUInt64LittleEndian(p[8..], offset);
        BinaryPrimitives.WriteUInt64LittleEndian(p[16..], vaddr);
        BinaryPrimitives.WriteUInt64LittleEndian(p[24..], vaddr);
        BinaryPrimitives.WriteUInt64LittleEndian(p[32..], filesz);
        BinaryPrimitives.WriteUInt64LittleEndian(p[40..], memsz);
        BinaryPrimitives.WriteUInt64LittleEndian(p[48..], 4096);
    }
}
