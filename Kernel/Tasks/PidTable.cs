using System.Collections.Generic;
using UserKernel.Kernel.Vfs;

namespace UserKernel.Kernel.Tasks;

/// <summary>
/// Guest pids and host pids, both ways. Guest pids count from 1 like a fresh pid namespace.
/// A task stays in the table after it exits until its parent has reaped it, so a wait4 result
/// can still be translated.
/// </summary>
public sealed class PidTable
{
    private readonly Dictionary<int, Task> byGuest = new();
    private readonly Dictionary<int, Task> byHost = new();
    // Reaped tasks, so a SIGCHLD delivered after the wait4 that reaped its sender still names it.
    private readonly Dictionary<int, int> departed = new();
    // The same, guest to host: a process group or session keeps its id after its leader is reaped.
    private readonly Dictionary<int, int> departedGuests = new();
    private int nextPid = 1;

    public int Count => byHost.Count;

    public IEnumerable<Task> All => byHost.Values;

    /// <summary>/proc/sys/kernel/pid_max: PID_MAX_LIMIT of 64-bit Linux; guest pids wrap around below it.</summary>
    public const int PidMax = 4194304;

    /// <summary>The next free guest pid; past <see cref="PidMax"/> the count starts again at 300 (RESERVED_PIDS), as Linux's does.</summary>
    public int AllocatePid()
    {
        while (true)
        {
            int pid = nextPid;
            nextPid = nextPid + 1 >= PidMax ? 300 : nextPid + 1;
            if (!byGuest.ContainsKey(pid) && !departedGuests.ContainsKey(pid)) return pid;
        }
    }

    public void Add(Task task)
    {
        byGuest[task.Tid] = task;
        byHost[task.HostTid] = task;
        departed.Remove(task.HostTid);
        departedGuests.Remove(task.Tid);
    }

    public void Remove(Task task)
    {
        if (byGuest.TryGetValue(task.Tid, out Task? g) && g == task) byGuest.Remove(task.Tid);
        if (byHost.TryGetValue(task.HostTid, out Task? h) && h == task) byHost.Remove(task.HostTid);
        if (departed.Count > 4096) departed.Clear();
        if (departedGuests.Count > 4096) departedGuests.Clear();
        departed[task.HostTid] = task.Tid;
        departedGuests[task.Tid] = task.HostTid;
    }

    public Task? ByGuest(int tid) => byGuest.TryGetValue(tid, out Task? t) ? t : null;

    public Task? ByHost(int hostTid) => byHost.TryGetValue(hostTid, out Task? t) ? t : null;

    /// <summary>Host id to guest id; 0 when the host id is no guest's (its parent is outside the guest).</summary>
    public int ToGuest(int hostId) => byHost.TryGetValue(hostId, out Task? t) ? t.Tid : departed.TryGetValue(hostId, out int tid) ? tid : 0;

    /// <summary>Guest id to host id; -1 when no such guest task exists.</summary>
    public int ToHost(int guestId) => byGuest.TryGetValue(guestId, out Task? t) ? t.HostTid : -1;

    /// <summary>
    /// A process group or session id, guest to host: the id of its leader, which may be gone while the group
    /// lives on (the host then answers ESRCH or ECHILD if it is empty too); -1 when no guest ever had it.
    /// </summary>
    public int ToHostGroup(int guestId) => ToHost(guestId) is int host and >= 0 ? host : departedGuests.TryGetValue(guestId, out int h) ? h : -1;

    /// <summary>
    /// Whether a guest process runs <paramref name="program"/>, or is executing it now: as deny_write_access holds for the
    /// life of its memory, the file may not be opened for writing (ETXTBSY). A process whose threads are all gone on the
    /// host runs nothing any more (the platform's view of it has no program), even before the tracer has heard of its end.
    /// </summary>
    public bool IsRunning(Inode program, Guest.IGuestPlatform platform)
    {
        foreach (Task t in byHost.Values)
        {
            if (t.Group.Exited || (t.Group.Executable?.Inode != program && t.PendingExec?.Program.Inode != program)) continue;
            if (platform.ViewOf(t).Executable != null) return true;
        }
        return false;
    }
}
