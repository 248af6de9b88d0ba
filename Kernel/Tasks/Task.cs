using UserKernel.Kernel.Loader;
using UserKernel.Kernel.Syscalls;

namespace UserKernel.Kernel.Tasks;

/// <summary>One guest thread, as Linux's task_struct: its ids and what it is in the middle of.</summary>
public sealed class Task
{
    public Task(int tid, int hostTid, ThreadGroup group)
    {
        Tid = tid;
        HostTid = hostTid;
        Group = group;
        Context = new SyscallContext(this);
    }

    /// <summary>The guest thread id.</summary>
    public int Tid { get; }

    public int HostTid { get; }

    public ThreadGroup Group { get; }

    /// <summary>The syscall this thread is stopped in; one object per thread, reused for every call.</summary>
    public SyscallContext Context { get; }

    /// <summary>Set by execve between the rewritten host exec and its completion at syscall exit.</summary>
    public ExecPlan? PendingExec { get; set; }

    /// <summary>The flags and child-tid address of a clone in progress, read back when the child appears.</summary>
    public CloneRequest? PendingClone { get; set; }
}

/// <summary>What a fork/clone asked for that the kernel must fix up in the child (its tid word).</summary>
public sealed record CloneRequest(ulong Flags, ulong ChildTidAddress);
