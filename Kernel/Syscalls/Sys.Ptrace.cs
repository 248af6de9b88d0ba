using System;
using System.Buffers.Binary;
using UserKernel.Kernel.Abi;
using UserKernel.Kernel.Guest;
using UserKernel.Kernel.Tasks;
using Task = UserKernel.Kernel.Tasks.Task;

namespace UserKernel.Kernel.Syscalls;

/// <summary>
/// ptrace(2) between guests, emulated: the kernel is every guest's host tracer, so a guest tracer's requests act on the
/// stops the kernel holds its tracees in (<see cref="PtraceLink"/>), through the platform (<see cref="IPtracePlatform"/>).
/// </summary>
public static partial class Sys
{
    private const int PTRACE_TRACEME = 0, PTRACE_PEEKTEXT = 1, PTRACE_PEEKDATA = 2, PTRACE_PEEKUSR = 3, PTRACE_POKETEXT = 4,
        PTRACE_POKEDATA = 5, PTRACE_POKEUSR = 6, PTRACE_CONT = 7, PTRACE_KILL = 8, PTRACE_SINGLESTEP = 9, PTRACE_GETREGS = 12,
        PTRACE_SETREGS = 13, PTRACE_GETFPREGS = 14, PTRACE_SETFPREGS = 15, PTRACE_ATTACH = 16, PTRACE_DETACH = 17,
        PTRACE_SYSCALL = 24, PTRACE_SETOPTIONS = 0x4200, PTRACE_GETEVENTMSG = 0x4201, PTRACE_GETSIGINFO = 0x4202,
        PTRACE_SETSIGINFO = 0x4203, PTRACE_GETREGSET = 0x4204, PTRACE_SETREGSET = 0x4205, PTRACE_SEIZE = 0x4206,
        PTRACE_INTERRUPT = 0x4207, PTRACE_LISTEN = 0x4208, PTRACE_GET_SYSCALL_INFO = 0x420e;

    /// <summary>The options guest ptrace emulates; TRACESECCOMP and SUSPEND_SECCOMP are refused (EINVAL).</summary>
    private const uint EmulatedPtraceOptions = PtraceLink.PTRACE_O_TRACESYSGOOD | PtraceLink.PTRACE_O_TRACEFORK |
        PtraceLink.PTRACE_O_TRACEVFORK | PtraceLink.PTRACE_O_TRACECLONE | PtraceLink.PTRACE_O_TRACEEXEC | PtraceLink.PTRACE_O_TRACEVFORKDONE |
        PtraceLink.PTRACE_O_TRACEEXIT | PtraceLink.PTRACE_O_EXITKILL;

    private const int UserRegsSize = 27 * 8, UserFpregsSize = 512, MaxRegset = 16384;

    /// <summary>
    /// ptrace(2): TRACEME, ATTACH, SEIZE, INTERRUPT, DETACH, KILL; CONT, SYSCALL, SINGLESTEP, LISTEN; PEEK/POKE TEXT, DATA
    /// and USER; GETREGS, SETREGS, GETFPREGS, SETFPREGS, GETREGSET, SETREGSET; GETSIGINFO, SETSIGINFO, GETEVENTMSG,
    /// GET_SYSCALL_INFO and SETOPTIONS. Tracees are guests only, by guest pid. Any other request answers EIO, as Linux answers one it does not know.
    /// </summary>
    public static SyscallResult Ptrace(SyscallContext ctx)
    {
        long request = (long)ctx.Arg(0);
        if (ctx.Kernel.PtracePlatform is not { } platform) return Errno.ENOSYS;
        if (request == PTRACE_TRACEME) return TraceMe(ctx);
        if (ctx.Kernel.Pids.ByGuest(ctx.IntArg(1)) is not { } target || target.Group.Exited) return Errno.ESRCH;
        if (request is PTRACE_ATTACH or PTRACE_SEIZE) return Attach(ctx, platform, target, request == PTRACE_SEIZE);
        // Only the tracer's own process may act on the tracee: to anyone else it does not exist as a tracee.
        if (target.Ptrace is not { Exited: false } link || link.Tracer.Group != ctx.Task.Group) return Errno.ESRCH;
        if (request == PTRACE_INTERRUPT) return Interrupt(platform, target, link);
        if (request == PTRACE_KILL) return KillTracee(ctx, target);
        if (!link.Stopped) return Errno.ESRCH;
        return request switch
        {
            PTRACE_CONT => ResumeTracee(ctx, platform, target, link, PtraceResume.Cont),
            PTRACE_SYSCALL => ResumeTracee(ctx, platform, target, link, PtraceResume.Syscall),
            PTRACE_SINGLESTEP => ResumeTracee(ctx, platform, target, link, PtraceResume.SingleStep),
            PTRACE_LISTEN => Listen(platform, target, link),
            PTRACE_DETACH => Detach(ctx, platform, target, link),
            PTRACE_PEEKTEXT or PTRACE_PEEKDATA or PTRACE_PEEKUSR => Peek(ctx, platform, target, (int)request),
            PTRACE_POKETEXT or PTRACE_POKEDATA or PTRACE_POKEUSR => platform.Poke(target, (int)request, ctx.Arg(2), ctx.Arg(3)),
            PTRACE_GETREGS => CopyRegistersOut(ctx, platform, target, PTRACE_GETREGS, UserRegsSize),
            PTRACE_GETFPREGS => CopyRegistersOut(ctx, platform, target, PTRACE_GETFPREGS, UserFpregsSize),
            PTRACE_GETSIGINFO => GetSiginfo(ctx, platform, target, link),
            PTRACE_SETREGS => CopyRegistersIn(ctx, platform, target, PTRACE_SETREGS, UserRegsSize),
            PTRACE_SETFPREGS => CopyRegistersIn(ctx, platform, target, PTRACE_SETFPREGS, UserFpregsSize),
            PTRACE_SETSIGINFO => link.Hold == PtraceHold.Group ? Errno.EINVAL : CopyRegistersIn(ctx, platform, target, PTRACE_SETSIGINFO, SiginfoSize),
            PTRACE_GETREGSET or PTRACE_SETREGSET => Regset(ctx, platform, target, (int)request),
            PTRACE_GETEVENTMSG => ctx.Memory.WriteUInt64(ctx.PtrArg(3), link.EventMessage) == Errno.OK ? 0 : Errno.EFAULT,
            PTRACE_SETOPTIONS => SetOptions(link, ctx.Arg(3)),
            PTRACE_GET_SYSCALL_INFO => GetSyscallInfo(ctx, platform, target, link),
            _ => Errno.EIO,
        };
    }

    /// <summary>PTRACE_TRACEME: the caller's parent traces it; nothing happens until its next signal or exec.</summary>
    private static SyscallResult TraceMe(SyscallContext ctx)
    {
        Task self = ctx.Task;
        if (self.Ptrace != null) return Errno.EPERM;
        if (self.Group.Parent is not { Exited: false } parent || parent.Threads.Count == 0) return Errno.EPERM;
        ctx.Kernel.Link(self, parent.Threads[0], seized: false, options: 0);
        return 0;
    }

    /// <summary>PTRACE_ATTACH (the tracee gets a SIGSTOP) and PTRACE_SEIZE (it runs on, with <c>data</c> as the options).</summary>
    private static SyscallResult Attach(SyscallContext ctx, IPtracePlatform platform, Task target, bool seize)
    {
        if (seize && ctx.Arg(2) != 0) return Errno.EIO;
        uint options = seize ? (uint)ctx.Arg(3) : 0;
        if (seize && (ctx.Arg(3) & ~(ulong)EmulatedPtraceOptions) != 0) return Errno.EINVAL;
        if (target.Group == ctx.Task.Group) return Errno.EPERM;
        if (!ctx.Task.Group.Credentials.MayTrace(target.Group.Credentials)) return Errno.EPERM;
        // A task the kernel is still starting (the exec of init or of a program it spawns) is in the kernel's hands only.
        if (target.Ptrace != null || platform.IsStarting(target)) return Errno.EPERM;
        ctx.Kernel.Link(target, ctx.Task, seize, options);
        if (!seize) ctx.Kernel.SignalThread(target, Signals.SIGSTOP);
        return 0;
    }

    /// <summary>PTRACE_INTERRUPT: only for a seized tracee (EIO); a stopped one stays as it is.</summary>
    private static SyscallResult Interrupt(IPtracePlatform platform, Task target, PtraceLink link)
    {
        if (!link.Seized) return Errno.EIO;
        if (link.Stopped || link.InterruptPending) return 0;
        link.InterruptPending = true;
        platform.Interrupt(target);
        return 0;
    }

    private static SyscallResult KillTracee(SyscallContext ctx, Task target)
    {
        ctx.Kernel.SignalThread(target, Signals.SIGKILL);
        return 0;
    }

    /// <summary>PTRACE_CONT, SYSCALL, SINGLESTEP: <c>data</c> is the signal to deliver (EIO past 64).</summary>
    private static SyscallResult ResumeTracee(SyscallContext ctx, IPtracePlatform platform, Task target, PtraceLink link, PtraceResume mode)
    {
        if (ctx.Arg(3) > 64) return Errno.EIO;
        // An exec event held at the exec's syscall exit: a tracer that asks for syscall stops sees that exit next.
        if (link.ThenSyscallExit)
        {
            link.ThenSyscallExit = false;
            if (mode == PtraceResume.Syscall)
            {
                link.Resumed(mode);
                ctx.Kernel.PtraceStopped(target, link.SyscallStatus, PtraceHold.Syscall);
                return 0;
            }
        }
        PtraceHold hold = link.Hold;
        link.Resumed(mode);
        platform.Resume(target, hold, mode, (int)ctx.Arg(3));
        return 0;
    }

    /// <summary>PTRACE_LISTEN: a seized tracee in a group-stop stays stopped, yet its events are reported (EIO otherwise).</summary>
    private static SyscallResult Listen(IPtracePlatform platform, Task target, PtraceLink link)
    {
        if (!link.Seized || link.Hold != PtraceHold.Group) return Errno.EIO;
        link.Resumed(PtraceResume.Listen);
        platform.Resume(target, PtraceHold.Group, PtraceResume.Listen, 0);
        return 0;
    }

    private static SyscallResult Detach(SyscallContext ctx, IPtracePlatform platform, Task target, PtraceLink link)
    {
        if (ctx.Arg(3) > 64) return Errno.EIO;
        ctx.Kernel.Unlink(target);
        platform.Resume(target, link.Hold, PtraceResume.Cont, (int)ctx.Arg(3));
        return 0;
    }

    /// <summary>PEEK*: at the system call level the word goes where <c>data</c> points (ptrace(2), "C library/kernel differences").</summary>
    private static SyscallResult Peek(SyscallContext ctx, IPtracePlatform platform, Task target, int request)
    {
        if (!platform.Peek(target, request, ctx.Arg(2)).TryGet(out ulong word, out Errno e)) return e;
        return ctx.Memory.WriteUInt64(ctx.PtrArg(3), word) == Errno.OK ? 0 : Errno.EFAULT;
    }

    private static SyscallResult CopyRegistersOut(SyscallContext ctx, IPtracePlatform platform, Task target, int request, int size)
    {
        Span<byte> buffer = stackalloc byte[size];
        Errno e = platform.Transfer(target, request, buffer);
        if (e != Errno.OK) return e;
        return ctx.Memory.Write(ctx.PtrArg(3), buffer) == Errno.OK ? 0 : Errno.EFAULT;
    }

    /// <summary>
    /// PTRACE_GETSIGINFO: EINVAL at a group-stop, as on Linux (strace tells a group-stop by it). At a signal-delivery stop the
    /// siginfo already names the sender by its guest pid; at any other stop the host's names the tracee by its host pid
    /// (ptrace_do_notify), which becomes its guest tid.
    /// </summary>
    private static SyscallResult GetSiginfo(SyscallContext ctx, IPtracePlatform platform, Task target, PtraceLink link)
    {
        if (link.Hold == PtraceHold.Group) return Errno.EINVAL;
        Span<byte> info = stackalloc byte[SiginfoSize];
        Errno e = platform.Transfer(target, PTRACE_GETSIGINFO, info);
        if (e != Errno.OK) return e;
        if (link.Hold != PtraceHold.SignalDelivery)
        {
            BinaryPrimitives.WriteInt32LittleEndian(info[16..], target.Tid);
            BinaryPrimitives.WriteUInt32LittleEndian(info[20..], target.Group.Credentials.Ruid);
        }
        return ctx.Memory.Write(ctx.PtrArg(3), info) == Errno.OK ? 0 : Errno.EFAULT;
    }

    private static SyscallResult CopyRegistersIn(SyscallContext ctx, IPtracePlatform platform, Task target, int request, int size)
    {
        Span<byte> buffer = stackalloc byte[size];
        if (ctx.Memory.Read(ctx.PtrArg(3), buffer) != Errno.OK) return Errno.EFAULT;
        return platform.Transfer(target, request, buffer);
    }

    /// <summary>GETREGSET, SETREGSET: <c>addr</c> is the note type, <c>data</c> an iovec whose length the call updates.</summary>
    private static SyscallResult Regset(SyscallContext ctx, IPtracePlatform platform, Task target, int request)
    {
        Span<byte> iov = stackalloc byte[16];
        if (ctx.Memory.Read(ctx.PtrArg(3), iov) != Errno.OK) return Errno.EFAULT;
        var at = new GuestPtr(BinaryPrimitives.ReadUInt64LittleEndian(iov));
        int length = (int)Math.Min(BinaryPrimitives.ReadUInt64LittleEndian(iov[8..]), MaxRegset);
        Span<byte> buffer = stackalloc byte[length];
        if (request == PTRACE_SETREGSET && ctx.Memory.Read(at, buffer) != Errno.OK) return Errno.EFAULT;
        if (!platform.Regset(target, request, (int)ctx.Arg(2), buffer).TryGet(out int used, out Errno e)) return e;
        if (request == PTRACE_GETREGSET && ctx.Memory.Write(at, buffer[..used]) != Errno.OK) return Errno.EFAULT;
        BinaryPrimitives.WriteUInt64LittleEndian(iov[8..], (ulong)used);
        return ctx.Memory.Write(ctx.PtrArg(3).Add(8), iov[8..]) == Errno.OK ? 0 : Errno.EFAULT;
    }

    /// <summary>
    /// PTRACE_GET_SYSCALL_INFO: struct ptrace_syscall_info of the stop held, made from the registers: an entry's number and
    /// arguments, an exit's value, or nothing more than the instruction and stack pointers. <c>addr</c> is the caller's size;
    /// the answer is the size of the whole structure for that stop.
    /// </summary>
    private static SyscallResult GetSyscallInfo(SyscallContext ctx, IPtracePlatform platform, Task target, PtraceLink link)
    {
        const byte OP_NONE = 0, OP_ENTRY = 1, OP_EXIT = 2;
        const uint AUDIT_ARCH_X86_64 = 0xC000003E;
        Span<byte> regs = stackalloc byte[UserRegsSize];
        Errno e = platform.Transfer(target, PTRACE_GETREGS, regs);
        if (e != Errno.OK) return e;
        Span<byte> info = stackalloc byte[80];
        info.Clear();
        byte op = link.Hold != PtraceHold.Syscall ? OP_NONE : link.AtSyscallEntry ? OP_ENTRY : OP_EXIT;
        info[0] = op;
        BinaryPrimitives.WriteUInt32LittleEndian(info[4..], AUDIT_ARCH_X86_64);
        BinaryPrimitives.WriteUInt64LittleEndian(info[8..], Reg(regs, 128));   // rip
        BinaryPrimitives.WriteUInt64LittleEndian(info[16..], Reg(regs, 152));  // rsp
        int size = 24;
        if (op == OP_ENTRY)
        {
            // orig_rax, then rdi, rsi, rdx, r10, r8, r9
            ReadOnlySpan<int> at = [120, 112, 104, 96, 56, 72, 64];
            for (int i = 0; i < at.Length; i++) BinaryPrimitives.WriteUInt64LittleEndian(info[(24 + 8 * i)..], Reg(regs, at[i]));
            size = 80;
        }
        else if (op == OP_EXIT)
        {
            long rval = (long)Reg(regs, 80);
            BinaryPrimitives.WriteInt64LittleEndian(info[24..], rval);
            info[32] = (byte)(rval is >= -4095 and < 0 ? 1 : 0);
            size = 33;
        }
        int copy = (int)Math.Min(ctx.Arg(2), (ulong)size);
        if (copy > 0 && ctx.Memory.Write(ctx.PtrArg(3), info[..copy]) != Errno.OK) return Errno.EFAULT;
        return size;
    }

    private static ulong Reg(ReadOnlySpan<byte> regs, int offset) => BinaryPrimitives.ReadUInt64LittleEndian(regs[offset..]);

    private static SyscallResult SetOptions(PtraceLink link, ulong options)
    {
        if ((options & ~(ulong)EmulatedPtraceOptions) != 0) return Errno.EINVAL;
        link.Options = (uint)options;
        return 0;
    }

    /// <summary>
    /// process_vm_readv(2), process_vm_writev(2): the pid is a guest's, translated (ESRCH for any other, so no host process
    /// and none of the kernel's helpers can be named); the caller must be allowed to trace it (EPERM), which the host cannot
    /// tell, since every guest is one host user to it. The iovecs name the two guests' own memory.
    /// </summary>
    public static SyscallResult ProcessVm(SyscallContext ctx)
    {
        if (ctx.Kernel.Pids.ByGuest(ctx.IntArg(0)) is not { } target || target.Group.Exited) return Errno.ESRCH;
        if (!ctx.Task.Group.Credentials.MayTrace(target.Group.Credentials)) return Errno.EPERM;
        ctx.Rewrite(0, (ulong)target.HostTid);
        return SyscallResult.RunOnHost;
    }
}
