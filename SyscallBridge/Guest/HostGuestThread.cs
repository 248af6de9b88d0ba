using UserKernel.Kernel.Abi;

namespace UserKernel.SyscallBridge.Guest;

/// <summary>
/// What a guest thread the platform holds offers however it stopped (at a ptrace stop, <see cref="Tracing.Tracee"/>, or
/// in a seccomp notification, <see cref="Notify.NotifiedThread"/>): what any task offers (<see cref="HostTaskView"/>:
/// memory, descriptors, proc text) and what prlimit and the host's /proc/TID say of its limits, stack and terminal: the
/// members of <see cref="Kernel.Guest.IGuestThread"/> they share. Registers, injection and descriptor installs are each one's own.
/// </summary>
internal abstract class HostGuestThread : HostTaskView
{
    protected HostGuestThread(int hostTid) : base(hostTid)
    {
    }

    public Rlimit? GetLimit(int resource) => host.GetLimit(resource);
    public bool SetLimit(int resource, Rlimit limit) => host.SetLimit(resource, limit);
    public bool FindStack(out ulong start, out ulong end) => host.FindStack(out start, out end);
    public int TerminalNumber => host.TerminalNumber;
    public int ForegroundGroup => host.ForegroundGroup;
}
