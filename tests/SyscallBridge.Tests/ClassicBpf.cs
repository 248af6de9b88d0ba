using System;
using System.Buffers.Binary;
using System.Collections.Generic;

namespace UserKernel.SyscallBridge.Tests;

/// <summary>The outcome of one run: the returned action, instructions executed, and jumps that compared the syscall number.</summary>
public readonly record struct BpfRun(uint Action, int Executed, int NumberComparisons);

/// <summary>
/// A classic BPF interpreter for seccomp programs, over the sock_filter bytes the host is given. It runs the instructions the
/// host's seccomp checker accepts (seccomp_check_filter): loads of seccomp_data words, the scratch memory, ALU, jumps,
/// returns; it refuses what the host would refuse, so a program it runs is one the host loads.
/// </summary>
public sealed class ClassicBpf
{
    // struct seccomp_data is 64 bytes: nr, arch, instruction_pointer, args[6].
    public const int SeccompDataSize = 64;

    private const int BPF_LD = 0x00, BPF_LDX = 0x01, BPF_ST = 0x02, BPF_STX = 0x03, BPF_ALU = 0x04, BPF_JMP = 0x05, BPF_RET = 0x06, BPF_MISC = 0x07;
    private const int BPF_K = 0x00, BPF_TAX = 0x00, BPF_TXA = 0x80, BPF_W = 0x00, BPF_IMM = 0x00, BPF_ABS = 0x20, BPF_MEM = 0x60, BPF_LEN = 0x80, BPF_X = 0x08, BPF_A = 0x10;
    private const int BPF_JA = 0x00, BPF_JEQ = 0x10, BPF_JGT = 0x20, BPF_JGE = 0x30, BPF_JSET = 0x40;
    private const int BPF_MEMWORDS = 16, BPF_MAXINSNS = 4096;

    private readonly (ushort Code, byte Jt, byte Jf, uint K)[] program;

    /// <summary>Decodes the sock_filter array and checks it as the host does (bpf_check_classic); throws if it would refuse it.</summary>
    public ClassicBpf(ReadOnlySpan<byte> sockFilters)
    {
        if (sockFilters.Length % 8 != 0) throw new ArgumentException("not a whole number of sock_filter");
        program = new (ushort, byte, byte, uint)[sockFilters.Length / 8];
        for (int i = 0; i < program.Length; i++)
        {
            ReadOnlySpan<byte> b = sockFilters[(i * 8)..];
            program[i] = (BinaryPrimitives.ReadUInt16LittleEndian(b), b[2], b[3], BinaryPrimitives.ReadUInt32LittleEndian(b[4..]));
        }
        Check();
    }

    /// <summary>Instructions in the program.</summary>
    public int Length => program.Length;

    /// <summary>What seccomp_check_filter lets through (linux/kernel/seccomp.c), besides loads of seccomp_data words.</summary>
    private static readonly HashSet<int> Allowed =
    [
        BPF_RET | BPF_K, BPF_RET | BPF_A,
        BPF_ALU | 0x00, BPF_ALU | 0x10, BPF_ALU | 0x20, BPF_ALU | 0x30, BPF_ALU | 0x40, BPF_ALU | 0x50, BPF_ALU | 0x60, BPF_ALU | 0x70, BPF_ALU | 0xa0,
        BPF_ALU | 0x00 | BPF_X, BPF_ALU | 0x10 | BPF_X, BPF_ALU | 0x20 | BPF_X, BPF_ALU | 0x30 | BPF_X, BPF_ALU | 0x40 | BPF_X,
        BPF_ALU | 0x50 | BPF_X, BPF_ALU | 0x60 | BPF_X, BPF_ALU | 0x70 | BPF_X, BPF_ALU | 0xa0 | BPF_X, BPF_ALU | 0x80,
        BPF_LD | BPF_W | BPF_IMM, BPF_LDX | BPF_W | BPF_IMM, BPF_LD | BPF_W | BPF_LEN, BPF_LDX | BPF_W | BPF_LEN,
        BPF_MISC | BPF_TAX, BPF_MISC | BPF_TXA, BPF_LD | BPF_W | BPF_MEM, BPF_LDX | BPF_W | BPF_MEM, BPF_ST, BPF_STX,
        BPF_JMP | BPF_JA, BPF_JMP | BPF_JEQ, BPF_JMP | BPF_JGE, BPF_JMP | BPF_JGT, BPF_JMP | BPF_JSET,
        BPF_JMP | BPF_JEQ | BPF_X, BPF_JMP | BPF_JGE | BPF_X, BPF_JMP | BPF_JGT | BPF_X, BPF_JMP | BPF_JSET | BPF_X,
    ];

    private void Check()
    {
        if (program.Length is 0 or > BPF_MAXINSNS) throw new InvalidOperationException($"{program.Length} instructions");
        for (int pc = 0; pc < program.Length; pc++)
        {
            (ushort code, byte jt, byte jf, uint k) = program[pc];
            if (code == (BPF_LD | BPF_W | BPF_ABS))
            {
                if (k % 4 != 0 || k >= SeccompDataSize) throw Bad(pc, "a load outside seccomp_data or unaligned");
                continue;
            }
            if (!Allowed.Contains(code)) throw Bad(pc, "an instruction seccomp refuses");
            bool scratch = (code & 0xe0) == BPF_MEM && (code & 0x07) is BPF_LD or BPF_LDX || (code & 0x07) is BPF_ST or BPF_STX;
            if (scratch && k >= BPF_MEMWORDS) throw Bad(pc, "a scratch memory index");
            if (code == (BPF_ALU | 0x30) && k == 0) throw Bad(pc, "a division by constant 0");
            if ((code == (BPF_ALU | 0x60) || code == (BPF_ALU | 0x70)) && k >= 32) throw Bad(pc, "a shift of 32 or more");
            if ((code & 0x07) != BPF_JMP) continue;
            long far = (code & 0xf0) == BPF_JA ? k : Math.Max(jt, jf);
            if (pc + 1 + far >= program.Length) throw Bad(pc, "a jump beyond the end");
        }
        if ((program[^1].Code & 0x07) != BPF_RET) throw new InvalidOperationException("the program does not end with a return");
    }

    private InvalidOperationException Bad(int pc, string what) => new($"{what} at {pc}: code 0x{program[pc].Code:x2} k {program[pc].K}");

    /// <summary>Runs the program on one seccomp_data.</summary>
    public BpfRun Run(int nr, uint arch, ReadOnlySpan<ulong> args, ulong instructionPointer = 0)
    {
        Span<byte> data = stackalloc byte[SeccompDataSize];
        BinaryPrimitives.WriteInt32LittleEndian(data, nr);
        BinaryPrimitives.WriteUInt32LittleEndian(data[4..], arch);
        BinaryPrimitives.WriteUInt64LittleEndian(data[8..], instructionPointer);
        for (int i = 0; i < 6; i++) BinaryPrimitives.WriteUInt64LittleEndian(data[(16 + 8 * i)..], i < args.Length ? args[i] : 0);

        Span<uint> mem = stackalloc uint[BPF_MEMWORDS];
        uint a = 0, x = 0;
        bool aIsNumber = false;   // A holds seccomp_data.nr, unchanged since it was loaded
        int executed = 0, comparisons = 0;
        for (int pc = 0; ; pc++)
        {
            (ushort code, byte jt, byte jf, uint k) = program[pc];
            executed++;
            switch (code & 0x07)
            {
                case BPF_LD:
                    a = (code & 0xe0) switch
                    {
                        BPF_ABS => BinaryPrimitives.ReadUInt32LittleEndian(data[(int)k..]),
                        BPF_IMM => k,
                        BPF_LEN => SeccompDataSize,
                        _ => mem[(int)k],
                    };
                    aIsNumber = (code & 0xe0) == BPF_ABS && k == 0;
                    break;
                case BPF_LDX:
                    x = (code & 0xe0) switch { BPF_IMM => k, BPF_LEN => SeccompDataSize, _ => mem[(int)k] };
                    break;
                case BPF_ST: mem[(int)k] = a; break;
                case BPF_STX: mem[(int)k] = x; break;
                case BPF_ALU:
                    uint by = (code & BPF_X) != 0 ? x : k;
                    if ((code & 0xf0) == 0x30 && by == 0) return new BpfRun(0, executed, comparisons);   // the host ends the program with 0
                    a = Alu(code, a, by);
                    aIsNumber = false;
                    break;
                case BPF_JMP:
                    if ((code & 0xf0) == BPF_JA) { pc += (int)k; break; }
                    if (aIsNumber) comparisons++;
                    uint operand = (code & BPF_X) != 0 ? x : k;
                    bool taken = (code & 0xf0) switch
                    {
                        BPF_JEQ => a == operand,
                        BPF_JGT => a > operand,
                        BPF_JGE => a >= operand,
                        BPF_JSET => (a & operand) != 0,
                        _ => throw Bad(pc, "jump"),
                    };
                    pc += taken ? jt : jf;
                    break;
                case BPF_RET:
                    return new BpfRun((code & 0x18) == BPF_A ? a : k, executed, comparisons);
                case BPF_MISC:
                    if ((code & 0xf8) == BPF_TXA) { a = x; aIsNumber = false; } else x = a;
                    break;
            }
        }
    }

    /// <summary>
    /// Whether the host's seccomp action cache (Linux 5.11+, seccomp_is_const_allow) finds the number always allowed, so it
    /// never runs the filter for it: the path to the return reads only nr and arch and uses only the instructions that cache
    /// emulates (ld of nr or arch, ja, jeq/jge/jgt/jset with a constant, and with a constant, ret).
    /// </summary>
    public bool IsConstantAllow(int nr, uint arch)
    {
        uint a = 0;
        for (int pc = 0; pc < program.Length; pc++)
        {
            (ushort code, byte jt, byte jf, uint k) = program[pc];
            switch (code)
            {
                case BPF_LD | BPF_W | BPF_ABS when k is 0 or 4: a = k == 0 ? (uint)nr : arch; break;
                case BPF_RET | BPF_K: return k == 0x7FFF0000;
                case BPF_JMP | BPF_JA: pc += (int)k; break;
                case BPF_JMP | BPF_JEQ: pc += a == k ? jt : jf; break;
                case BPF_JMP | BPF_JGE: pc += a >= k ? jt : jf; break;
                case BPF_JMP | BPF_JGT: pc += a > k ? jt : jf; break;
                case BPF_JMP | BPF_JSET: pc += (a & k) != 0 ? jt : jf; break;
                case BPF_ALU | 0x50: a &= k; break;
                default: return false;
            }
        }
        return false;
    }

    private static uint Alu(ushort code, uint a, uint operand) => (code & 0xf0) switch
    {
        0x00 => a + operand,
        0x10 => a - operand,
        0x20 => a * operand,
        0x30 => a / operand,
        0x40 => a | operand,
        0x50 => a & operand,
        0x60 => operand >= 32 ? 0 : a << (int)operand,
        0x70 => operand >= 32 ? 0 : a >> (int)operand,
        0x80 => (uint)-(int)a,
        0xa0 => a ^ operand,
        _ => throw new InvalidOperationException($"ALU op 0x{code:x2}"),
    };
}
