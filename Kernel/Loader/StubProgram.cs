using System;
using System.Buffers.Binary;
using UserKernel.Kernel.Abi;

namespace UserKernel.Kernel.Loader;

/// <summary>
/// The tiny static ELF the kernel generates and every guest process starts as. Its code waits in pause();
/// its page at <see cref="TrampolineAddress"/> holds "syscall; int3", through which the kernel injects
/// syscalls, and at <see cref="BatchRunnerAddress"/> a loop that runs a list of syscalls (<see cref="SyscallBatch"/>)
/// and traps once; its writable pages are the kernel's scratch memory in the guest. The host executes it; the
/// kernel's loader then maps the real program beside it.
/// </summary>
public static class StubProgram
{
    /// <summary>Far from where programs, PIE bases, mmap and the stack go.</summary>
    public const ulong Base = 0x1000_0000_0000;
    public const ulong EntryAddress = Base + CodeOffset;
    public const ulong TrampolineAddress = Base + CodeOffset + 0x10;
    public const ulong BatchRunnerAddress = Base + CodeOffset + 0x20;

    /// <summary>Just past the batch runner's syscall instruction: where a call of a batch is, to the host.</summary>
    public const ulong BatchCallAddress = BatchRunnerAddress + 0x44;

    /// <summary>Just past the batch runner's int3: where the thread is when its batch has ended.</summary>
    public const ulong BatchTrapAddress = BatchRunnerAddress + 0x6b;

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
        BatchRunner.CopyTo(e[(CodeOffset + 0x20)..]);
        return elf;
    }

    /// <summary>
    /// The batch runner: rbx points at the first 64-byte record (number, six arguments, flags), r12 past the last. It
    /// runs them in order and stops at int3 after the last, or at the first that fails (rax -4095..-1), with rbx at it.
    /// r13 holds a descriptor and r14, r15 two load bases across calls, as the flags (<see cref="BatchFlags"/>) say.
    /// Assembled from the instructions in the comments (GNU as, Intel syntax).
    /// </summary>
    private static ReadOnlySpan<byte> BatchRunner =>
    [
        0x4c, 0x39, 0xe3,                   // loop: cmp rbx, r12
        0x73, 0x65,                         //   jae done
        0x48, 0x8b, 0x03,                   //   mov rax, [rbx]
        0x48, 0x8b, 0x7b, 0x08,             //   mov rdi, [rbx+8]
        0x48, 0x8b, 0x73, 0x10,             //   mov rsi, [rbx+16]
        0x48, 0x8b, 0x53, 0x18,             //   mov rdx, [rbx+24]
        0x4c, 0x8b, 0x53, 0x20,             //   mov r10, [rbx+32]
        0x4c, 0x8b, 0x43, 0x28,             //   mov r8, [rbx+40]
        0x4c, 0x8b, 0x4b, 0x30,             //   mov r9, [rbx+48]
        0xf6, 0x43, 0x38, 0x02,             //   test byte [rbx+56], FdInR8
        0x4d, 0x0f, 0x45, 0xc5,             //   cmovnz r8, r13
        0xf6, 0x43, 0x38, 0x04,             //   test byte [rbx+56], FdInRdi
        0x49, 0x0f, 0x45, 0xfd,             //   cmovnz rdi, r13
        0xf6, 0x43, 0x38, 0x10,             //   test byte [rbx+56], AddBase0
        0x74, 0x03,                         //   jz 1f
        0x4c, 0x01, 0xf7,                   //   add rdi, r14
        0xf6, 0x43, 0x38, 0x40,             // 1: test byte [rbx+56], AddBase1
        0x74, 0x03,                         //   jz 2f
        0x4c, 0x01, 0xff,                   //   add rdi, r15
        0x0f, 0x05,                         // 2: syscall
        0x48, 0x3d, 0x01, 0xf0, 0xff, 0xff, //   cmp rax, -4095
        0x73, 0x1e,                         //   jae done
        0xf6, 0x43, 0x38, 0x01,             //   test byte [rbx+56], SaveFd
        0x4c, 0x0f, 0x45, 0xe8,             //   cmovnz r13, rax
        0xf6, 0x43, 0x38, 0x08,             //   test byte [rbx+56], SaveBase0
        0x4c, 0x0f, 0x45, 0xf0,             //   cmovnz r14, rax
        0xf6, 0x43, 0x38, 0x20,             //   test byte [rbx+56], SaveBase1
        0x4c, 0x0f, 0x45, 0xf8,             //   cmovnz r15, rax
        0x48, 0x83, 0xc3, 0x40,             //   add rbx, 64
        0xeb, 0x96,                         //   jmp loop
        0xcc,                               // done: int3
    ];

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
