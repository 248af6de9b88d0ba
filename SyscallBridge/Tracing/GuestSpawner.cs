using System;
using System.Collections.Generic;
using UserKernel.Kernel.Abi;
using UserKernel.Kernel.Tasks;

namespace UserKernel.SyscallBridge.Tracing;

/// <summary>
/// A program to start in a running kernel beside its init, with no guest parent (an OCI runtime's exec). The callbacks
/// run on the tracer thread and must not block.
/// </summary>
public sealed class SpawnRequest : IDisposable
{
    private int pidfd = -1;

    public required string Path { get; init; }
    public required IReadOnlyList<string> Argv { get; init; }
    public required IReadOnlyList<string> Envp { get; init; }
    public required Credentials Credentials { get; init; }
    public string WorkingDirectory { get; init; } = "/";
    public IReadOnlyList<(int Resource, ulong Soft, ulong Hard)> Limits { get; init; } = [];

    /// <summary>The kernel's descriptors that become the program's 0, 1 and 2; the spawner closes them.</summary>
    public required int[] Stdio { get; init; }

    /// <summary>A new session whose controlling terminal is the program's standard input (a pty slave).</summary>
    public bool Terminal { get; init; }

    /// <summary>Runs with the guest pid and the host pid once the program's exec has succeeded.</summary>
    public Action<int, int>? Started { get; init; }

    /// <summary>Runs with the errno and the reason when the program could not be started (its exec failed, the kernel is ending).</summary>
    public Action<Errno, string>? Failed { get; init; }

    /// <summary>Runs with the exit status (the code, or 128 + the signal) when the program's process ends.</summary>
    public Action<int>? Exited { get; init; }

    /// <summary>The started process, held by a pidfd so that a signal never reaches a process that took its pid later.</summary>
    internal void Hold(int hostPid)
    {
        lock (this) pidfd = Interop.Libc.PidfdOpen(hostPid);
    }

    /// <summary>Sends a host signal to the program's process, as a signal from outside the container; nothing once it has ended.</summary>
    public void Signal(int signal)
    {
        lock (this)
            if (pidfd >= 0) Interop.Libc.PidfdSendSignal(pidfd, signal);
    }

    public void Dispose()
    {
        lock (this)
        {
            if (pidfd >= 0) Tmds.Linux.LibC.close(pidfd);
            pidfd = -1;
        }
    }
}

/// <summary>
/// Starts programs in a running kernel beside its init. Every guest must be a fork of the first stub, to inherit its
/// seccomp filter (and the one notification listener a filter tree may have) and its namespaces; so the tracer keeps a
/// spare stub forked before init's exec, parked in pause(), and forks each new program from it. A request wakes the
/// tracer with a signal to that stub, since only the tracer thread may make ptrace calls.
/// </summary>
public sealed class GuestSpawner
{
    /// <summary>The signal that wakes the tracer; the spare stub never receives it.</summary>
    internal const int WakeSignal = 10; // SIGUSR1

    private readonly Queue<SpawnRequest> pending = new();
    // A pidfd, so a signal can never reach a process that took the spare's pid after it was reaped.
    private int spare = -1;
    private bool closed;

    /// <summary>
    /// Queues <paramref name="request"/>, to start once the spare stub is there (a request can come as init is being
    /// started); false when the kernel has ended.
    /// </summary>
    public bool Spawn(SpawnRequest request)
    {
        lock (pending)
        {
            if (closed) return false;
            pending.Enqueue(request);
            if (spare >= 0) Interop.Libc.PidfdSendSignal(spare, WakeSignal);
            return true;
        }
    }

    internal void Ready(int pid)
    {
        lock (pending)
        {
            spare = Interop.Libc.PidfdOpen(pid);
            if (pending.Count > 0) Interop.Libc.PidfdSendSignal(spare, WakeSignal); // those that came first
        }
    }

    internal SpawnRequest? Next()
    {
        lock (pending) return pending.Count > 0 ? pending.Dequeue() : null;
    }

    /// <summary>No more requests: the kernel is ending. Those still queued fail.</summary>
    internal void Close(string why)
    {
        List<SpawnRequest> left;
        lock (pending)
        {
            closed = true;
            if (spare >= 0) Tmds.Linux.LibC.close(spare);
            spare = -1;
            left = [.. pending];
            pending.Clear();
        }
        foreach (SpawnRequest r in left)
        {
            foreach (int fd in r.Stdio) Tmds.Linux.LibC.close(fd);
            r.Failed?.Invoke(Errno.ESRCH, why);
        }
    }
}
