using System;
using System.Diagnostics;
using System.Threading;

namespace UserKernel.Kernel.Trace;

/// <summary>
/// Where a run's start-up goes, for whoever makes it faster. With USERKERNEL_PROFILE_STARTUP=1 in the environment,
/// the steps of a run mark the time they end (<see cref="Mark"/>), the platform counts its ptrace calls, waits and
/// guest memory copies, and at exit one table goes to stderr: each mark's time since Main began and since the mark
/// before, then the counts. Off (the default), a mark is one test of a static field and the counts cost one
/// increment each, so nothing is allocated and the hot path stays as it was.
/// </summary>
public static class StartupProfile
{
    private const int MaxMarks = 64;
    private static readonly long Origin = Stopwatch.GetTimestamp();
    private static readonly string?[] Names = new string?[MaxMarks];
    private static readonly long[] Times = new long[MaxMarks];
    private static readonly long[,] Counts = new long[MaxMarks, 4];
    private static int marks;

    /// <summary>Whether the profile is being taken (USERKERNEL_PROFILE_STARTUP=1).</summary>
    public static readonly bool Enabled = Environment.GetEnvironmentVariable("USERKERNEL_PROFILE_STARTUP") == "1";

    /// <summary>ptrace(2) calls made, waitpid(2) calls that returned, process_vm_readv/writev calls made.</summary>
    public static long PtraceCalls, Waits, MemoryReads, MemoryWrites;

    /// <summary>The step <paramref name="what"/> (a literal) has just ended.</summary>
    public static void Mark(string what)
    {
        if (!Enabled) return;
        int i = Interlocked.Increment(ref marks) - 1;
        if (i >= MaxMarks) return;
        Times[i] = Stopwatch.GetTimestamp();
        Names[i] = what;
        Counts[i, 0] = PtraceCalls; Counts[i, 1] = Waits; Counts[i, 2] = MemoryReads; Counts[i, 3] = MemoryWrites;
    }

    /// <summary>Writes the marks and the counts to stderr, once, if the profile is being taken.</summary>
    public static void Report()
    {
        if (!Enabled) return;
        int n = Math.Min(Volatile.Read(ref marks), MaxMarks);
        var lines = new System.Text.StringBuilder(
            "userkernel: start-up profile: ms since Main, ms since the mark before; ptrace calls, waits, process_vm_readv, writev since the mark before\n");
        long before = Origin;
        for (int i = 0; i < n; i++)
        {
            lines.Append(FormattableString.Invariant($"  {Ms(Times[i] - Origin),8:F3} {Ms(Times[i] - before),8:F3}"));
            for (int k = 0; k < 4; k++) lines.Append(FormattableString.Invariant($" {Counts[i, k] - (i > 0 ? Counts[i - 1, k] : 0),4}"));
            lines.Append("  ").Append(Names[i]).Append('\n');
            before = Times[i];
        }
        lines.Append(FormattableString.Invariant(
            $"  in all: ptrace calls {PtraceCalls}, waits {Waits}, process_vm_readv {MemoryReads}, process_vm_writev {MemoryWrites}\n"));
        Console.Error.Write(lines.ToString());
    }

    private static double Ms(long ticks) => ticks * 1000.0 / Stopwatch.Frequency;
}
