using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using UserKernel.Kernel.Syscalls;

namespace UserKernel.SyscallBridge.Seccomp;

/// <summary>
/// Makes the seccomp BPF program from the syscall table: passthrough syscalls are allowed and never stop,
/// rows served by notification become user notifications for the kernel's listener, and everything else
/// (handled, unimplemented, or unknown to the table) stops the thread for the tracer.
/// The program is a chain over runs of consecutive numbers with the same action.
/// </summary>
public static class FilterBuilder
{
    private const ushort BPF_LD_W_ABS = 0x20, BPF_JGE_K = 0x35, BPF_JEQ_K = 0x15, BPF_JSET_K = 0x45, BPF_RET_K = 0x06;
    private const uint AUDIT_ARCH_X86_64 = 0xC000003E;
    public const uint SECCOMP_RET_KILL_PROCESS = 0x80000000, SECCOMP_RET_USER_NOTIF = 0x7FC00000, SECCOMP_RET_TRACE = 0x7FF00000,
        SECCOMP_RET_ALLOW = 0x7FFF0000;

    /// <summary>One sock_filter instruction.</summary>
    public readonly record struct Instruction(ushort Code, byte Jt, byte Jf, uint K);

    /// <summary>The action for one syscall number.</summary>
    public static uint ActionFor(long nr) => SyscallTable.Lookup(nr) switch
    {
        { Disposition: Disposition.Passthrough } => SECCOMP_RET_ALLOW,
        { Via: StopVia.Notification } => SECCOMP_RET_USER_NOTIF,
        _ => SECCOMP_RET_TRACE,
    };

    public static List<Instruction> Build()
    {
        var program = new List<Instruction>
        {
            new(BPF_LD_W_ABS, 0, 0, 4),                        // A = seccomp_data.arch
            new(BPF_JEQ_K, 1, 0, AUDIT_ARCH_X86_64),
            new(BPF_RET_K, 0, 0, SECCOMP_RET_KILL_PROCESS),    // no 32-bit syscalls: they would bypass the table
            new(BPF_LD_W_ABS, 0, 0, 0),                        // A = seccomp_data.nr
        };

        // Runs of consecutive numbers with one action, up to the last row; everything above stops.
        // A row that stops only for some argument values is a run of its own with a small test block.
        int last = SyscallTable.Rows[^1].Number;
        int nr = 0;
        while (nr <= last + 1)
        {
            SyscallEntry? row = nr <= last ? SyscallTable.Lookup(nr) : null;
            int end = nr;
            uint action = nr <= last ? ActionFor(nr) : SECCOMP_RET_TRACE;
            if (!HasArgumentTest(row))
                while (end + 1 <= last && !HasArgumentTest(SyscallTable.Lookup(end + 1)) && ActionFor(end + 1) == action) end++;
            List<Instruction> block = row?.StopWhen is { } narrowed ? ArgumentTest(narrowed, action)
                : row?.PtraceWhen is { } byPtrace && action == SECCOMP_RET_USER_NOTIF ? PtraceTest(byPtrace)
                : [new Instruction(BPF_RET_K, 0, 0, action)];
            if (nr > last) { program.AddRange(block); break; }
            program.Add(new Instruction(BPF_JGE_K, (byte)block.Count, 0, (uint)(end + 1))); // beyond this run: skip its block
            program.AddRange(block);
            nr = end + 1;
        }
        return program;
    }

    private static bool HasArgumentTest(SyscallEntry? row) => row?.StopWhen != null || row?.PtraceWhen != null;

    /// <summary>A notification, or a ptrace stop when the argument has any of the bits.</summary>
    private static List<Instruction> PtraceTest(PtraceWhen when) =>
    [
        new(BPF_LD_W_ABS, 0, 0, (uint)(16 + 8 * when.Arg)),
        new(BPF_JSET_K, 0, 1, when.AnyOf),
        new(BPF_RET_K, 0, 0, SECCOMP_RET_TRACE),
        new(BPF_RET_K, 0, 0, SECCOMP_RET_USER_NOTIF),
    ];

    /// <summary>
    /// Stops (with <paramref name="stop"/>) when the argument's low 32 bits are one of the values, or when the whole
    /// argument is not 0, or when its low 32 bits have the sign bit; allows otherwise. Each branch returns, so A needs
    /// no reloading.
    /// </summary>
    private static List<Instruction> ArgumentTest(StopWhen when, uint stop)
    {
        // seccomp_data: nr(4) arch(4) instruction_pointer(8) args[6](8 each), little endian.
        uint low = (uint)(16 + 8 * when.Arg);
        if (when.Negative)
        {
            return
            [
                new(BPF_LD_W_ABS, 0, 0, low),
                new(BPF_JGE_K, 1, 0, 0x80000000),     // an int below 0: stop
                new(BPF_RET_K, 0, 0, SECCOMP_RET_ALLOW),
                new(BPF_RET_K, 0, 0, stop),
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
                new(BPF_RET_K, 0, 0, stop),
                new(BPF_RET_K, 0, 0, SECCOMP_RET_ALLOW),
            ];
        }
        var block = new List<Instruction> { new(BPF_LD_W_ABS, 0, 0, low) };
        for (int i = 0; i < when.Values.Length; i++)
            block.Add(new Instruction(BPF_JEQ_K, (byte)(when.Values.Length - i), 0, when.Values[i]));
        block.Add(new Instruction(BPF_RET_K, 0, 0, SECCOMP_RET_ALLOW));
        block.Add(new Instruction(BPF_RET_K, 0, 0, stop));
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
