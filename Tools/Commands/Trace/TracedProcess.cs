using System.Collections.Generic;

namespace UserKernel.Tools.Commands.Trace;

/// <summary>A guest process as the trace shows it: who made it, what it exec'd, its threads, how it ended.</summary>
internal sealed class TracedProcess
{
    public TracedProcess(int pid) { Pid = pid; }

    public int Pid { get; }

    /// <summary>The process that forked it; 0 for the first process or one whose fork the trace does not show.</summary>
    public int Parent { get; set; }

    /// <summary>The name it had first (its parent's, at fork), then each name an exec gave it.</summary>
    public List<string> Names { get; } = new();

    /// <summary>The programs it exec'd, as the paths given to exec.</summary>
    public List<string> Programs { get; } = new();
    public SortedSet<int> Threads { get; } = new();
    public string? Exit { get; set; }
}
