namespace UserKernel.Kernel.Trace;

/// <summary>One mediated syscall as the tracer reports it.</summary>
public sealed record TraceEvent(
    double UnixTime, int Pid, int Tid, int Number, string Name, string?[] Arguments, long Result, string Disposition, long DurationNs)
{
    public bool Failed => Result < 0 && Result > -4096;
}

/// <summary>Where trace events go: the strace-style text, the JSON lines, the summary.</summary>
public interface ITraceSink
{
    void Syscall(TraceEvent e);

    /// <summary>A signal delivered to, or the end of, a guest thread: strace's "---" and "+++" lines.</summary>
    void ProcessEvent(double unixTime, int pid, string kind, string text);

    /// <summary>The guest is gone: flush, print totals.</summary>
    void Finish();
}
