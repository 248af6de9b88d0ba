using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text.Json;

namespace UserKernel.Tools.Commands.Trace;

/// <summary>One syscall line of a --trace-json file. Times are nanoseconds from the trace's start.</summary>
internal sealed record TracedCall(int Pid, int Tid, string Name, string Disposition, long StartNs, long DurationNs, long KernelNs, bool Failed, string Text);

/// <summary>A fork, exec, signal or exit line: a moment in a thread's life.</summary>
internal sealed record TaskMark(string Kind, int Pid, int Tid, long AtNs, string Text);

/// <summary>
/// A --trace-json file read back: the calls, the process tree (from fork and exec lines) and the moments of each
/// thread. A file from before fork and exec lines existed gives a tree of unconnected processes.
/// </summary>
internal sealed class TraceLog
{
    private readonly Dictionary<int, int> pidOfTid = new();

    public List<TracedCall> Calls { get; } = new();
    public List<TaskMark> Marks { get; } = new();
    public SortedDictionary<int, TracedProcess> Processes { get; } = new();

    /// <summary>Reads <paramref name="path"/>; a missing file or a line that is no trace event is a <see cref="UsageException"/>.</summary>
    public static TraceLog Read(string path)
    {
        var log = new TraceLog();
        IEnumerable<string> lines;
        try { lines = File.ReadLines(path); }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"trace report: cannot read {path}: {ex.Message}");
        }
        double? firstTime = null;
        int number = 0;
        try
        {
            foreach (string line in lines)
            {
                number++;
                if (string.IsNullOrWhiteSpace(line)) continue;
                try
                {
                    using JsonDocument doc = JsonDocument.Parse(line);
                    log.Add(doc.RootElement, ref firstTime);
                }
                catch (Exception ex) when (ex is JsonException or InvalidOperationException or KeyNotFoundException or FormatException)
                {
                    throw new UsageException($"trace report: {path}, line {number}: not a --trace-json event ({ex.Message})");
                }
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"trace report: cannot read {path}: {ex.Message}");
        }
        return log;
    }

    private void Add(JsonElement e, ref double? firstTime)
    {
        if (e.ValueKind != JsonValueKind.Object) throw new FormatException("a line must be one JSON object");
        string type = e.GetProperty("type").GetString() ?? throw new FormatException("\"type\" is null");
        double time = e.GetProperty("time").GetDouble();
        firstTime ??= time;
        int pid = e.GetProperty("pid").GetInt32();
        // Older files have no ts_ns: "time" (when the event was reported, to the millisecond) stands in.
        long at = e.TryGetProperty("ts_ns", out JsonElement ts) ? ts.GetInt64() : (long)((time - firstTime.Value) * 1e9);
        switch (type)
        {
            case "syscall":
                int tid = e.GetProperty("tid").GetInt32();
                long duration = Math.Max(0, e.GetProperty("duration_ns").GetInt64());
                long kernel = e.TryGetProperty("kernel_ns", out JsonElement k) ? k.GetInt64() : 0;
                if (!e.TryGetProperty("ts_ns", out _)) at = Math.Max(0, at - duration);
                Thread(pid, tid);
                Calls.Add(new TracedCall(pid, tid, e.GetProperty("name").GetString() ?? "?", e.GetProperty("disposition").GetString() ?? "?",
                    at, duration, kernel, e.GetProperty("errno").ValueKind == JsonValueKind.String, e.GetProperty("text").GetString() ?? ""));
                break;
            case "fork":
                int parentTid = e.GetProperty("tid").GetInt32(), childPid = e.GetProperty("child_pid").GetInt32(), childTid = e.GetProperty("child_tid").GetInt32();
                string comm = e.GetProperty("comm").GetString() ?? "";
                Thread(pid, parentTid);
                TracedProcess child = Thread(childPid, childTid);
                if (childPid != pid)
                {
                    child.Parent = pid;
                    if (child.Names.Count == 0) child.Names.Add(comm);
                }
                Marks.Add(new TaskMark("fork", pid, parentTid, at, childPid != pid ? $"fork: child pid {childPid}" : $"clone: thread {childTid}"));
                break;
            case "exec":
                int execTid = e.GetProperty("tid").GetInt32();
                string program = e.GetProperty("path").GetString() ?? "";
                TracedProcess p = Thread(pid, execTid);
                p.Names.Add(e.GetProperty("comm").GetString() ?? "");
                p.Programs.Add(program);
                Marks.Add(new TaskMark("exec", pid, execTid, at, "exec " + program));
                break;
            case "signal" or "exit":
                // These lines name the thread in "pid", as strace's [pid N] does.
                int thread = pid;
                int process = pidOfTid.TryGetValue(thread, out int known) ? known : thread;
                string text = e.GetProperty("text").GetString() ?? "";
                TracedProcess q = Thread(process, thread);
                if (type == "exit" && thread == process) q.Exit = text.Trim('+', ' ');
                Marks.Add(new TaskMark(type, process, thread, at, text));
                break;
            default:
                break; // a kind of event this report does not draw
        }
    }

    private TracedProcess Thread(int pid, int tid)
    {
        pidOfTid[tid] = pid;
        if (!Processes.TryGetValue(pid, out TracedProcess? p)) Processes[pid] = p = new TracedProcess(pid);
        p.Threads.Add(tid);
        return p;
    }

    /// <summary>The process's names joined as it changed them: "sh → ls".</summary>
    public static string NameOf(TracedProcess p) =>
        p.Names.Count == 0 ? "pid " + p.Pid.ToString(CultureInfo.InvariantCulture) : string.Join(" → ", p.Names);
}
