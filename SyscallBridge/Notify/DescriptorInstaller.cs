using UserKernel.Kernel.Abi;
using UserKernel.Kernel.Loader;
using UserKernel.SyscallBridge.Interop;

namespace UserKernel.SyscallBridge.Notify;

/// <summary>
/// Installs a kernel descriptor in a guest thread stopped under ptrace, without a path. The tracer posts the
/// descriptor for that thread and injects an openat at the stub's trampoline; the table sends openat to the
/// kernel's listener, where the receiving thread recognises the call (the posting thread, openat, the trampoline's
/// address) and answers it with SECCOMP_ADDFD_FLAG_SEND, without the kernel's lock, which the tracer holds. A guest
/// thread cannot be the posted one while it runs its own code: it is stopped until the injected call returns. A batch
/// of injected calls (<see cref="SyscallBatch"/>) posts its installs in order, made at the stub's batch runner.
/// </summary>
internal sealed class DescriptorInstaller
{
    /// <summary>The injected call: openat, which the table sends to the kernel's listener.</summary>
    public const int Syscall = SyscallBatch.InstallCall;

    /// <summary>Where the injected call's instruction pointer is: just past the trampoline's syscall instruction.</summary>
    public const ulong CallAddress = StubProgram.TrampolineAddress + 2;

    /// <summary>Where a batch's install calls are.</summary>
    public const ulong BatchCallAddress = StubProgram.BatchCallAddress;

    private readonly int listener;

    // The installs under way, of one thread: the tracer, a single thread, posts them one call or one batch at a time.
    private volatile Posted? posted;

    private sealed class Posted(int hostTid, int[] kernelFds, bool closeOnExec, ulong callAddress)
    {
        public int HostTid { get; } = hostTid;
        public bool CloseOnExec { get; } = closeOnExec;
        public ulong CallAddress { get; } = callAddress;
        private int next;

        /// <summary>The next descriptor to install, or -1 when all were.</summary>
        public int Take()
        {
            int i = System.Threading.Interlocked.Increment(ref next) - 1;
            return i < kernelFds.Length ? kernelFds[i] : -1;
        }

        /// <summary>The last one taken was not installed (its caller was interrupted): the restarted call takes it again.</summary>
        public void Untake() => System.Threading.Interlocked.Decrement(ref next);
    }

    public DescriptorInstaller(int listener) { this.listener = listener; }

    /// <summary>Installs <paramref name="kernelFd"/> in the stopped thread <paramref name="tracee"/>: its guest descriptor, or -errno.</summary>
    public long Install(Tracing.Tracee tracee, int kernelFd, bool closeOnExec)
    {
        posted = new Posted(tracee.HostTid, [kernelFd], closeOnExec, CallAddress);
        try
        {
            return tracee.InjectSyscall(Syscall);
        }
        finally
        {
            posted = null;
        }
    }

    /// <summary>Posts the close-on-exec installs of a batch the tracer is about to run in <paramref name="hostTid"/>; <see cref="Clear"/> after.</summary>
    public void PostBatch(int hostTid, int[] kernelFds) => posted = new Posted(hostTid, kernelFds, closeOnExec: true, BatchCallAddress);

    public void Clear() => posted = null;

    /// <summary>Answers the notification if it is an injected install; false for any other call.</summary>
    public bool TryServe(in Libc.SeccompNotif n)
    {
        if (n.nr != Syscall || posted is not { } post || n.instruction_pointer != post.CallAddress || post.HostTid != (int)n.pid) return false;
        int kernelFd = post.Take();
        if (kernelFd < 0)
        {
            Libc.NotifSend(listener, n.id, -(long)Errno.EBADF); // more install calls than installs: not the kernel's batch
            return true;
        }
        uint fdFlags = post.CloseOnExec ? (uint)OpenFlags.O_CLOEXEC : 0;
        Errno e = Libc.NotifAddFd(listener, n.id, kernelFd, Libc.SECCOMP_ADDFD_FLAG_SEND, fdFlags, out _);
        if (e == Errno.ENOENT) post.Untake();
        else if (e != Errno.OK) Libc.NotifSend(listener, n.id, -(long)e);
        return true;
    }
}
