using UserKernel.Kernel.Abi;
using UserKernel.Kernel.Guest;
using UserKernel.SyscallBridge.Memory;

namespace UserKernel.SyscallBridge.Guest;

/// <summary>
/// What a guest thread the platform holds offers however it stopped (at a ptrace stop, <see cref="Tracing.Tracee"/>, or
/// in a seccomp notification, <see cref="Notify.NotifiedThread"/>): its memory through process_vm_readv and writev,
/// and what the host's /proc/TID and prlimit say of its descriptors, limits, stack and terminal: the members of
/// <see cref="IGuestThread"/> they share. Registers, injection and descriptor installs are each one's own.
/// </summary>
internal abstract class HostGuestThread
{
    private readonly HostThread host;

    protected HostGuestThread(int hostTid)
    {
        HostTid = hostTid;
        Memory = new ProcessVmMemory(hostTid);
        host = new HostThread(hostTid);
    }

    public int HostTid { get; }
    public IGuestMemory Memory { get; }
    public IGuestDescriptors Descriptors => host;
    public Rlimit? GetLimit(int resource) => host.GetLimit(resource);
    public bool SetLimit(int resource, Rlimit limit) => host.SetLimit(resource, limit);
    public bool FindStack(out ulong start, out ulong end) => host.FindStack(out start, out end);
    public int TerminalNumber => host.TerminalNumber;
    public int ForegroundGroup => host.ForegroundGroup;
    public (ulong Dev, ulong Ino)? Executable => host.Executable;
}
