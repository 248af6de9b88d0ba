using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using UserKernel.Kernel.Syscalls;
using UserKernel.SyscallBridge.Seccomp;
using Xunit;
using Xunit.Abstractions;
using static UserKernel.SyscallBridge.Seccomp.FilterBuilder;

namespace UserKernel.SyscallBridge.Tests;

/// <summary>
/// Runs the filter the kernel installs, as the host is given it, on <see cref="ClassicBpf"/>: every number, with arguments
/// that do and do not meet a row's argument test, must meet the action its row promises; the search must stay shallow.
/// </summary>
public class SeccompFilterTests(ITestOutputHelper output)
{
    private const uint AUDIT_ARCH_X86_64 = 0xC000003E, AUDIT_ARCH_I386 = 0x40000003, __X32_SYSCALL_BIT = 0x40000000;

    private static readonly ClassicBpf Filter = new(Encode(Build()));
    private static readonly int Highest = SyscallTable.Rows[^1].Number;

    /// <summary>What a row promises, from its disposition, its way and its argument tests; no row: a stop, and ENOSYS.</summary>
    private static uint Promised(int nr, ReadOnlySpan<ulong> args)
    {
        SyscallEntry? row = SyscallTable.Lookup(nr);
        if (row == null) return SECCOMP_RET_TRACE;
        if (row.Disposition == Disposition.Passthrough) return SECCOMP_RET_ALLOW;
        uint stop = row.Via == StopVia.Notification ? SECCOMP_RET_USER_NOTIF : SECCOMP_RET_TRACE;
        if (row.StopWhen is { } when) return when.Matches(args) ? stop : SECCOMP_RET_ALLOW;
        if (stop == SECCOMP_RET_USER_NOTIF && row.PtraceWhen is { } byPtrace && byPtrace.Matches(args)) return SECCOMP_RET_TRACE;
        return stop;
    }

    /// <summary>Argument vectors for a number: none set, all bits set, and values on either side of its row's tests.</summary>
    private static IEnumerable<ulong[]> ArgumentsFor(int nr)
    {
        yield return new ulong[6];
        yield return Enumerable.Repeat(ulong.MaxValue, 6).ToArray();
        SyscallEntry? row = SyscallTable.Lookup(nr);
        var values = new List<(int Arg, ulong Value)>();
        if (row?.StopWhen is { } when)
        {
            foreach (uint v in when.Values) values.AddRange([(when.Arg, v), (when.Arg, v | 0xFFFFFFFF_00000000), (when.Arg, v + 1UL)]);
            if (when.Nonzero) values.AddRange([(when.Arg, 1), (when.Arg, 1UL << 32), (when.Arg, 1UL << 63)]);
            if (when.Negative || when.Positive) values.AddRange([(when.Arg, 0x80000000), (when.Arg, 0xFFFFFFFF), (when.Arg, 0x7FFFFFFF), (when.Arg, 1), (when.Arg, 0xFFFFFFFF_00000000)]);
        }
        if (row?.PtraceWhen is { } byPtrace)
            values.AddRange([(byPtrace.Arg, byPtrace.AnyOf), (byPtrace.Arg, ~byPtrace.AnyOf & 0xFFFFFFFFUL), (byPtrace.Arg, 1UL << 32)]);
        foreach ((int arg, ulong value) in values)
        {
            var args = new ulong[6];
            args[arg] = value;
            yield return args;
        }
    }

    [Fact]
    public void Every_number_meets_the_action_its_row_promises()
    {
        for (int nr = 0; nr <= Highest + 10; nr++)
        {
            foreach (ulong[] args in ArgumentsFor(nr))
            {
                // Act
                uint action = Filter.Run(nr, AUDIT_ARCH_X86_64, args).Action;

                // Assert
                uint promised = Promised(nr, args);
                Assert.True(promised == action, $"{SyscallTable.Lookup(nr)?.Name ?? "(no row)"} ({nr}) with [{string.Join(", ", args.Select(a => $"0x{a:x}"))}]: 0x{action:x8}, promised 0x{promised:x8}");
            }
        }
    }

    [Fact]
    public void Numbers_with_the_x32_bit_and_numbers_beyond_the_table_stop_for_the_tracer()
    {
        // x32 calls come with AUDIT_ARCH_X86_64 and the bit in the number: none may run unseen, whatever its row says.
        var numbers = Enumerable.Range(0, Highest + 11).Select(nr => (uint)nr | __X32_SYSCALL_BIT)
            .Concat(new uint[] { (uint)Highest + 1, 0x3FFFFFFF, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF });
        foreach (uint nr in numbers)
        {
            // Act
            uint action = Filter.Run((int)nr, AUDIT_ARCH_X86_64, new ulong[6]).Action;

            // Assert
            Assert.True(action == SECCOMP_RET_TRACE, $"0x{nr:x}: 0x{action:x8}");
        }
    }

    [Fact]
    public void Another_architecture_is_killed_before_the_number_is_read()
    {
        foreach (uint arch in new[] { AUDIT_ARCH_I386, AUDIT_ARCH_X86_64 & ~0x80000000u, 0u })
        {
            for (int nr = 0; nr <= Highest + 10; nr++)
            {
                // Act
                BpfRun run = Filter.Run(nr, arch, new ulong[6]);

                // Assert
                Assert.Equal(SECCOMP_RET_KILL_PROCESS, run.Action);
                Assert.Equal(0, run.NumberComparisons);
            }
        }
    }

    [Fact]
    public void The_search_compares_the_number_about_log2_of_the_ranges_times()
    {
        // Arrange
        int ranges = Ranges().Count;
        int bound = (int)Math.Ceiling(Math.Log2(ranges));

        // Act
        var runs = Enumerable.Range(0, Highest + 11).Select(nr => (nr, run: Filter.Run(nr, AUDIT_ARCH_X86_64, new ulong[6]))).ToList();
        (int worstNr, BpfRun worst) = runs.MaxBy(r => r.run.NumberComparisons);

        // Assert: a chain of one comparison per range would compare up to ranges - 1 times
        output.WriteLine($"{Filter.Length} instructions, {ranges} ranges; comparisons of the number: worst {worst.NumberComparisons} ({worstNr}), " +
            $"best {runs.Min(r => r.run.NumberComparisons)}; a chain's worst {ranges - 1}");
        foreach (int nr in new[] { 0, 1, 39, 95, 110, 202, 257, 262, Highest })
            output.WriteLine($"  {SyscallTable.Lookup(nr)?.Name} ({nr}): {runs[nr].run.Executed} instructions executed, {runs[nr].run.NumberComparisons} comparisons");
        Assert.InRange(worst.NumberComparisons, 1, bound);
        Assert.True(worst.NumberComparisons * 4 < ranges - 1, $"worst {worst.NumberComparisons} of {ranges} ranges");
        Assert.True(Filter.Length <= BPF_MAXINSNS);
    }

    [Fact]
    public void Numbers_allowed_whatever_the_arguments_are_left_to_the_hosts_action_cache()
    {
        for (int nr = 0; nr <= Highest + 10; nr++)
        {
            // Arrange: a passthrough row that tests no argument
            SyscallEntry? row = SyscallTable.Lookup(nr);
            bool alwaysAllowed = row is { Disposition: Disposition.Passthrough, StopWhen: null };

            // Act
            bool cached = Filter.IsConstantAllow(nr, AUDIT_ARCH_X86_64);

            // Assert: the host never runs the filter for those, and never skips it for the others
            Assert.True(alwaysAllowed == cached, $"{row?.Name ?? "(no row)"} ({nr}): cached {cached}");
        }
    }

    [Fact]
    public void Far_jumps_go_through_BPF_JA_and_every_number_still_meets_its_range()
    {
        // Arrange: more ranges than an 8-bit jump can skip, some answering with an argument test of four instructions
        const int count = 1500;
        var ranges = new NumberRange[count];
        for (int i = 0; i < count; i++)
        {
            List<Instruction> answer = i % 7 == 0
                ? [new(BPF_LD_W_ABS, 0, 0, SeccompDataArgs), new(BPF_JEQ_K, 0, 1, (uint)i), Return(SECCOMP_RET_TRACE), Return(SECCOMP_RET_ALLOW)]
                : [Return((uint)i)];
            ranges[i] = new NumberRange((uint)(3 * i), answer);
        }
        List<Instruction> program = [new(BPF_LD_W_ABS, 0, 0, SeccompDataNr), .. Search(ranges)];

        // Act
        var filter = new ClassicBpf(Encode(program));

        // Assert
        Assert.Contains(program, ins => ins.Code == BPF_JA);
        for (int nr = 0; nr < 3 * count + 5; nr++)
        {
            int i = Math.Min(nr / 3, count - 1);
            ulong[] matching = [(ulong)i, 0, 0, 0, 0, 0];
            BpfRun plain = filter.Run(nr, AUDIT_ARCH_X86_64, new ulong[6]), tested = filter.Run(nr, AUDIT_ARCH_X86_64, matching);
            Assert.Equal(i % 7 == 0 ? (i == 0 ? SECCOMP_RET_TRACE : SECCOMP_RET_ALLOW) : (uint)i, plain.Action);
            Assert.Equal(i % 7 == 0 ? SECCOMP_RET_TRACE : (uint)i, tested.Action);
            Assert.InRange(plain.NumberComparisons, 1, (int)Math.Ceiling(Math.Log2(count)));
        }
    }

    [Fact]
    public void Consecutive_numbers_with_the_same_answer_share_one_range()
    {
        // Act
        List<NumberRange> ranges = Ranges();

        // Assert: ranges start at 0, ascend, and no two neighbours answer alike
        Assert.Equal(0u, ranges[0].First);
        for (int i = 1; i < ranges.Count; i++)
        {
            Assert.True(ranges[i].First > ranges[i - 1].First);
            Assert.False(ranges[i].Answer.SequenceEqual(ranges[i - 1].Answer), $"ranges at {ranges[i - 1].First} and {ranges[i].First} answer alike");
        }
        // the last range runs to 2^32 - 1 and stops
        Assert.InRange(ranges[^1].First, 1u, (uint)Highest + 1);
        Assert.Equal([Return(SECCOMP_RET_TRACE)], ranges[^1].Answer);
    }
}
