using System;
using System.Collections.Generic;

namespace UserKernel.Kernel.Trace;

/// <summary>The kernel's tracer: a filter and the sinks events go to. Absent entirely when nothing is traced.</summary>
public sealed class KernelTrace
{
    private readonly List<ITraceSink> sinks;
    private readonly TraceFilter filter;

    public KernelTrace(IEnumerable<ITraceSink> sinks, TraceFilter? filter = null)
    {
        this.sinks = new List<ITraceSink>(sinks);
        this.filter = filter ?? TraceFilter.All;
    }

    public static double Now => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0;

    public void Syscall(TraceEvent e)
    {
        if (!filter.Matches(e.Name, e.Disposition, e.Tid)) return;
        foreach (ITraceSink s in sinks) s.Syscall(e);
    }

    public void ProcessEvent(int pid, string kind, string text)
    {
        if (!filter.MatchesPid(pid)) return;
        double now = Now;
        foreach (ITraceSink s in sinks) s.ProcessEvent(now, pid, kind, text);
    }

    public void TaskEvent(TaskEvent e)
    {
        if (!filter.MatchesPid(e.Tid)) return;
        foreach (ITraceSink s in sinks) s.TaskEvent(e);
    }

    public void Finish()
    {
        foreach (ITraceSink s in sinks) s.Finish();
    }
}
