using UserKernel.Kernel.Tasks;
using Task = UserKernel.Kernel.Tasks.Task;

namespace UserKernel.Kernel.Guest;

/// <summary>
/// How the kernel reaches any guest task it holds, not only the one at a stop: the platform that runs the guests
/// (SyscallBridge's, over the host's threads) gives a view of each. Views are made when asked, for /proc, never on a
/// syscall's path.
/// </summary>
public interface IGuestPlatform
{
    /// <summary>The thread <paramref name="task"/>: /proc/PID/task/TID.</summary>
    IGuestTaskView ViewOf(Task task);

    /// <summary>
    /// The process <paramref name="group"/>, seen through its leader's host thread as Linux's /proc/PID is, even once
    /// the leader has exited and other threads run on.
    /// </summary>
    IGuestTaskView ViewOf(ThreadGroup group);
}
