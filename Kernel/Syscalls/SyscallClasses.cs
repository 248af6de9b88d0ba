using System.Collections.Generic;

namespace UserKernel.Kernel.Syscalls;

/// <summary>
/// What a syscall is about, in strace's vocabulary (the classes of `strace -e trace=%file` and its siblings), for
/// the listing, for --trace-filter and for readers; each row of the table carries its own. Nothing is dispatched or
/// filtered by class. One class per call: where strace puts a call in two classes, the row picks one (execve and
/// execveat, also %file, are Process; shmat and shmdt, also %memory, are Ipc; kill, tkill and tgkill are Signal).
/// </summary>
public enum SyscallClass
{
    /// <summary>strace %file: the call takes a file name.</summary>
    File,
    /// <summary>strace %process (create, exec, wait for, end a process), plus the pid, process-group and session calls.</summary>
    Process,
    /// <summary>strace %memory, plus the other calls that manage mappings and memory policy.</summary>
    Memory,
    /// <summary>strace %signal.</summary>
    Signal,
    /// <summary>strace %network (sendfile included, as strace has it).</summary>
    Network,
    /// <summary>strace %ipc (System V), plus POSIX message queues.</summary>
    Ipc,
    /// <summary>strace %clock, plus sleeps, interval timers and timerfds.</summary>
    Time,
    /// <summary>strace %creds, plus capabilities and the host and domain names (uname).</summary>
    Identity,
    /// <summary>Everything else: strace's %desc calls on descriptors and the rest.</summary>
    Other,
}

/// <summary>The names of the <see cref="SyscallClass"/> values, as the listing and --trace-filter spell them.</summary>
public static class SyscallClasses
{
    /// <summary>The class names, in the order the listing explains them.</summary>
    public static IReadOnlyList<string> All { get; } =
        ["file", "process", "memory", "signal", "network", "ipc", "time", "identity", "other"];

    /// <summary>The lower-case name of a class: "file", "process", ….</summary>
    public static string Name(SyscallClass c) => All[(int)c];
}
