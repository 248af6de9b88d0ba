using System.Diagnostics;
using System.IO;
using System.Text.Json;

namespace UserKernel.Kernel.Trace;

/// <summary>`--trace-json`: one JSON object per line per event, for tools.</summary>
public sealed class JsonTraceWriter : ITraceSink
{
    private readonly Stream stream;
    private readonly Utf8JsonWriter json;
    private readonly long origin = Stopwatch.GetTimestamp();

    public JsonTraceWriter(Stream stream)
    {
        this.stream = stream;
        json = new Utf8JsonWriter(stream, new JsonWriterOptions { SkipValidation = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
    }

    public void Syscall(TraceEvent e)
    {
        json.WriteStartObject();
        json.WriteString("type", "syscall");
        json.WriteNumber("time", e.UnixTime);
        json.WriteNumber("pid", e.Pid);
        json.WriteNumber("tid", e.Tid);
        json.WriteNumber("number", e.Number);
        json.WriteString("name", e.Name);
        json.WriteStartArray("args");
        foreach (string? a in e.Arguments) json.WriteStringValue(a ?? "");
        json.WriteEndArray();
        json.WriteNumber("result", e.Failed ? -1 : e.Result);
        if (e.Failed) json.WriteString("errno", Abi.ErrnoNames.Name((Abi.Errno)(-e.Result)));
        else json.WriteNull("errno");
        json.WriteString("disposition", e.Disposition);
        if (e.Extension != null) json.WriteString("extension", e.Extension);
        if (e.Fault != null) json.WriteString("fault", e.Fault);
        json.WriteNumber("duration_ns", e.DurationNs);
        json.WriteNumber("kernel_ns", e.KernelNs);
        json.WriteNumber("alloc_bytes", e.AllocatedBytes);
        json.WriteNumber("ts_ns", SinceStart(e.StartTimestamp));
        json.WriteString("text", StraceFormatter.Call(e.Name, e.Arguments) + " = " + StraceFormatter.Result(e.Result));
        json.WriteEndObject();
        EndLine();
    }

    public void ProcessEvent(double unixTime, int pid, string kind, string text)
    {
        json.WriteStartObject();
        json.WriteString("type", kind);
        json.WriteNumber("time", unixTime);
        json.WriteNumber("pid", pid);
        json.WriteString("text", text);
        json.WriteNumber("ts_ns", SinceStart(Stopwatch.GetTimestamp()));
        json.WriteEndObject();
        EndLine();
    }

    public void TaskEvent(TaskEvent e)
    {
        json.WriteStartObject();
        json.WriteString("type", e.KindName);
        json.WriteNumber("time", e.UnixTime);
        json.WriteNumber("pid", e.Pid);
        json.WriteNumber("tid", e.Tid);
        if (e.Kind == TaskEventKind.Fork)
        {
            json.WriteNumber("child_pid", e.ChildPid);
            json.WriteNumber("child_tid", e.ChildTid);
        }
        else json.WriteString("path", e.Path);
        json.WriteString("comm", e.Comm);
        json.WriteNumber("ts_ns", SinceStart(Stopwatch.GetTimestamp()));
        json.WriteEndObject();
        EndLine();
    }

    /// <summary>Nanoseconds from this trace's start to a Stopwatch timestamp: a monotonic clock, finer than "time".</summary>
    private long SinceStart(long timestamp) => (long)((timestamp - origin) * (1e9 / Stopwatch.Frequency));

    private void EndLine()
    {
        json.Flush();
        stream.WriteByte((byte)'\n');
        json.Reset();
    }

    public void Finish()
    {
        json.Flush();
        stream.Flush();
    }
}
