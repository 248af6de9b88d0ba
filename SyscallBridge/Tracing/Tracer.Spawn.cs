using System.Collections.Generic;
using UserKernel.Kernel.Abi;
using UserKernel.Kernel.Loader;
using UserKernel.Kernel.Tasks;
using UserKernel.SyscallBridge.Interop;
using UserKernel.SyscallBridge.Launch;
using Task = UserKernel.Kernel.Tasks.Task;

namespace UserKernel.SyscallBridge.Tracing;

/// <summary>
/// Programs started beside init (<see cref="GuestSpawner"/>): the spare stub, and each program forked from it. The
/// spare is a fork of the first stub made after its filter and namespaces and before init's exec, so every program
/// forked from it has both; it is the kernel's own child (CLONE_PARENT), so no guest ever waits for it or its forks.
/// </summary>
public sealed partial class Tracer
{
    private const int PR_SET_NAME = 15;
    private const ulong CLONE_PARENT = 0x8000, SIGCHLD = 17;

    /// <summary>The spare stub's host process name.</summary>
    public const string SpareName = "userkernel-spar"; // comm holds 15 bytes
    private const int TIOCSCTTY = 0x540E;

    private readonly GuestSpawner? spawner;
    private readonly Dictionary<ThreadGroup, SpawnRequest> spawned = new();
    private Tracee? spare;

    /// <summary>Forks the spare from the stopped first stub and parks it in the stub's pause() loop.</summary>
    private void MakeSpare(Tracee init)
    {
        long pid = init.InjectSyscall((int)Sysno.clone, CLONE_PARENT | SIGCHLD);
        if (pid <= 0 || !TakeFirstStop((int)pid))
        {
            spawner!.Close("the kernel could not make its spare process"); // no exec then: requests are refused
            return;
        }
        spare = new Tracee((int)pid);
        spare.LoadRegs();
        // Named, so that a listing of the sandbox's tracees (`runtime ps`) can leave it out.
        spare.InjectSyscall((int)Sysno.prctl, PR_SET_NAME, Launch.GuestNamespaces.WriteStrings(spare, SpareName)[0]);
        spare.Regs.rip = StubProgram.EntryAddress;
        spare.StoreRegs();
        Libc.Ptrace(Libc.PTRACE_CONT, spare.HostTid, 0, 0);
        spawner!.Ready(spare.HostTid);
    }

    /// <summary>Waits for the first stop of an auto-attached child; false if it died instead.</summary>
    private static bool TakeFirstStop(int pid)
    {
        while (true)
        {
            if (Libc.WaitPid(pid, out int status, Libc.__WALL, out Errno e) < 0)
            {
                if (e == Errno.EINTR) continue;
                return false;
            }
            PtraceStop stop = PtraceStop.Decode(status);
            if (stop.Kind is StopKind.Exited or StopKind.Killed) return false;
            if (stop.Kind == StopKind.EventStop) return true;
            Libc.Ptrace(Libc.PTRACE_CONT, pid, 0, 0);
        }
    }

    /// <summary>The spare stopped: woken for requests (its signal is never delivered), or gone.</summary>
    private void OnSpareStop(PtraceStop stop)
    {
        if (stop.Kind is StopKind.Exited or StopKind.Killed)
        {
            spare = null;
            spawner!.Close("the kernel's spare process is gone");
            return;
        }
        if (stop.Kind == StopKind.SignalDelivery && stop.Signal == GuestSpawner.WakeSignal && spare!.LoadRegs() == Errno.OK)
            while (spawner!.Next() is { } request) Spawn(request);
        Libc.Ptrace(Libc.PTRACE_CONT, spare!.HostTid, 0, 0);
    }

    /// <summary>Forks a stub from the spare, gives it the request's descriptors and session, registers it, and execs the program.</summary>
    private void Spawn(SpawnRequest request)
    {
        string? failure = null;
        long pid = spare!.InjectSyscall((int)Sysno.clone, CLONE_PARENT | SIGCHLD);
        if (pid <= 0 || !TakeFirstStop((int)pid)) failure = $"cannot fork: {ErrnoNames.Message((Errno)(-pid))}";
        var child = new Tracee((int)pid) { Installer = installer };
        if (failure == null)
        {
            child.LoadRegs();
            failure = GiveStdio(child, request);
        }
        foreach (int fd in request.Stdio)
        {
            if (failure == null) kernel.Terminals.Allow(fd); // a terminal handed to the program is the guests' now
            Tmds.Linux.LibC.close(fd);
        }
        if (failure == null && request.Terminal && (child.InjectSyscall((int)Sysno.setsid) < 0 || child.InjectSyscall((int)Sysno.ioctl, 0, TIOCSCTTY, 0) < 0))
            failure = "cannot make the terminal the program's controlling terminal";
        Task? task = null;
        if (failure == null && !kernel.StartProcess(child.HostTid, request.Credentials, request.WorkingDirectory, request.Limits).TryGet(out task, out Errno e))
            failure = $"working directory {request.WorkingDirectory}: {ErrnoNames.Message(e)}";
        if (failure != null)
        {
            if (pid > 0) GuestLauncher.Discard(child);
            request.Failed?.Invoke(Errno.EIO, failure);
            return;
        }
        child.Task = task;
        request.Hold(child.HostTid);
        tracees[child.HostTid] = child;
        spawned[task!.Group] = request;
        GuestLauncher.BeginExec(child, request.Path, request.Argv, request.Envp);
    }

    /// <summary>A spawned program's exec succeeded: its requester hears it is running.</summary>
    private void OnSpawnedExec(Tracee t)
    {
        if (t.Task != null && spawned.TryGetValue(t.Task.Group, out SpawnRequest? request))
            request.Started?.Invoke(t.Task.Group.Tgid, t.HostTid);
    }

    /// <summary>Closes what the stub inherited and installs the request's descriptors as 0, 1 and 2.</summary>
    private static string? GiveStdio(Tracee child, SpawnRequest request)
    {
        if (child.InjectSyscall((int)Sysno.close_range, 0, uint.MaxValue, 0) < 0) return "cannot close the spare's descriptors";
        for (int target = 0; target < 3; target++)
        {
            long fd = child.InstallDescriptor(request.Stdio[target], closeOnExec: false);
            if (fd < 0) return $"cannot give the program its descriptor {target}: {ErrnoNames.Message((Errno)(-fd))}";
            if (fd != target && (child.InjectSyscall((int)Sysno.dup2, (ulong)fd, (ulong)target) < 0 || child.InjectSyscall((int)Sysno.close, (ulong)fd) < 0))
                return $"cannot move the program's descriptor {target}";
        }
        return null;
    }

    private bool IsSpawned(Tracee t) => t.Task != null && spawned.ContainsKey(t.Task.Group);

    /// <summary>The exec of a spawned program failed: its requester hears why; the rest of the kernel is untouched.</summary>
    private void FailSpawnedExec(Tracee t)
    {
        t.LoadRegs();
        var e = (Errno)(-(long)t.Regs.rax);
        if (spawned.Remove(t.Task!.Group, out SpawnRequest? request))
            request.Failed?.Invoke(e, $"{request.Path}: {ErrnoNames.Message(e)}");
        Tmds.Linux.LibC.kill(t.HostTid, Signals.SIGKILL);
        Resume(t, 0);
    }

    /// <summary>Init is gone: the spare goes too, and no more programs start.</summary>
    private void DiscardSpare()
    {
        spawner?.Close("the container has ended");
        if (spare != null) Tmds.Linux.LibC.kill(spare.HostTid, Signals.SIGKILL);
    }
}
