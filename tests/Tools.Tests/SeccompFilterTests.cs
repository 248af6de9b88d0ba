using System;
using System.Collections.Generic;
using UserKernel.Kernel.Abi;
using UserKernel.Kernel.Syscalls;
using UserKernel.SyscallBridge.Seccomp;
using Xunit;

namespace UserKernel.Tools.Tests;

/// <summary>
/// Runs the seccomp program the kernel installs, on a small classic-BPF interpreter, against every row of the table:
/// the action a call meets must be the one its row promises.
/// </summary>
public class SeccompFilterTests
{
    private const uint AUDIT_ARCH_X86_64 = 0xC000003E;

    private static readonly List<FilterBuilder.Instruction> Program = FilterBuilder.Build();

    /// <summary>Evaluates the program on one seccomp_data; the few opcodes the builder emits, anything else fails.</summary>
    private static uint Run(int nr, ulong[] args, uint arch = AUDIT_ARCH_X86_64)
    {
        Span<byte> data = stackalloc byte[64];
        BitConverter.TryWriteBytes(data, nr);
        BitConverter.TryWriteBytes(data[4..], arch);
        for (int i = 0; i < 6; i++) BitConverter.TryWriteBytes(data[(16 + 8 * i)..], args[i]);
        uint a = 0;
        for (int pc = 0; pc < Program.Count; pc++)
        {
            FilterBuilder.Instruction ins = Program[pc];
            switch (ins.Code)
            {
                case 0x20: a = BitConverter.ToUInt32(data[(int)ins.K..]); break;       // ld [k]
                case 0x15: pc += a == ins.K ? ins.Jt : ins.Jf; break;                  // jeq #k
                case 0x35: pc += a >= ins.K ? ins.Jt : ins.Jf; break;                  // jge #k
                case 0x45: pc += (a & ins.K) != 0 ? ins.Jt : ins.Jf; break;            // jset #k
                case 0x06: return ins.K;                                               // ret #k
                default: throw new InvalidOperationException($"opcode 0x{ins.Code:x} at {pc}");
            }
        }
        throw new InvalidOperationException("the program ran off its end");
    }

    private static ulong[] Args(int arg = -1, ulong value = 0)
    {
        var args = new ulong[6];
        if (arg >= 0) args[arg] = value;
        return args;
    }

    [Fact]
    public void Every_row_meets_the_action_its_disposition_and_way_promise()
    {
        foreach (SyscallEntry row in SyscallTable.Rows)
        {
            // Act
            uint action = Run(row.Number, Args());

            // Assert: with all-zero arguments (no StopWhen value, no PtraceWhen bit)
            uint expected = row.Disposition == Disposition.Passthrough ? FilterBuilder.SECCOMP_RET_ALLOW
                : row.StopWhen is { } when && !when.Matches(Args()) ? FilterBuilder.SECCOMP_RET_ALLOW
                : row.Via == StopVia.Notification ? FilterBuilder.SECCOMP_RET_USER_NOTIF
                : FilterBuilder.SECCOMP_RET_TRACE;
            Assert.True(expected == action, $"{row.Name} ({row.Number}): 0x{action:x8}, expected 0x{expected:x8}");
        }
    }

    [Fact]
    public void A_notified_row_comes_by_ptrace_when_its_PtraceWhen_bit_is_set()
    {
        // Act
        uint plain = Run(262, Args(3, 0));                                            // newfstatat(dirfd, path, buf, 0)
        uint emptyPath = Run(262, Args(3, (ulong)AtFlags.AT_EMPTY_PATH));              // newfstatat(fd, "", buf, AT_EMPTY_PATH)
        uint otherBits = Run(262, Args(3, (ulong)AtFlags.AT_SYMLINK_NOFOLLOW));

        // Assert
        Assert.Equal(FilterBuilder.SECCOMP_RET_USER_NOTIF, plain);
        Assert.Equal(FilterBuilder.SECCOMP_RET_TRACE, emptyPath);
        Assert.Equal(FilterBuilder.SECCOMP_RET_USER_NOTIF, otherBits);
    }

    [Fact]
    public void Numbers_beyond_the_table_and_other_architectures_never_run_unseen()
    {
        // Act
        uint beyond = Run(SyscallTable.Rows[^1].Number + 1, Args());
        uint huge = Run(0x40000000 | 1, Args());                                        // an x32 number
        uint i386 = Run(20, Args(), arch: 0x40000003);                                  // AUDIT_ARCH_I386

        // Assert
        Assert.Equal(FilterBuilder.SECCOMP_RET_TRACE, beyond);
        Assert.Equal(FilterBuilder.SECCOMP_RET_TRACE, huge);
        Assert.Equal(FilterBuilder.SECCOMP_RET_KILL_PROCESS, i386);
    }
}
