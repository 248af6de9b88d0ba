using System.Collections.Generic;
using UserKernel.Kernel.Guest;
using UserKernel.Kernel.Tasks;
using Task = UserKernel.Kernel.Tasks.Task;

namespace UserKernel.Kernel.Tests;

/// <summary>A platform with no host processes: each task is the <see cref="FakeGuestThread"/> of its host id.</summary>
internal sealed class FakeGuestPlatform : IGuestPlatform
{
    private readonly Dictionary<int, FakeGuestThread> threads = new();

    /// <summary>Makes <paramref name="thread"/> the view of the task (or the process) whose host id is its own.</summary>
    public void Add(FakeGuestThread thread) => threads[thread.HostTid] = thread;

    public IGuestTaskView ViewOf(Task task) => threads[task.HostTid];
    public IGuestTaskView ViewOf(ThreadGroup group) => threads[group.HostTgid];
}
