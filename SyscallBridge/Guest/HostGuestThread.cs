namespace UserKernel.SyscallBridge.Guest;

/// <summary>
/// What a guest thread the platform holds offers however it stopped (at a ptrace stop, <see cref="Tracing.Tracee"/>, or
/// in a seccomp notification, <see cref="Notify.NotifiedThread"/>): what any task offers (<see cref="HostTaskView"/>:
/// memory, descriptors, limits, proc text) and what the host's /proc/TID says of its stack and terminal: the
/// members of <see cref="Kernel.Guest.IGuestThread"/> they share. Registers, injection and descriptor installs are each one's own.
/// </summary>
internal abstract class HostGuestThread : HostTaskView
{
    protected HostGuestThread(int hostTid) : base(hostTid)
    {
    }

    public bool FindStack(out ulong start, out ulong end) => host.FindStack(out start, out end);
    public int TerminalNumber => host.TerminalNumber;
    public int ForegroundGroup => host.ForegroundGroup;
}
