using System.Collections.Generic;
using UserKernel.Kernel.Vfs;

namespace UserKernel.Kernel.Tasks;

/// <summary>A guest process: the threads that share one pid, its place in the tree and its identity.</summary>
public sealed class ThreadGroup
{
    public ThreadGroup(int tgid, int hostTgid, ThreadGroup? parent, FsContext fs, Credentials credentials)
    {
        Tgid = tgid;
        HostTgid = hostTgid;
        Parent = parent;
        Fs = fs;
        Credentials = credentials;
    }

    /// <summary>The guest pid.</summary>
    public int Tgid { get; }

    /// <summary>The host pid of the process that runs it.</summary>
    public int HostTgid { get; }

    /// <summary>The guest parent; null for the first guest process (pid 1) and for orphans.</summary>
    public ThreadGroup? Parent { get; set; }

    /// <summary>Its root and working directories and its umask (Linux's fs_struct), copied by fork.</summary>
    public FsContext Fs { get; }

    public Credentials Credentials { get; set; }

    public List<Task> Threads { get; } = new();

    /// <summary>The threads its threads trace as a guest tracer (ptrace(2)); null until it first traces one.</summary>
    public List<Task>? Tracees { get; set; }

    /// <summary>The last tracee stop or exit the kernel told this tracer of with a SIGCHLD: the siginfo's pid and status.</summary>
    public (int Pid, int Status) LastPtraceNotice { get; set; }

    /// <summary>Set when the last thread has gone; the entry stays until the parent reaps it.</summary>
    public bool Exited { get; set; }

    /// <summary>The program the process runs (/proc/PID/exe), set when an exec completes; inherited across fork.</summary>
    public Dentry? Executable { get; set; }

    /// <summary>
    /// The name exec gave the process (see <see cref="Loader.ExecPlan.Comm"/>). The loader gives the host task the same
    /// name, so the host's comm, which follows prctl(PR_SET_NAME) and is per thread, is what /proc shows; this is the
    /// fallback when the host's cannot be read.
    /// </summary>
    public string Comm { get; set; } = "";

    /// <summary>/proc/PID/oom_score_adj: the guest's own value, inherited across fork and kept across exec (the host's stays the kernel's).</summary>
    public OomScoreAdjustment OomScoreAdj { get; init; } = new(0);

    /// <summary>Where exec laid out the argument strings in the guest's memory (/proc/PID/cmdline): start and end addresses.</summary>
    public (ulong Start, ulong End) ArgumentArea { get; set; }

    /// <summary>Where exec laid out the environment strings (/proc/PID/environ).</summary>
    public (ulong Start, ulong End) EnvironmentArea { get; set; }

    /// <summary>Where exec laid out the auxiliary vector (/proc/PID/auxv, which debuggers read to find the program and ld.so).</summary>
    public (ulong Start, ulong End) AuxvArea { get; set; }

    /// <summary>
    /// check_kill_permission, which the host cannot make (all guests are one host user to it): a process may signal
    /// itself, a process its credentials allow (<see cref="Credentials.MayKill"/>), and with SIGCONT any of its session.
    /// A session whose leader lies outside the host's pid namespace reads as 0 (userkernel started under
    /// <c>unshare --pid</c>, or in a container); guests cannot join such a session, only inherit the one they started in,
    /// so two zeros are the same session. -1 means the process is gone. The sessions are the host's, seen through
    /// <paramref name="platform"/>.
    /// </summary>
    public bool MaySignal(ThreadGroup target, int sig, Guest.IGuestPlatform platform) =>
        target == this || Credentials.MayKill(target.Credentials)
        || (sig == Abi.Signals.SIGCONT && HostProcesses.SessionOf(platform.ViewOf(target)) is int session and >= 0
            && session == HostProcesses.SessionOf(platform.ViewOf(this)));
}
