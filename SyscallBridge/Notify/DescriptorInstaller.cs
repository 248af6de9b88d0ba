using UserKernel.Kernel.Abi;
using UserKernel.Kernel.Loader;
using UserKernel.SyscallBridge.Interop;

namespace UserKernel.SyscallBridge.Notify;

/// <summary>
/// Installs a kernel descriptor in a guest thread stopped under ptrace, without a path. The tracer posts the
/// descriptor for that thread and injects an openat at the stub's trampoline; the table sends openat to the
/// kernel's listener, where the receiving thread recognises the call (the posting thread, openat, the trampoline's
/// address) and answers it with SECCOMP_ADDFD_FLAG_SEND, without the kernel's lock, which the tracer holds. A guest
/// thread cannot be the posted one while it runs its own code: it is stopped until the injected call returns.
/// </summary>
internal sealed class DescriptorInstaller
{
    /// <summary>The injected call: openat, which the table sends to the kernel's listener.</summary>
    public const int Syscall = (int)Sysno.openat;

    /// <summary>Where the injected call's instruction pointer is: just past the trampoline's syscall instruction.</summary>
    public const ulong CallAddress = StubProgram.TrampolineAddress + 2;

    private readonly int listener;

    // The one install under way: the tracer, a single thread, makes them one at a time.
    private volatile Posted? posted;

    private sealed record Posted(int HostTid, int KernelFd, bool CloseOnExec);

    public DescriptorInstaller(int listener) { this.listener = listener; }

    /// <summary>Installs <paramref name="kernelFd"/> in the stopped thread <paramref name="tracee"/>: its guest descriptor, or -errno.</summary>
    public long Install(Tracing.Tracee tracee, int kernelFd, bool closeOnExec)
    {
        posted = new Posted(tracee.HostTid, kernelFd, closeOnExec);
        try
        {
            return tracee.InjectSyscall(Syscall);
        }
        finally
        {
            posted = null;
        }
    }

    /// <summary>Answers the notification if it is an injected install; false for any other call.</summary>
    public bool TryServe(in Libc.SeccompNotif n)
    {
        if (n.nr != Syscall || n.instruction_pointer != CallAddress || posted is not { } post || post.HostTid != (int)n.pid) return false;
        uint fdFlags = post.CloseOnExec ? (uint)OpenFlags.O_CLOEXEC : 0;
        Errno e = Libc.NotifAddFd(listener, n.id, post.KernelFd, Libc.SECCOMP_ADDFD_FLAG_SEND, fdFlags, out _);
        if (e != Errno.OK && e != Errno.ENOENT) Libc.NotifSend(listener, n.id, -(long)e);
        return true;
    }
}
