namespace UserKernel.Kernel.Trace;

/// <summary>
/// One mediated syscall as the tracer reports it. <see cref="StartTimestamp"/> is when the guest's call first
/// stopped (Stopwatch ticks), <see cref="DurationNs"/> how long it took from there, and <see cref="KernelNs"/> the
/// part of it the kernel spent in the call's handler and in its exit work: the rest is the host running it and
/// the stops. <see cref="AllocatedBytes"/> is what the kernel allocated on the managed heap for the call, in the same
/// parts, not counting the tracer's own formatting: 0 on a hot path that makes no new object.
/// </summary>
public sealed record TraceEvent(
    double UnixTime, int Pid, int Tid, int Number, string Name, string?[] Arguments, long Result, string Disposition, long DurationNs,
    long StartTimestamp = 0, long KernelNs = 0, long AllocatedBytes = 0, string? Extension = null, string? Fault = null)
{
    /// <summary>The bracket a text trace ends the line with: the disposition, the extension that served it, what failed.</summary>
    public string Tag => Extension == null && Fault == null ? Disposition
        : Disposition + (Extension != null ? " by " + Extension : "") + (Fault != null ? "; " + Fault : "");

    public bool Failed => Result < 0 && Result > -4096;
}

/// <summary>Where trace events go: the strace-style text, the JSON lines, the summary, the Perfetto trace.</summary>
public interface ITraceSink
{
    void Syscall(TraceEvent e);

    /// <summary>A signal delivered to, or the end of, a guest thread: strace's "---" and "+++" lines. <paramref name="pid"/> is the thread's id, as strace's [pid N].</summary>
    void ProcessEvent(double unixTime, int pid, string kind, string text);

    /// <summary>A task was made by fork, vfork or clone, or a process exec'd: what a process tree is drawn from (strace prints no line for it).</summary>
    void TaskEvent(TaskEvent e);

    /// <summary>The guest is gone: flush, print totals.</summary>
    void Finish();
}
