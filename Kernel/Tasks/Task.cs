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

    /// <summary>The guest thread id. An execve by a thread that is not the leader gives it the leader's.</summary>
    public int Tid { get; internal set; }

    /// <summary>The host thread id; changes with <see cref="Tid"/> when a non-leader thread execs.</summary>
    public int HostTid { get; internal set; }

    public ThreadGroup Group { get; }

    /// <summary>The syscall this thread is stopped in; one object per thread, reused for every call.</summary>
    public SyscallContext Context { get; }

    /// <summary>Set by execve between the rewritten host exec and its completion at syscall exit.</summary>
    public ExecPlan? PendingExec { get; set; }

    /// <summary>The flags and tid addresses of a clone in progress, read back when the child appears.</summary>
    public CloneRequest? PendingClone { get; set; }

    /// <summary>The guest tracer's link to this thread (ptrace(2)); null when no guest traces it, which is nearly always.</summary>
    public PtraceLink? Ptrace { get; set; }

    /// <summary>This thread of a guest tracer waits on the host (wait4, waitid): a stop of a tracee must interrupt that wait.</summary>
    public bool WaitsForTracees { get; set; }
}

/// <summary>
/// What a fork/clone/clone3 asked for that the kernel must fix up: the host writes host tids where
/// CLONE_PARENT_SETTID and CLONE_CHILD_SETTID point, and the guest must find its guest tid there.
/// An address is 0 when its flag was not given.
/// </summary>
public sealed record CloneRequest(ulong Flags, ulong ChildTidAddress, ulong ParentTidAddress = 0);
