using UserKernel.Kernel.Guest;
using UserKernel.Kernel.Tasks;
using Task = UserKernel.Kernel.Tasks.Task;

namespace UserKernel.SyscallBridge.Guest;

/// <summary>
/// The kernel's view of any guest task: its host thread, whether the tracer holds it at a stop, it waits in a
/// notification or it runs. A view is made for each /proc lookup; it holds no more than the host id.
/// </summary>
internal sealed class HostPlatform : IGuestPlatform
{
    public static readonly HostPlatform Instance = new();

    private HostPlatform() { }

    public IGuestTaskView ViewOf(Task task) => new HostTaskView(task.HostTid);

    /// <summary>The leader's host thread, whose tid is the host pid: the host's /proc/PID is the process's too.</summary>
    public IGuestTaskView ViewOf(ThreadGroup group) => new HostTaskView(group.HostTgid);
}
