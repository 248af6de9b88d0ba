using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Text.Json;

namespace UserKernel.Kernel.Trace;

/// <summary>
/// `--trace-perfetto`: Chrome's trace-event format (the JSON object form) that ui.perfetto.dev and chrome://tracing
/// open. Each guest thread is a track under its process, named by metadata ("M") events; each mediated syscall is a
/// complete ("X") slice with its arguments, result, disposition and the kernel's own time; fork, exec, signal
/// delivery and exit are instant ("i") events on the thread's track. Times are microseconds from the trace's start.
/// The document is closed by <see cref="Finish"/> (or <see cref="Dispose"/>, if the run never started).
/// </summary>
public sealed class PerfettoTraceWriter : ITraceSink, IDisposable
{
    /// <summary>An instant event waiting for its thread's slice that was under way when it happened (see <see cref="Syscall"/>).</summary>
    private sealed record Instant(double Ts, int Pid, int Tid, string Name, string Category, string Key, string Value, int ChildPid = 0, int ChildTid = 0);

    private readonly Stream stream;
    private readonly Utf8JsonWriter json;
    private readonly long origin = Stopwatch.GetTimestamp();
    private readonly Dictionary<int, int> pidOfTid = new();
    private readonly HashSet<int> namedPids = new();
    private readonly Dictionary<int, List<Instant>> held = new();
    private bool finished;

    public PerfettoTraceWriter(Stream stream)
    {
        this.stream = stream;
        json = new Utf8JsonWriter(stream);
        json.WriteStartObject();
        json.WriteString("displayTimeUnit", "ns");
        json.WriteStartObject("otherData");
        json.WriteString("producer", "userkernel");
        json.WriteString("note", "mediated syscalls only: passthrough syscalls run on the host without stopping and never appear");
        json.WriteEndObject();
        json.WriteStartArray("traceEvents");
        json.Flush();
    }

    public void Syscall(TraceEvent e)
    {
        Known(e.Pid, e.Tid, null);
        double ts = e.StartTimestamp != 0 ? Micros(e.StartTimestamp) : Math.Max(0, Micros(Stopwatch.GetTimestamp()) - e.DurationNs / 1000.0);
        // An event that came while this call was under way (the child of a fork) is written after its slice, one that
        // came before it ahead: each thread's events stay in time order in the file.
        List<Instant>? pending = held.Remove(e.Tid, out List<Instant>? p) ? p : null;
        if (pending != null)
            foreach (Instant i in pending)
                if (i.Ts <= ts) WriteInstant(i);

        json.WriteStartObject();
        json.WriteString("ph", "X");
        json.WriteString("name", e.Name);
        json.WriteString("cat", e.Disposition);
        json.WriteNumber("pid", e.Pid);
        json.WriteNumber("tid", e.Tid);
        json.WriteNumber("ts", Round(ts));
        json.WriteNumber("dur", Round(Math.Max(0, e.DurationNs) / 1000.0));
        json.WriteStartObject("args");
        json.WriteString("call", StraceFormatter.Call(e.Name, e.Arguments));
        json.WriteStartArray("arguments");
        foreach (string? a in e.Arguments) json.WriteStringValue(a ?? "");
        json.WriteEndArray();
        json.WriteString("result", StraceFormatter.Result(e.Result));
        if (e.Failed) json.WriteString("errno", Abi.ErrnoNames.Name((Abi.Errno)(-e.Result)));
        json.WriteString("disposition", e.Disposition);
        json.WriteNumber("kernel_us", Round(e.KernelNs / 1000.0));
        json.WriteNumber("nr", e.Number);
        json.WriteEndObject();
        json.WriteEndObject();

        if (pending != null)
            foreach (Instant i in pending)
                if (i.Ts > ts) WriteInstant(i);
        json.Flush();
    }

    public void ProcessEvent(double unixTime, int pid, string kind, string text)
    {
        // The kernel names the thread here, as strace's [pid N] does.
        int tid = pid;
        int process = pidOfTid.TryGetValue(tid, out int known) ? known : tid;
        Known(process, tid, null);
        var instant = new Instant(Micros(Stopwatch.GetTimestamp()), process, tid, kind == "signal" ? SignalName(text) : kind, kind, "text", text);
        if (kind == "exit")
        {
            FlushHeld(tid);
            WriteInstant(instant);
            pidOfTid.Remove(tid);
        }
        else Hold(instant);
        json.Flush();
    }

    public void TaskEvent(TaskEvent e)
    {
        double ts = Micros(Stopwatch.GetTimestamp());
        if (e.Kind == TaskEventKind.Fork)
        {
            Known(e.Pid, e.Tid, null);
            Known(e.ChildPid, e.ChildTid, e.Comm);
            string what = e.ChildPid == e.Pid ? "clone thread" : "fork";
            Hold(new Instant(ts, e.Pid, e.Tid, what, "fork", "comm", e.Comm, e.ChildPid, e.ChildTid));
        }
        else
        {
            // The process takes the program's name: its track and the exec'ing thread's are renamed.
            Known(e.Pid, e.Tid, null);
            WriteNames(e.Pid, e.Tid, e.Comm);
            FlushHeld(e.Tid);
            WriteInstant(new Instant(ts, e.Pid, e.Tid, "exec " + e.Comm, "exec", "path", e.Path ?? ""));
        }
        json.Flush();
    }

    public void Finish()
    {
        if (finished) return;
        finished = true;
        foreach (List<Instant> pending in held.Values)
            foreach (Instant i in pending) WriteInstant(i);
        held.Clear();
        json.WriteEndArray();
        json.WriteEndObject();
        json.Flush();
        stream.Flush();
    }

    /// <summary>Closes the document if no run did, then the file.</summary>
    public void Dispose()
    {
        try { Finish(); }
        finally
        {
            json.Dispose();
            stream.Dispose();
        }
    }

    /// <summary>Metadata for a thread seen for the first time: its process's name and sort order, and its own.</summary>
    private void Known(int pid, int tid, string? comm)
    {
        if (pidOfTid.TryGetValue(tid, out int was) && was == pid) return;
        pidOfTid[tid] = pid;
        string name = comm ?? "pid " + pid.ToString(System.Globalization.CultureInfo.InvariantCulture); // until its exec names it
        if (namedPids.Add(pid))
        {
            Metadata("process_name", pid, tid, "name", name);
            Metadata("process_sort_index", pid, tid, "sort_index", pid);
        }
        Metadata("thread_name", pid, tid, "name", name);
        Metadata("thread_sort_index", pid, tid, "sort_index", tid);
    }

    private void WriteNames(int pid, int tid, string comm)
    {
        Metadata("process_name", pid, tid, "name", comm);
        Metadata("thread_name", pid, tid, "name", comm);
    }

    private void Metadata(string name, int pid, int tid, string key, string value)
    {
        BeginMetadata(name, pid, tid);
        json.WriteString(key, value);
        EndMetadata();
    }

    private void Metadata(string name, int pid, int tid, string key, int value)
    {
        BeginMetadata(name, pid, tid);
        json.WriteNumber(key, value);
        EndMetadata();
    }

    /// <summary>A metadata event up to its one argument.</summary>
    private void BeginMetadata(string name, int pid, int tid)
    {
        json.WriteStartObject();
        json.WriteString("ph", "M");
        json.WriteString("name", name);
        json.WriteNumber("pid", pid);
        json.WriteNumber("tid", tid);
        json.WriteNumber("ts", 0); // some importers want a time on every event, as Chrome writes metadata
        json.WriteStartObject("args");
    }

    private void EndMetadata()
    {
        json.WriteEndObject();
        json.WriteEndObject();
    }

    private void Hold(Instant i)
    {
        if (!held.TryGetValue(i.Tid, out List<Instant>? pending)) held[i.Tid] = pending = new List<Instant>(2);
        pending.Add(i);
    }

    private void FlushHeld(int tid)
    {
        if (!held.Remove(tid, out List<Instant>? pending)) return;
        foreach (Instant i in pending) WriteInstant(i);
    }

    private void WriteInstant(Instant i)
    {
        json.WriteStartObject();
        json.WriteString("ph", "i");
        json.WriteString("s", "t");
        json.WriteString("name", i.Name);
        json.WriteString("cat", i.Category);
        json.WriteNumber("pid", i.Pid);
        json.WriteNumber("tid", i.Tid);
        json.WriteNumber("ts", Round(i.Ts));
        json.WriteStartObject("args");
        json.WriteString(i.Key, i.Value);
        if (i.ChildTid != 0)
        {
            json.WriteNumber("child_pid", i.ChildPid);
            json.WriteNumber("child_tid", i.ChildTid);
        }
        json.WriteEndObject();
        json.WriteEndObject();
    }

    /// <summary>"--- SIGCHLD {si_signo=...} ---" gives "signal SIGCHLD".</summary>
    private static string SignalName(string text)
    {
        string[] words = text.Split(' ', 3);
        return words.Length >= 2 ? "signal " + words[1] : "signal";
    }

    private double Micros(long timestamp) => (timestamp - origin) * (1e6 / Stopwatch.Frequency);

    /// <summary>To the nanosecond, so a number is never printed with an exponent.</summary>
    private static double Round(double micros) => Math.Round(micros, 3);
}
