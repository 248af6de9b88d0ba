using UserKernel.Kernel.Abi;
using UserKernel.Kernel.Guest;
using UserKernel.SyscallBridge.Memory;

namespace UserKernel.SyscallBridge.Guest;

/// <summary>
/// A guest task seen through its host thread, stopped or not: its memory through process_vm_readv, its limits through
/// prlimit, its descriptor table and proc(5) text through the host's /proc/TID. What /proc/PID of any task is rendered from
/// (<see cref="HostPlatform"/>), and the part of a thread at a stop (<see cref="HostGuestThread"/>) that needs no stop.
/// </summary>
internal class HostTaskView : IGuestTaskView
{
    private protected readonly HostThread host;

    public HostTaskView(int hostTid)
    {
        HostTid = hostTid;
        Memory = new ProcessVmMemory(hostTid);
        host = new HostThread(hostTid);
    }

    public int HostTid { get; }
    public IGuestMemory Memory { get; }
    public IGuestDescriptors Descriptors => host;
    public string ProcText(GuestProcFile file) => host.ProcText(file);
    public (ulong Dev, ulong Ino)? Executable => host.Executable;
    public bool IsDying => host.IsDying;
    public Rlimit? GetLimit(int resource) => host.GetLimit(resource);
    public bool SetLimit(int resource, Rlimit limit) => host.SetLimit(resource, limit);
}
