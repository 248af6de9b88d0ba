namespace UserKernel.Kernel.Trace;

/// <summary>What a task event is.</summary>
public enum TaskEventKind
{
    /// <summary>fork, vfork or clone made a task: a new process, or a thread of the same one.</summary>
    Fork,

    /// <summary>A process exec'd a program and took its name.</summary>
    Exec,
}

/// <summary>
/// A task was made or a process exec'd. <see cref="Pid"/> and <see cref="Tid"/> are the forking or exec'ing task's;
/// for a fork <see cref="ChildPid"/> and <see cref="ChildTid"/> are the new task's (a thread has the parent's pid).
/// <see cref="Comm"/> is the process's name after the event (a child inherits its parent's), <see cref="Path"/>
/// the program an exec ran.
/// </summary>
public sealed record TaskEvent(double UnixTime, TaskEventKind Kind, int Pid, int Tid, string Comm)
{
    public int ChildPid { get; init; }
    public int ChildTid { get; init; }
    public string? Path { get; init; }

    /// <summary>The lower-case name the trace files use: "fork" or "exec".</summary>
    public string KindName => Kind == TaskEventKind.Fork ? "fork" : "exec";
}
