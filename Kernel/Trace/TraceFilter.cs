using System;
using System.Collections.Generic;
using System.Globalization;
using UserKernel.Kernel.Syscalls;

namespace UserKernel.Kernel.Trace;

/// <summary>
/// `--trace-filter=`: a comma-separated list of syscall names, classes (file, process, memory, signal,
/// network, ipc, time, identity, other), dispositions (emulated, forwarded, unimplemented) and pid=N.
/// Within each kind any item matches; an event must match every kind that was given.
/// </summary>
public sealed class TraceFilter
{
    private static readonly string[] Dispositions = ["emulated", "forwarded", "unimplemented"];

    private readonly HashSet<string> names = new(StringComparer.Ordinal);
    private readonly HashSet<string> dispositions = new(StringComparer.Ordinal);
    private readonly HashSet<int> pids = new();

    public static readonly TraceFilter All = new();

    /// <summary>Parses the option's value; an unknown word throws <see cref="FormatException"/> naming it.</summary>
    public static TraceFilter Parse(string spec)
    {
        var f = new TraceFilter();
        var known = new HashSet<string>(StringComparer.Ordinal);
        foreach (SyscallEntry row in SyscallTable.Rows) known.Add(row.Name);
        foreach (string raw in spec.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (raw.StartsWith("pid=", StringComparison.Ordinal) && int.TryParse(raw.AsSpan(4), NumberStyles.None, CultureInfo.InvariantCulture, out int pid)) f.pids.Add(pid);
            else if (Array.IndexOf(Dispositions, raw) >= 0) f.dispositions.Add(raw);
            else if (System.Linq.Enumerable.Contains(SyscallClasses.All, raw))
            {
                foreach (SyscallEntry row in SyscallTable.Rows)
                    if (SyscallClasses.Name(row.Class) == raw) f.names.Add(row.Name);
            }
            else if (known.Contains(raw)) f.names.Add(raw);
            else throw new FormatException($"--trace-filter: '{raw}' is no syscall name, class ({string.Join(", ", SyscallClasses.All)}), disposition (emulated, forwarded, unimplemented) or pid=N");
        }
        return f;
    }

    public bool Matches(string name, string disposition, int pid) =>
        (names.Count == 0 || names.Contains(name)) &&
        (dispositions.Count == 0 || dispositions.Contains(disposition)) &&
        (pids.Count == 0 || pids.Contains(pid));

    public bool MatchesPid(int pid) => pids.Count == 0 || pids.Contains(pid);
}
