using System.Runtime.InteropServices;
using UserKernel.Kernel.Abi;
using UserKernel.Kernel.Trace;

namespace UserKernel.SyscallBridge.Interop;

internal static partial class Libc
{
    internal const int PTRACE_PEEKDATA = 2, PTRACE_SINGLESTEP = 9, PTRACE_GETREGSET = 0x4204, PTRACE_O_TRACEEXIT = 0x40, PTRACE_EVENT_EXIT = 6,
        PTRACE_O_TRACEVFORKDONE = 0x20, PTRACE_EVENT_VFORK_DONE = 5;

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

    /// <summary>A ptrace request whose data is a buffer of the kernel's (GETREGS, SETFPREGS, GETSIGINFO...).</summary>
    internal static unsafe Errno Transfer(int request, int pid, nint addr, System.Span<byte> buffer)
    {
        fixed (byte* p = buffer) return Ptrace(request, pid, addr, (nint)p);
    }

    /// <summary>PTRACE_GETREGSET, SETREGSET: the buffer as an iovec; the length the host used.</summary>
    internal static unsafe Errno Regset(int request, int pid, int type, System.Span<byte> buffer, out int used)
    {
        fixed (byte* p = buffer)
        {
            var iov = new IoVec { Base = (nint)p, Length = (nuint)buffer.Length };
            Errno e = Ptrace(request, pid, type, (nint)(&iov));
            used = (int)iov.Length;
            return e;
        }
    }

    /// <summary>PTRACE_PEEK*: the raw call stores the word where data points, so a word of -1 is no error.</summary>
    internal static unsafe Errno Peek(int request, int pid, ulong addr, out ulong word)
    {
        ulong w = 0;
        long r = syscall_ptrace(101, request, pid, (nint)addr, (nint)(&w));
        int errno = Marshal.GetLastSystemError();
        word = w;
        return r < 0 ? (Errno)errno : Errno.OK;
    }

    [LibraryImport(Name, EntryPoint = "syscall", SetLastError = true)]
    private static partial long syscall_ptrace(long number, long request, int pid, nint addr, nint data);

    internal static unsafe Errno GetRegs(int pid, out UserRegs regs)
    {
        fixed (UserRegs* p = &regs) return Ptrace(PTRACE_GETREGS, pid, 0, (nint)p);
    }

    internal static unsafe Errno SetRegs(int pid, in UserRegs regs)
    {
        fixed (UserRegs* p = &regs) return Ptrace(PTRACE_SETREGS, pid, 0, (nint)p);
    }

    /// <summary>PTRACE_GETEVENTMSG; false when <paramref name="pid"/> is in no ptrace stop.</summary>
    internal static unsafe bool TryGetEventMessage(int pid, out ulong message)
    {
        ulong msg = 0;
        Errno e = Ptrace(PTRACE_GETEVENTMSG, pid, 0, (nint)(&msg));
        message = msg;
        return e == Errno.OK;
    }
}
