using System.Collections.Generic;
using System.IO;
using System.Linq;

namespace UserKernel.Kernel.Trace;

/// <summary>`--summary`: like `strace -c`, counts, errors and time per syscall and per disposition, printed at exit.</summary>
public sealed class SyscallSummary : ITraceSink
{
    private sealed class Row
    {
        public long Calls, Errors, TotalNs;
    }

    private readonly TextWriter writer;
    private readonly Dictionary<string, Row> bySyscall = new();
    private readonly Dictionary<string, Row> byDisposition = new();

    public SyscallSummary(TextWriter writer) { this.writer = writer; }

    public void Syscall(TraceEvent e)
    {
        foreach ((Dictionary<string, Row> table, string key) in new[] { (bySyscall, e.Name), (byDisposition, e.Disposition) })
        {
            if (!table.TryGetValue(key, out Row? row)) table[key] = row = new Row();
            row.Calls++;
            row.TotalNs += e.DurationNs;
            if (e.Failed) row.Errors++;
        }
    }

    public void ProcessEvent(double unixTime, int pid, string kind, string text) { }

    public void TaskEvent(TaskEvent e) { }

    public void Finish()
    {
        writer.WriteLine("userkernel summary: mediated syscalls only (passthrough syscalls never stop and are not counted)");
        Print("syscall", bySyscall);
        writer.WriteLine();
        Print("disposition", byDisposition);
        writer.Flush();
    }

    private void Print(string heading, Dictionary<string, Row> table)
    {
        long totalNs = table.Values.Sum(r => r.TotalNs);
        writer.WriteLine($"{"% time",6} {"seconds",11} {"usecs/call",11} {"calls",9} {"errors",9} {heading}");
        writer.WriteLine("------ ----------- ----------- --------- --------- ----------------");
        foreach ((string name, Row r) in table.OrderByDescending(kv => kv.Value.TotalNs).ThenBy(kv => kv.Key))
        {
            double pct = totalNs == 0 ? 0 : 100.0 * r.TotalNs / totalNs;
            writer.WriteLine($"{pct,6:0.00} {r.TotalNs / 1e9,11:0.000000} {r.TotalNs / 1000 / r.Calls,11} {r.Calls,9} {(r.Errors == 0 ? "" : r.Errors.ToString(System.Globalization.CultureInfo.InvariantCulture)),9} {name}");
        }
        writer.WriteLine("------ ----------- ----------- --------- --------- ----------------");
        writer.WriteLine($"{100.0,6:0.00} {totalNs / 1e9,11:0.000000} {"",11} {table.Values.Sum(r => r.Calls),9} {table.Values.Sum(r => r.Errors),9} total");
    }
}
