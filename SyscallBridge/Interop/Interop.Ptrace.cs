using System.Runtime.InteropServices;
using UserKernel.Kernel.Abi;
using UserKernel.Kernel.Trace;

namespace UserKernel.SyscallBridge.Interop;

internal static partial class Libc
{
    internal const int PTRACE_CONT = 7, PTRACE_GETREGS = 12, PTRACE_SETREGS = 13, PTRACE_SYSCALL = 24,
        PTRACE_SETOPTIONS = 0x4200, PTRACE_GETEVENTMSG = 0x4201, PTRACE_GETSIGINFO = 0x4202, PTRACE_SETSIGINFO = 0x4203, PTRACE_SEIZE = 0x4206, PTRACE_INTERRUPT = 0x4207, PTRACE_LISTEN = 0x4208;

    internal const int PTRACE_O_TRACESYSGOOD = 1, PTRACE_O_TRACEFORK = 2, PTRACE_O_TRACEVFORK = 4, PTRACE_O_TRACECLONE = 8,
        PTRACE_O_TRACEEXEC = 0x10, PTRACE_O_TRACESECCOMP = 0x80, PTRACE_O_EXITKILL = 0x100000;

    internal const int PTRACE_EVENT_FORK = 1, PTRACE_EVENT_VFORK = 2, PTRACE_EVENT_CLONE = 3, PTRACE_EVENT_EXEC = 4,
        PTRACE_EVENT_SECCOMP = 7, PTRACE_EVENT_STOP = 128;

    [LibraryImport(Name, EntryPoint = "ptrace", SetLastError = true)]
    private static partial long ptrace_raw(long request, int pid, nint addr, nint data);

    /// <summary>ptrace(2); errno read on the line after the call.</summary>
    internal static Errno Ptrace(int request, int pid, nint addr, nint data)
    {
        long r = ptrace_raw(request, pid, addr, data);
        int errno = Marshal.GetLastSystemError();
        StartupProfile.PtraceCalls++;
        return r < 0 ? (Errno)errno : Errno.OK;
    }

    internal static unsafe Errno GetRegs(int pid, out UserRegs regs)
    {
        fixed (UserRegs* p = &regs) return Ptrace(PTRACE_GETREGS, pid, 0, (nint)p);
    }

    internal static unsafe Errno SetRegs(int pid, in UserRegs regs)
    {
        fixed (UserRegs* p = &regs) return Ptrace(PTRACE_SETREGS, pid, 0, (nint)p);
    }

    internal static unsafe ulong GetEventMessage(int pid)
    {
        ulong msg = 0;
        Ptrace(PTRACE_GETEVENTMSG, pid, 0, (nint)(&msg));
        return msg;
    }
}
