using System;
using System.Collections.Generic;
using System.Text;
using UserKernel.Kernel.Abi;
using UserKernel.Kernel.Guest;
using UserKernel.Kernel.Loader;
using UserKernel.Kernel.Trace;
using UserKernel.SyscallBridge.Interop;
using UserKernel.SyscallBridge.Seccomp;
using UserKernel.SyscallBridge.Tracing;

namespace UserKernel.SyscallBridge.Launch;

/// <summary>
/// Starts the first guest process without forking the managed runtime: posix_spawn of the kernel's stub
/// (which waits in pause()), PTRACE_SEIZE, then syscalls injected into it: no_new_privs and the seccomp
/// filter. The guest's first program is then exec'd by an injected execve that stops like any other.
/// </summary>
internal static unsafe class GuestLauncher
{
    private const int NR_prctl = (int)Sysno.prctl, NR_seccomp = (int)Sysno.seccomp, NR_execve = (int)Sysno.execve;
    private const int PR_SET_NO_NEW_PRIVS = 38, PR_SET_CHILD_SUBREAPER = 36;

    /// <summary>struct sock_fprog: unsigned short len, then the sock_filter pointer at 8.</summary>
    internal const int SockFprogSize = 16, SockFprogFilter = 8;

    internal const int Options = Libc.PTRACE_O_TRACESYSGOOD | Libc.PTRACE_O_TRACEFORK | Libc.PTRACE_O_TRACEVFORK |
        Libc.PTRACE_O_TRACECLONE | Libc.PTRACE_O_TRACEEXEC | Libc.PTRACE_O_TRACESECCOMP | Libc.PTRACE_O_EXITKILL;

    /// <summary>
    /// Spawns and seizes the stub and moves it into the guests' namespaces (<see cref="GuestNamespaces"/>), with
    /// no_new_privs set for its filter; returns it stopped, whether the namespaces are in place, and the kernel's
    /// sock_diag socket (or -1). Nothing of the kernel's is read: this runs while the kernel is being made. Throws on
    /// host failure.
    /// </summary>
    public static (Tracee Init, bool Namespaces, int DiagSocket) Start(string stubPath, string emptyRoot, bool newNetwork)
    {
        // Orphaned guests come back to the kernel rather than to the host's init.
        Libc.Prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
        Tracee tracee = SpawnStopped(stubPath);
        StartupProfile.Mark("stub spawned and seized");
        bool namespaces = GuestNamespaces.Enter(tracee, emptyRoot, newNetwork, out int diagSocket);
        StartupProfile.Mark("namespaces entered");
        // With its namespaces, the stub set no_new_privs in the same batch of calls.
        long r = namespaces ? 0 : tracee.InjectSyscall(NR_prctl, PR_SET_NO_NEW_PRIVS, 1);
        if (r != 0) throw new GuestStartException($"prctl(PR_SET_NO_NEW_PRIVS) failed in the guest: {r}");
        return (tracee, namespaces, diagSocket);
    }

    /// <summary>
    /// Gives the stub the kernel's seccomp filter, built from the syscall table as it is once the kernel is made (an
    /// extension's rows included), and returns the kernel's descriptor of the filter's listener.
    /// </summary>
    public static int Filter(Tracee tracee)
    {
        List<FilterBuilder.Instruction> filter = FilterBuilder.Build();
        StartupProfile.Mark("filter built");
        int listener = InstallFilter(tracee, filter);
        StartupProfile.Mark("filter installed");
        return listener;
    }

    /// <summary>
    /// posix_spawn of the stub, seized and stopped, its registers loaded, ready for injected syscalls. Throws
    /// <see cref="GuestStartException"/> when the host will not let it be traced.
    /// </summary>
    public static Tracee SpawnStopped(string stubPath)
    {
        int pid = Spawn(stubPath);
        Errno e = Libc.Ptrace(Libc.PTRACE_SEIZE, pid, 0, Options);
        if (e != Errno.OK) throw new GuestStartException($"cannot trace the guest (ptrace: {ErrnoNames.Message(e)}); is ptrace allowed on this host?");
        Libc.Ptrace(Libc.PTRACE_INTERRUPT, pid, 0, 0);
        Libc.WaitPid(pid, out int status, Libc.__WALL, out _);
        PtraceStop stop = PtraceStop.Decode(status);
        // posix_spawn returns once the stub's exec has replaced its memory, which can be before that exec
        // has finished: the seize then first sees PTRACE_EVENT_EXEC, inside execve, where execve's return
        // value would overwrite an injected call's number. Let it finish and interrupt it again (the exec
        // stop may have consumed the first interrupt; a still-pending one is the same flag, so one stop follows).
        while (stop.Kind == StopKind.Exec)
        {
            Libc.Ptrace(Libc.PTRACE_CONT, pid, 0, 0);
            Libc.Ptrace(Libc.PTRACE_INTERRUPT, pid, 0, 0);
            Libc.WaitPid(pid, out status, Libc.__WALL, out _);
            stop = PtraceStop.Decode(status);
        }
        if (stop.Kind is StopKind.Exited or StopKind.Killed)
            throw new GuestStartException("the guest's first process died before it could be traced");
        var tracee = new Tracee(pid);
        tracee.LoadRegs();
        return tracee;
    }

    /// <summary>Kills a stub the kernel used as a helper and reaps it, before the tracer's loop could see it.</summary>
    public static void Discard(Tracee helper)
    {
        Tmds.Linux.LibC.kill(helper.HostTid, Signals.SIGKILL);
        while (Libc.WaitPid(helper.HostTid, out int status, Libc.__WALL, out Errno e) >= 0 || e == Errno.EINTR)
        {
            PtraceStop stop = PtraceStop.Decode(status);
            if (stop.Kind is StopKind.Exited or StopKind.Killed) break;
        }
    }

    /// <summary>
    /// Installs the filter in the stub with a notification listener, and takes the listener into the kernel: the
    /// stub's descriptor is copied with pidfd_getfd; it is close-on-exec, so no guest ever holds a listener. (A filter tree
    /// has at most one listener, so a guest can never add one of its own: the host answers it EBUSY.)
    /// </summary>
    private static int InstallFilter(Tracee tracee, List<FilterBuilder.Instruction> program)
    {
        byte[] filter = FilterBuilder.Encode(program);
        ulong filterAt = StubProgram.ScratchAddress + 64;
        Span<byte> fprog = stackalloc byte[SockFprogSize];
        fprog.Clear();
        BitConverter.TryWriteBytes(fprog, (ushort)(filter.Length / 8));
        BitConverter.TryWriteBytes(fprog[SockFprogFilter..], filterAt);
        if (tracee.Memory.Write(new GuestPtr(filterAt), filter) != Errno.OK || tracee.Memory.Write(new GuestPtr(StubProgram.ScratchAddress), fprog) != Errno.OK)
            throw new GuestStartException("cannot write the seccomp filter into the guest");
        // Once the kernel has received a notified call, only SIGKILL interrupts the caller (Linux 5.19): a call the kernel
        // has performed (a file created with O_EXCL, a datagram sent) is answered, never interrupted and restarted to be
        // performed twice. Where the host lacks the flag, without it.
        long stubFd = tracee.InjectSyscall(NR_seccomp, 1 /* SECCOMP_SET_MODE_FILTER */,
            Libc.SECCOMP_FILTER_FLAG_NEW_LISTENER | Libc.SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV, StubProgram.ScratchAddress);
        if (stubFd == -(long)Errno.EINVAL)
            stubFd = tracee.InjectSyscall(NR_seccomp, 1 /* SECCOMP_SET_MODE_FILTER */, Libc.SECCOMP_FILTER_FLAG_NEW_LISTENER, StubProgram.ScratchAddress);
        if (stubFd < 0)
        {
            string why = ErrnoNames.Name((Errno)(-stubFd));
            throw new GuestStartException($"seccomp() with a notification listener failed in the guest: {why} (userkernel needs Linux 5.14 or later)");
        }
        int pidfd = Libc.PidfdOpen(tracee.HostTid);
        int listener = pidfd < 0 ? pidfd : Libc.PidfdGetfd(pidfd, (int)stubFd);
        if (pidfd >= 0) Tmds.Linux.LibC.close(pidfd);
        // The stub's own descriptor of the listener is close-on-exec (seccomp makes it so), and no code of the guest's
        // runs before the exec of its first program: that exec closes it, with no call injected here to do it.
        if (listener < 0) throw new GuestStartException($"cannot take the seccomp listener from the guest: {ErrnoNames.Name((Errno)(-listener))}");
        return listener;
    }

    /// <summary>
    /// Points the stopped stub at an execve of the guest's first program. The call stops in seccomp and is
    /// served by the kernel's execve handler like any other.
    /// </summary>
    public static void BeginExec(Tracee tracee, string path, IReadOnlyList<string> argv, IReadOnlyList<string> envp)
    {
        var blob = new List<byte>();
        ulong baseAt = StubProgram.ScratchAddress;
        ulong Add(string s)
        {
            ulong at = baseAt + (ulong)blob.Count;
            blob.AddRange(Encoding.UTF8.GetBytes(s));
            blob.Add(0);
            return at;
        }
        ulong pathAt = Add(path);
        var argAt = new List<ulong>();
        foreach (string a in argv) argAt.Add(Add(a));
        var envAt = new List<ulong>();
        foreach (string v in envp) envAt.Add(Add(v));
        while (blob.Count % 8 != 0) blob.Add(0);
        ulong argvAt = baseAt + (ulong)blob.Count;
        foreach (ulong p in argAt) blob.AddRange(BitConverter.GetBytes(p));
        blob.AddRange(BitConverter.GetBytes(0UL));
        ulong envpAt = baseAt + (ulong)blob.Count;
        foreach (ulong p in envAt) blob.AddRange(BitConverter.GetBytes(p));
        blob.AddRange(BitConverter.GetBytes(0UL));
        if (blob.Count > StubProgram.ScratchSize) throw new GuestStartException("the command line and environment are too long");
        if (tracee.Memory.Write(new GuestPtr(baseAt), blob.ToArray()) != Errno.OK) throw new GuestStartException("cannot write the command line into the guest");

        ref UserRegs regs = ref tracee.Regs;
        regs.rip = StubProgram.TrampolineAddress;
        regs.rax = NR_execve;
        regs.orig_rax = ulong.MaxValue;
        regs.rdi = pathAt;
        regs.rsi = argvAt;
        regs.rdx = envpAt;
        tracee.StoreRegs();
        tracee.StartingInit = true;
        Libc.Ptrace(Libc.PTRACE_CONT, tracee.HostTid, 0, 0);
    }

    /// <summary>posix_spawn of <paramref name="path"/>, with default signals, in a process group of its own.</summary>
    internal static int Spawn(string path, string name = "userkernel-init", (int From, int To)[]? descriptors = null)
    {
        byte[] attr = new byte[1024];
        byte[] allSignals = new byte[128];
        byte[] noSignals = new byte[128];
        // Every catchable signal back to its default: the runtime ignores SIGPIPE, and ignored signals survive exec.
        for (int sig = 1; sig <= 64; sig++)
            if (sig != Signals.SIGKILL && sig != Signals.SIGSTOP) allSignals[(sig - 1) / 8] |= (byte)(1 << ((sig - 1) % 8));
        byte[] cpath = Encoding.UTF8.GetBytes(path + "\0");
        byte[] arg0 = Encoding.UTF8.GetBytes(name + "\0");
        byte[] actions = new byte[256];
        int pid;
        fixed (byte* a = attr, all = allSignals, none = noSignals, p = cpath, a0 = arg0, fa = actions)
        {
            Libc.PosixSpawnFileActionsInit(fa);
            foreach ((int from, int to) in descriptors ?? []) Libc.PosixSpawnFileActionsAdddup2(fa, from, to);
            Libc.PosixSpawnattrInit(a);
            Libc.PosixSpawnattrSetflags(a, Libc.POSIX_SPAWN_SETPGROUP | Libc.POSIX_SPAWN_SETSIGDEF | Libc.POSIX_SPAWN_SETSIGMASK);
            Libc.PosixSpawnattrSetpgroup(a, 0);
            Libc.PosixSpawnattrSetsigdefault(a, all);
            Libc.PosixSpawnattrSetsigmask(a, none);
            byte** argv = stackalloc byte*[2];
            argv[0] = a0;
            argv[1] = null;
            byte** envp = stackalloc byte*[1];
            envp[0] = null;
            int r = Libc.PosixSpawn(&pid, p, fa, a, argv, envp);
            Libc.PosixSpawnFileActionsDestroy(fa);
            if (r != 0) throw new GuestStartException($"cannot start {name}: {ErrnoNames.Message((Errno)r)}");
        }
        return pid;
    }
}

/// <summary>The guest could not be started; the message is for the user.</summary>
public sealed class GuestStartException : Exception
{
    public GuestStartException(string message) : base(message) { }
}
