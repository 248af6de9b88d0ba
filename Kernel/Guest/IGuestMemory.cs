using System;
using UserKernel.Kernel.Abi;

namespace UserKernel.Kernel.Guest;

/// <summary>Checked access to one guest address space. Every failure is EFAULT, never an exception.</summary>
public interface IGuestMemory
{
    /// <summary>Copies guest bytes at <paramref name="from"/> into <paramref name="into"/>; returns how many were readable.</summary>
    int ReadUpTo(GuestPtr from, Span<byte> into);

    /// <summary>Copies all of <paramref name="bytes"/> to the guest, or answers EFAULT.</summary>
    Errno Write(GuestPtr to, ReadOnlySpan<byte> bytes);
}

/// <summary>
/// The narrow interface the kernel needs from the platform that caught the syscall
/// (SyscallBridge's ptrace tracer implements it; tests use a fake).
/// </summary>
/// <remarks>Its memory, descriptors, limits and proc text are those any task offers (<see cref="IGuestTaskView"/>).</remarks>
public interface IGuestThread : IGuestTaskView
{
    /// <summary>The thread's stack pointer at the stop.</summary>
    ulong StackPointer { get; }

    /// <summary>The start and end of the thread's [stack] mapping; false if it has none.</summary>
    bool FindStack(out ulong start, out ulong end);

    /// <summary>The device number of the thread's controlling terminal (tty_nr of proc(5)'s stat), 0 for none.</summary>
    int TerminalNumber { get; }

    /// <summary>The foreground process group of the thread's controlling terminal (tpgid of proc(5)'s stat), a host id; -1 for none.</summary>
    int ForegroundGroup { get; }

    /// <summary>
    /// Makes the stopped thread run one syscall of the kernel's choosing and returns rax. Only at a ptrace stop:
    /// a thread that waits in a seccomp notification answers -ENOSYS (and the kernel logs its own bug).
    /// </summary>
    long InjectSyscall(int number, ulong a0 = 0, ulong a1 = 0, ulong a2 = 0, ulong a3 = 0, ulong a4 = 0, ulong a5 = 0);

    /// <summary>Sets the registers a freshly loaded program starts with: all zero but rip and rsp.</summary>
    void SetStartRegisters(ulong instructionPointer, ulong stackPointer);

    /// <summary>
    /// A descriptor of the kernel's own for the open file the guest's descriptor <paramref name="guestFd"/> names
    /// (pidfd_getfd): the same socket, inotify instance or file, whatever the guest does to its descriptor table
    /// meanwhile. The caller closes it. EBADF if the guest has no such descriptor.
    /// </summary>
    Result<int> DuplicateDescriptor(int guestFd);

    /// <summary>
    /// Installs the kernel's descriptor <paramref name="kernelFd"/> in the guest's descriptor table (at the lowest
    /// free number, as open does) and returns the guest's descriptor number or -errno (EMFILE). The kernel keeps
    /// its own descriptor.
    /// </summary>
    long InstallDescriptor(int kernelFd, bool closeOnExec);
}
