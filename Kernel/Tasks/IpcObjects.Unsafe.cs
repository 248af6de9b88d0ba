using System.Collections.Generic;

namespace UserKernel.Kernel.Tasks;

/// <summary>The three kinds of System V IPC object.</summary>
public enum IpcKind
{
    SharedMemory,
    Semaphores,
    MessageQueue,
}

/// <summary>
/// The System V IPC objects the run made. Their ids are the host's (the guest's shmat, semop and msgsnd run natively on
/// them), but the namespace is the run's own, as in an IPC namespace: a guest key names only an object a guest made with
/// that key (made on the host as IPC_PRIVATE, so no host key is ever looked up), and an id is usable only if the run
/// made it. The objects are removed when the run ends, unless the guests had an IPC namespace of their own, which takes
/// them with it.
/// </summary>
public sealed class IpcObjects
{
    private readonly Dictionary<(IpcKind, int Key), int> byKey = new();
    private readonly HashSet<(IpcKind, int Id)> made = new();

    /// <summary>The id of the run's object with this key, or -1.</summary>
    public int IdOf(IpcKind kind, int key) => byKey.TryGetValue((kind, key), out int id) ? id : -1;

    /// <summary>Whether the run made the object with this id (and has not removed it).</summary>
    public bool Owns(IpcKind kind, int id) => made.Contains((kind, id));

    /// <summary>The run made an object; <paramref name="key"/> is the guest's key, or 0 (IPC_PRIVATE).</summary>
    public void Made(IpcKind kind, int key, int id)
    {
        made.Add((kind, id));
        if (key != 0) byKey[(kind, key)] = id;
    }

    /// <summary>An object of the run was removed (IPC_RMID): its id and key are free.</summary>
    public void Removed(IpcKind kind, int id)
    {
        made.Remove((kind, id));
        foreach (var entry in new List<KeyValuePair<(IpcKind, int), int>>(byKey))
            if (entry.Key.Item1 == kind && entry.Value == id) byKey.Remove(entry.Key);
    }

    /// <summary>
    /// Whether the guests have an IPC namespace of their own (set by the platform that started them): then the ids are
    /// that namespace's, which goes with its last process, and the kernel, outside it, must not remove host objects
    /// that happen to have the same ids.
    /// </summary>
    public bool GuestsHaveOwnNamespace { get; set; }

    /// <summary>At the end of the run: removes every object the run made and did not remove, so none outlives it on the host.</summary>
    public unsafe void RemoveAll()
    {
        const int IPC_RMID = 0;
        if (GuestsHaveOwnNamespace) return;
        foreach ((IpcKind kind, int id) in made)
        {
            _ = kind switch
            {
                IpcKind.SharedMemory => Interop.Libc.Shmctl(id, IPC_RMID, null),
                IpcKind.Semaphores => Interop.Libc.Semctl(id, 0, IPC_RMID),
                _ => Interop.Libc.Msgctl(id, IPC_RMID, null),
            };
        }
        made.Clear();
        byKey.Clear();
    }
}
