using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Linq;
using UserKernel.Kernel.Syscalls;

namespace UserKernel.SyscallBridge.Seccomp;

/// <summary>
/// Makes the seccomp BPF program from the syscall table: passthrough syscalls are allowed and never stop,
/// rows served by notification become user notifications for the kernel's listener, and everything else
/// (handled, unimplemented, or unknown to the table) stops the thread for the tracer.
/// The program is a binary search over ranges of syscall numbers (as libseccomp and gVisor build theirs):
/// every call meets about log2(ranges) comparisons, not one per range below its number. The way to a number's answer
/// uses only what the host's seccomp action cache emulates (loads of nr and arch, constant jumps, ja), so a number that is
/// always allowed is never filtered at all (Linux 5.11+).
/// </summary>
public static class FilterBuilder
{
    internal const ushort BPF_LD_W_ABS = 0x20, BPF_JA = 0x05, BPF_JEQ_K = 0x15, BPF_JGE_K = 0x35, BPF_JSET_K = 0x45, BPF_RET_K = 0x06;

    /// <summary>The most instructions the host accepts in one filter (BPF_MAXINSNS).</summary>
    internal const int BPF_MAXINSNS = 4096;

    /// <summary>Offsets in struct seccomp_data: nr, arch, instruction_pointer, then args[6] of 8 bytes, little endian.</summary>
    internal const uint SeccompDataNr = 0, SeccompDataArch = 4, SeccompDataArgs = 16;

    internal const uint AUDIT_ARCH_X86_64 = 0xC000003E;
    public const uint SECCOMP_RET_KILL_PROCESS = 0x80000000, SECCOMP_RET_USER_NOTIF = 0x7FC00000, SECCOMP_RET_TRACE = 0x7FF00000,
        SECCOMP_RET_ALLOW = 0x7FFF0000;

    /// <summary>One sock_filter instruction.</summary>
    public readonly record struct Instruction(ushort Code, byte Jt, byte Jf, uint K);

    /// <summary>
    /// The syscall numbers from <paramref name="First"/> up to the next range's first, and the instructions that answer
    /// them (a return, or a test of an argument whose every branch returns).
    /// </summary>
    internal sealed record NumberRange(uint First, List<Instruction> Answer);

    /// <summary>The action for one syscall number.</summary>
    public static uint ActionFor(long nr) => SyscallTable.Lookup(nr) switch
    {
        { Disposition: Disposition.Passthrough } => SECCOMP_RET_ALLOW,
        { Via: StopVia.Notification } => SECCOMP_RET_USER_NOTIF,
        _ => SECCOMP_RET_TRACE,
    };

    /// <summary>The program: the architecture check, then the binary search over the syscall number.</summary>
    public static List<Instruction> Build()
    {
        var program = new List<Instruction>
        {
            new(BPF_LD_W_ABS, 0, 0, SeccompDataArch),
            new(BPF_JEQ_K, 1, 0, AUDIT_ARCH_X86_64),
            new(BPF_RET_K, 0, 0, SECCOMP_RET_KILL_PROCESS),    // no 32-bit syscalls: they would bypass the table
            new(BPF_LD_W_ABS, 0, 0, SeccompDataNr),
        };
        program.AddRange(Search(Ranges().ToArray()));
        if (program.Count > BPF_MAXINSNS) throw new InvalidOperationException($"the seccomp filter has {program.Count} instructions, more than the host's {BPF_MAXINSNS}");
        return program;
    }

    /// <summary>
    /// All 2^32 numbers, cut where the answer changes: consecutive numbers with the same answer share a range. Numbers above
    /// the last row (x32 numbers with bit 0x40000000 among them) stop, and the tracer answers ENOSYS.
    /// </summary>
    internal static List<NumberRange> Ranges()
    {
        var ranges = new List<NumberRange>();
        int last = SyscallTable.Rows[^1].Number;
        for (int nr = 0; nr <= last + 1; nr++)
        {
            List<Instruction> answer = nr <= last ? Answer(nr) : [Return(SECCOMP_RET_TRACE)];
            if (ranges.Count == 0 || !ranges[^1].Answer.SequenceEqual(answer))
                ranges.Add(new NumberRange((uint)nr, answer));
        }
        return ranges;
    }

    /// <summary>
    /// The binary search, with A holding the number: split the ranges in half, compare A with the first number of the upper
    /// half, and search the half it falls in. The lower half comes first, so only "at least" needs a jump.
    /// </summary>
    internal static List<Instruction> Search(ReadOnlySpan<NumberRange> ranges)
    {
        if (ranges.Length == 1) return ranges[0].Answer;
        int middle = ranges.Length / 2;
        List<Instruction> lower = Search(ranges[..middle]);
        List<Instruction> upper = Search(ranges[middle..]);
        return [.. JumpIfAtLeast(ranges[middle].First, lower.Count), .. lower, .. upper];
    }

    /// <summary>
    /// A jump over <paramref name="skip"/> instructions when A is at least <paramref name="value"/>. A conditional jump reaches
    /// 255 instructions at most (jt is 8 bits): farther, it falls through to a BPF_JA, whose offset is 32 bits.
    /// </summary>
    private static List<Instruction> JumpIfAtLeast(uint value, int skip) => skip <= byte.MaxValue
        ? [new(BPF_JGE_K, (byte)skip, 0, value)]
        : [new(BPF_JGE_K, 0, 1, value), new(BPF_JA, 0, 0, (uint)skip)];

    internal static Instruction Return(uint action) => new(BPF_RET_K, 0, 0, action);

    /// <summary>A row's answer: its action, or a test of an argument where the row stops only for some values.</summary>
    private static List<Instruction> Answer(int nr)
    {
        SyscallEntry? row = SyscallTable.Lookup(nr);
        uint action = ActionFor(nr);
        return row?.StopWhen is { } narrowed ? ArgumentTest(narrowed, action)
            : row?.PtraceWhen is { } byPtrace && action == SECCOMP_RET_USER_NOTIF ? PtraceTest(byPtrace)
            : [Return(action)];
    }

    private static uint LowWordOf(int arg) => SeccompDataArgs + 8 * (uint)arg;

    /// <summary>A notification, or a ptrace stop when the argument has any of the bits.</summary>
    private static List<Instruction> PtraceTest(PtraceWhen when) =>
    [
        new(BPF_LD_W_ABS, 0, 0, LowWordOf(when.Arg)),
        new(BPF_JSET_K, 0, 1, when.AnyOf),
        Return(SECCOMP_RET_TRACE),
        Return(SECCOMP_RET_USER_NOTIF),
    ];

    /// <summary>
    /// Stops (with <paramref name="stop"/>) when the argument's low 32 bits are one of the values, or when the whole
    /// argument is not 0, or when its low 32 bits have the sign bit; allows otherwise. Each branch returns, so the number
    /// in A is not needed again.
    /// </summary>
    private static List<Instruction> ArgumentTest(StopWhen when, uint stop)
    {
        uint low = LowWordOf(when.Arg);
        if (when.Negative)
        {
            return
            [
                new(BPF_LD_W_ABS, 0, 0, low),
                new(BPF_JGE_K, 1, 0, 0x80000000),     // an int below 0: stop
                Return(SECCOMP_RET_ALLOW),
                Return(stop),
            ];
        }
        if (when.Positive)
        {
            return
            [
                new(BPF_LD_W_ABS, 0, 0, low),
                new(BPF_JEQ_K, 2, 0, 0),              // 0: allow
                new(BPF_JGE_K, 1, 0, 0x80000000),     // an int below 0: allow
                Return(stop),
                Return(SECCOMP_RET_ALLOW),
            ];
        }
        if (when.Nonzero)
        {
            return
            [
                new(BPF_LD_W_ABS, 0, 0, low),
                new(BPF_JEQ_K, 0, 2, 0),              // low word not 0: stop
                new(BPF_LD_W_ABS, 0, 0, low + 4),
                new(BPF_JEQ_K, 1, 0, 0),              // high word 0 as well: allow
                Return(stop),
                Return(SECCOMP_RET_ALLOW),
            ];
        }
        var block = new List<Instruction> { new(BPF_LD_W_ABS, 0, 0, low) };
        for (int i = 0; i < when.Values.Length; i++)
            block.Add(new Instruction(BPF_JEQ_K, (byte)(when.Values.Length - i), 0, when.Values[i]));
        block.Add(Return(SECCOMP_RET_ALLOW));
        block.Add(Return(stop));
        return block;
    }

    /// <summary>The program as the bytes of a sock_filter array.</summary>
    public static byte[] Encode(List<Instruction> program)
    {
        byte[] bytes = new byte[program.Count * 8];
        for (int i = 0; i < program.Count; i++)
        {
            Span<byte> b = bytes.AsSpan(i * 8);
            BinaryPrimitives.WriteUInt16LittleEndian(b, program[i].Code);
            b[2] = program[i].Jt;
            b[3] = program[i].Jf;
            BinaryPrimitives.WriteUInt32LittleEndian(b[4..], program[i].K);
        }
        return bytes;
    }
}
