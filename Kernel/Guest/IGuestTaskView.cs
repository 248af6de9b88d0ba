namespace UserKernel.Kernel.Guest;

/// <summary>
/// What the kernel may ask of any guest task it holds, whether or not it is stopped in a call the kernel serves: its
/// memory, its descriptor table, its resource limits and the host's text of its proc(5) files. /proc/PID renders every
/// task through this alone, and the process table asks it for the host's relations of a process (<see
/// cref="Tasks.HostProcesses"/>); <see cref="IGuestPlatform"/> gives one per task, and a thread at a stop offers it too
/// (<see cref="IGuestThread"/>). A task that has gone answers as an empty one: no descriptors, no readable memory, no
/// program, empty text.
/// </summary>
public interface IGuestTaskView
{
    /// <summary>The host thread id of this guest thread (or process).</summary>
    int HostTid { get; }

    /// <summary>The thread's address space.</summary>
    IGuestMemory Memory { get; }

    /// <summary>The thread's descriptor table: which object a descriptor names, its offset.</summary>
    IGuestDescriptors Descriptors { get; }

    /// <summary>The host's text of the thread's <paramref name="file"/>; "" if the thread is gone.</summary>
    string ProcText(GuestProcFile file);

    /// <summary>
    /// The host object (device and inode numbers) of the program the thread runs now, or null if it runs none: it has
    /// exited (a zombie has no memory) or is gone.
    /// </summary>
    (ulong Dev, ulong Ino)? Executable { get; }

    /// <summary>The process's limit of <paramref name="resource"/> (getrlimit(2)), or null if it cannot be read.</summary>
    Abi.Rlimit? GetLimit(int resource);

    /// <summary>Sets the process's limit of <paramref name="resource"/> (prlimit(2)); whether the host agreed.</summary>
    bool SetLimit(int resource, Abi.Rlimit limit);

    /// <summary>Whether the thread is on its way out: gone, a zombie, exiting, or with SIGKILL pending for it or its process.</summary>
    bool IsDying { get; }
}
