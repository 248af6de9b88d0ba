using UserKernel.Kernel;
using UserKernel.Kernel.Abi;
using UserKernel.Kernel.Guest;
using UserKernel.SyscallBridge.Guest;
using UserKernel.SyscallBridge.Interop;
using UserKernel.SyscallBridge.Memory;

namespace UserKernel.SyscallBridge.Notify;

/// <summary>
/// A guest thread that waits in a seccomp user notification. Its memory and descriptor table are reachable;
/// its registers are not, so nothing can be injected into it: handlers of notified calls answer completely.
/// </summary>
internal sealed class NotifiedThread : HostGuestThread, IGuestThread
{
    private readonly int listener;

    public NotifiedThread(int hostTid, int listener) : base(hostTid)
    {
        this.listener = listener;
    }

    /// <summary>The host pid of the thread's process.</summary>
    public int HostTgid { get; set; }

    /// <summary>The notification the thread waits in now.</summary>
    public ulong NotificationId { get; set; }

    /// <summary>Unknown in a notification; no handler of a notified call may push scratch memory.</summary>
    public ulong StackPointer => 0;

    public long InjectSyscall(int number, ulong a0 = 0, ulong a1 = 0, ulong a2 = 0, ulong a3 = 0, ulong a4 = 0, ulong a5 = 0)
    {
        System.Console.Error.WriteLine($"userkernel: kernel bug: syscall {number} injected into host thread {HostTid}, which waits in a notification");
        return -(long)Errno.ENOSYS;
    }

    public void SetStartRegisters(ulong instructionPointer, ulong stackPointer) =>
        System.Console.Error.WriteLine($"userkernel: kernel bug: registers set on host thread {HostTid}, which waits in a notification");

    public Result<int> DuplicateDescriptor(int guestFd) => GuestDescriptors.Duplicate(HostTgid, guestFd);

    public long InstallDescriptor(int kernelFd, bool closeOnExec)
    {
        Errno e = Libc.NotifAddFd(listener, NotificationId, kernelFd, 0, closeOnExec ? (uint)OpenFlags.O_CLOEXEC : 0, out int guestFd);
        return e == Errno.OK ? guestFd : -(long)e;
    }
}
