using System;
using System.Collections.Generic;
using System.Threading;
using UserKernel.Kernel;
using UserKernel.Kernel.Abi;
using UserKernel.Kernel.Guest;
using UserKernel.Kernel.Tasks;
using UserKernel.Kernel.Syscalls;
using UserKernel.Kernel.Trace;
using UserKernel.SyscallBridge.Guest;
using UserKernel.SyscallBridge.Interop;
using UserKernel.SyscallBridge.Launch;
using UserKernel.SyscallBridge.Notify;
using Task = UserKernel.Kernel.Tasks.Task;

namespace UserKernel.SyscallBridge.Tracing;

/// <summary>
/// The one tracer thread. Every ptrace call and every waitpid comes from it. It never blocks on guest
/// behaviour: a guest's blocking call (a pipe read, wait4) runs in the guest thread on the host.
/// </summary>
public sealed partial class Tracer : IPtracePlatform, IDisposable
{
    private GuestKernel kernel = null!; // given by RunWith; nothing before it touches the kernel
    private readonly Dictionary<int, Tracee> tracees = new();
    // Children whose first stop came before their parent's fork event: held stopped until it arrives.
    private readonly HashSet<int> earlyChildren = new();
    private DescriptorInstaller? installer;
    private int initHostPid;
    private int exitStatus = -1;
    private string? startError;

    // The hand-over from the caller's thread to the tracer thread (Begin, RunWith, Dispose).
    private readonly object handover = new();
    private Thread thread = null!;
    private bool given, abandoned;
    private string path = "";
    private IReadOnlyList<string> argv = [], envp = [];
    private Exception? failure;
    private int runStatus;

    private Tracer(GuestSpawner? spawner)
    {
        this.spawner = spawner;
    }

    /// <summary>
    /// Runs a guest command to completion on a dedicated thread and returns its exit status
    /// (the code, or 128 + the signal that killed it). Throws <see cref="GuestStartException"/> when the
    /// guest cannot be started or its first program cannot be executed.
    /// </summary>
    /// With a <paramref name="spawner"/>, more programs can be started beside init while it runs.
    public static int Run(GuestKernel kernel, string path, IReadOnlyList<string> argv, IReadOnlyList<string> envp, GuestSpawner? spawner = null)
    {
        using Tracer tracer = Begin(kernel.StubHostPath, kernel.HostFiles.EmptyRoot(), kernel.Options.Network == NetworkMode.None, spawner);
        return tracer.RunWith(kernel, path, argv, envp);
    }

    /// <summary>
    /// Starts the tracer thread and, on it, the guests' first process before there is a kernel: the stub is spawned,
    /// seized and moved into its namespaces while the caller opens the image and makes the kernel
    /// (<see cref="RunWith"/> hands it over). Nothing of the guest's runs before that. <paramref name="stubPath"/> and <paramref name="emptyRoot"/> are the kernel's
    /// (<see cref="Kernel.Vfs.HostFiles.MakeEarly"/>, <see cref="Kernel.Vfs.HostFiles.EmptyRoot"/>); <paramref name="newNetwork"/>
    /// is whether the guests get a network namespace of their own. Disposing a tracer never run kills the stub.
    /// </summary>
    public static Tracer Begin(string stubPath, string emptyRoot, bool newNetwork, GuestSpawner? spawner = null)
    {
        var tracer = new Tracer(spawner);
        tracer.thread = new Thread(() => tracer.OnTracerThread(stubPath, emptyRoot, newNetwork), 16 * 1024 * 1024) { Name = "userkernel-tracer" };
        tracer.thread.Start();
        return tracer;
    }

    /// <summary>
    /// Gives the tracer its kernel and runs the guest command to completion: its exit status (the code, or 128 + the signal
    /// that killed it). Throws <see cref="GuestStartException"/> when the guest cannot be started or its first program
    /// cannot be executed.
    /// </summary>
    public int RunWith(GuestKernel kernel, string path, IReadOnlyList<string> argv, IReadOnlyList<string> envp)
    {
        lock (handover)
        {
            this.kernel = kernel;
            this.path = path;
            this.argv = argv;
            this.envp = envp;
            given = true;
            Monitor.Pulse(handover);
        }
        thread.Join();
        if (failure != null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(failure).Throw();
        return runStatus;
    }

    /// <summary>Ends the tracer thread: a tracer never run kills and reaps the stub it started.</summary>
    public void Dispose()
    {
        lock (handover)
        {
            if (!given) abandoned = true;
            Monitor.Pulse(handover);
        }
        thread.Join();
    }

    private void OnTracerThread(string stubPath, string emptyRoot, bool newNetwork)
    {
        try
        {
            StartupProfile.Mark("tracer thread started");
            (Tracee init, bool namespaces, int diagSocket) = GuestLauncher.Start(stubPath, emptyRoot, newNetwork);
            lock (handover)
            {
                while (!given && !abandoned) Monitor.Wait(handover);
            }
            if (!given)
            {
                GuestLauncher.Discard(init);
                if (diagSocket >= 0) Tmds.Linux.LibC.close(diagSocket);
                return;
            }
            runStatus = RunOnThisThread(init, namespaces, diagSocket);
        }
        catch (Exception ex) { failure = ex; }
    }

    private int RunOnThisThread(Tracee init, bool namespaces, int diagSocket)
    {
        StartupProfile.Mark("the kernel handed over");
        // The filter comes from the table as the kernel left it: an extension's rows are in it only once the kernel is made.
        int listener = GuestLauncher.Filter(init);
        ContentStoreMount.Prepare(kernel.Store, kernel.HostFiles.KernelDirectory(), kernel.Options.DiskSize);
        StartupProfile.Mark("content store mounted");
        kernel.Ipc.GuestsHaveOwnNamespace = namespaces;
        if (diagSocket >= 0) kernel.Peers.DiagSocket = diagSocket;
        var notifier = new Notifier(kernel, listener);
        notifier.Start();
        StartupProfile.Mark("notifier started");
        installer = notifier.Installer;
        kernel.PtracePlatform = this;
        kernel.Platform = HostPlatform.Instance;
        init.Installer = installer;
        initHostPid = init.HostTid;
        tracees[init.HostTid] = init;
        if (!kernel.StartInit(init.HostTid).TryGet(out Task? task, out Errno e))
        {
            Tmds.Linux.LibC.kill(initHostPid, Signals.SIGKILL);
            Drain();
            throw new GuestStartException($"working directory {kernel.Options.WorkingDirectory}: {ErrnoNames.Message(e)}");
        }
        init.Task = task;
        if (spawner != null) MakeSpare(init);
        using (Terminal.GiveTo(initHostPid))
        {
            GuestLauncher.BeginExec(init, path, argv, envp);
            StartupProfile.Mark("init registered, its exec begun");
            Loop();
        }
        spawner?.Close("the container has ended");
        if (startError != null) throw new GuestStartException(startError);
        return exitStatus < 0 ? 125 : exitStatus;
    }

    private void Loop()
    {
        while (true)
        {
            int tid = Libc.WaitPid(-1, out int status, Libc.__WALL, out Errno error);
            if (tid < 0)
            {
                if (error == Errno.EINTR) continue;
                return; // ECHILD: every guest is gone
            }
            PtraceStop stop = PtraceStop.Decode(status);
            lock (kernel.Lock)
            {
                if (stop.Kind == StopKind.Exec) TakeOverLeader(tid);
                if (tid == spare?.HostTid)
                {
                    OnSpareStop(stop);
                    continue;
                }
                if (!tracees.TryGetValue(tid, out Tracee? tracee))
                {
                    if (stop.Kind == StopKind.ExitEvent)
                    {
                        // A child its parent's death kept from being announced (a fatal signal stops no one for the
                        // clone event) is dying too: it inherited the exit event of a thread a guest traces. Let it go.
                        earlyChildren.Remove(tid);
                        Libc.Ptrace(Libc.PTRACE_CONT, tid, 0, 0);
                    }
                    else if (stop.Kind is not (StopKind.Exited or StopKind.Killed)) earlyChildren.Add(tid);
                    else earlyChildren.Remove(tid); // a reaped orphan we never knew
                    continue;
                }
                Handle(tracee, stop);
            }
        }
    }

    private void Handle(Tracee t, PtraceStop stop)
    {
        switch (stop.Kind)
        {
            case StopKind.Exited or StopKind.Killed:
                OnExit(t, stop);
                return;
            case StopKind.SeccompStop:
                OnSeccompStop(t);
                return;
            case StopKind.SyscallExit when !t.InSyscall:
                OnSyscallEntry(t);
                return;
            case StopKind.SyscallExit:
                OnSyscallExit(t);
                return;
            case StopKind.Fork or StopKind.Vfork or StopKind.Clone:
                // Killed since the event: its exit event comes next. A child it made is left to the end of the run.
                if (!t.TryEventMessage(out ulong childTid)) return;
                Task child = OnClone(t, (int)childTid, stop.Kind);
                if (!GuestForkEvent(t, child, stop.Kind)) Resume(t, 0);
                return;
            case StopKind.ExitEvent:
                if (!GuestExitEvent(t)) Resume(t, 0);
                return;
            case StopKind.VforkDone:
                if (!GuestVforkDone(t)) Resume(t, 0);
                return;
            case StopKind.Exec when t.WantsSyscallExit && t.Task is { Ptrace: null, PendingExec: not null }:
                // The host's exec of the stub is past its point of no return: the loader runs now, not at the call's
                // exit, which saves a stop an exec. (A guest tracer's exec stops keep the exit, which they report.)
                OnSyscallExit(t, atExecEvent: true);
                return;
            case StopKind.Exec:
                Resume(t, 0);
                return;
            case StopKind.EventStop when t.AwaitingFirstStop:
                StartChild(t);
                return;
            case StopKind.GroupStop:
                if (GuestGroupStop(t, stop.Signal)) return;
                // Stay stopped until SIGCONT, as job control expects, yet keep reporting events.
                Libc.Ptrace(Libc.PTRACE_LISTEN, t.HostTid, 0, 0);
                return;
            case StopKind.EventStop:
                if (!GuestInterruptStop(t)) Resume(t, 0);
                return;
            case StopKind.SignalDelivery when t.StartingInit && stop.Signal == Signals.SIGTRAP && IsSpawned(t):
                FailSpawnedExec(t);
                return;
            case StopKind.SignalDelivery when t.StartingInit && stop.Signal == Signals.SIGTRAP:
                FailInitialExec(t);
                return;
            case StopKind.SignalDelivery:
                TranslateSignalInfo(t);
                if (!GuestSignalStop(t, stop.Signal)) Resume(t, stop.Signal);
                return;
            default:
                Console.Error.WriteLine($"userkernel: kernel bug: unexpected stop {stop} of host thread {t.HostTid}");
                Resume(t, 0);
                return;
        }
    }

    private void OnSeccompStop(Tracee t)
    {
        if (t.LoadRegs() != Errno.OK) return; // killed meanwhile; its exit will be reported
        t.InSyscall = true;
        ref UserRegs r = ref t.Regs;
        Span<ulong> args = [r.rdi, r.rsi, r.rdx, r.r10, r.r8, r.r9];
        SyscallResult result = kernel.Enter(t.Task!, t, (int)r.orig_rax, args);
        SyscallContext ctx = t.Task!.Context;
        if (result.Kind is ResultKind.NewDescriptor or ResultKind.Blocking) result = Complete(t, result);
        if (result.Kind == ResultKind.Reissue)
        {
            // Back to the syscall instruction (two bytes), as the rewritten call; skipped now if still pending.
            r.orig_rax = ulong.MaxValue;
            r.rip -= 2;
            r.rax = (ulong)ctx.CurrentNumber;
            r.rdi = ctx.Current[0]; r.rsi = ctx.Current[1]; r.rdx = ctx.Current[2];
            r.r10 = ctx.Current[3]; r.r8 = ctx.Current[4]; r.r9 = ctx.Current[5];
            t.StoreRegs();
            t.WantsSyscallExit = false;
            // The reissued call stops afresh; the host must report no exit, nor an entry, of the skipped one.
            t.InSyscall = false;
            // A signal that came during the handler's injected calls is pending again, for the reissued call to meet.
            if (t.DeferredSignal != 0) kernel.SignalThread(t.Task!, t.DeferredSignal);
            t.DeferredSignal = 0;
            if (t.ExitEventPending) Resume(t, 0);
            else if (t.Task.Ptrace == null || !LeftItsStop(t)) Libc.Ptrace(Libc.PTRACE_CONT, t.HostTid, 0, 0);
            return;
        }
        else if (!result.IsRunOnHost)
        {
            r.orig_rax = ulong.MaxValue; // skip the host call
            r.rax = (ulong)result.Value;
            t.StoreRegs();
            t.WantsSyscallExit = false;
            t.KernelAnswered = true;
            if (result.Signal != 0) kernel.SignalThread(t.Task!, result.Signal); // pending as the skipped call returns
        }
        else
        {
            if (ctx.Rewritten)
            {
                r.orig_rax = (ulong)ctx.CurrentNumber;
                r.rdi = ctx.Current[0]; r.rsi = ctx.Current[1]; r.rdx = ctx.Current[2];
                r.r10 = ctx.Current[3]; r.r8 = ctx.Current[4]; r.r9 = ctx.Current[5];
                t.StoreRegs();
            }
            t.WantsSyscallExit = ctx.NeedsExitStop;
        }
        Resume(t, 0);
    }

    /// <summary>
    /// A ptrace-stopped call whose answer is a descriptor the kernel opened: it is installed through the installer's
    /// notification. Blocking work has no place at a ptrace stop, where it would stop the tracer.
    /// </summary>
    private SyscallResult Complete(Tracee t, SyscallResult result)
    {
        if (result.Kind == ResultKind.Blocking)
        {
            Console.Error.WriteLine($"userkernel: kernel bug: blocking work at a ptrace stop of host thread {t.HostTid}");
            return Errno.EIO;
        }
        int kernelFd = (int)result.Value;
        long guestFd = t.InstallDescriptor(kernelFd, result.CloseOnExec);
        Tmds.Linux.LibC.close(kernelFd);
        kernel.Finish(t.Task!, guestFd);
        return guestFd;
    }

    private void OnSyscallExit(Tracee t, bool atExecEvent = false)
    {
        t.InSyscall = false;
        if (!t.WantsSyscallExit)
        {
            // Only a guest tracer asked for this exit.
            if (!GuestSyscallExit(t, execed: false)) Resume(t, 0);
            return;
        }
        t.WantsSyscallExit = false;
        if (t.LoadRegs() != Errno.OK) return;
        Task task = t.Task!;
        // At the exec event the call has succeeded: the host writes its 0 into rax as the thread leaves the call.
        long rax = atExecEvent ? 0 : (long)t.Regs.rax;
        ExitOutcome outcome = kernel.Exit(task, t, rax);
        long result = outcome.Result;
        if (outcome.Kill)
        {
            Tmds.Linux.LibC.kill(t.HostTid, Signals.SIGKILL);
            Resume(t, 0);
            return;
        }
        bool execed = outcome.Execed;
        if (execed)
        {
            if (t.StartingInit && t.HostTid == initHostPid) StartupProfile.Mark("init's first exec done");
            if (t.StartingInit) OnSpawnedExec(t);
            t.StartingInit = false;
        }
        else if (task.Context.Rewritten || result != rax)
        {
            // The host preserves the argument registers across a call and the guest's compiler relies on it:
            // the guest gets back what it passed, not the kernel's rewriting.
            if (task.Context.Rewritten) RestoreOriginalArguments(ref t.Regs, task.Context);
            if (!IsRestart(rax) || IsRestart(result)) t.Regs.rax = (ulong)result;
            t.StoreRegs();
        }
        int deferred = t.DeferredSignal;
        t.DeferredSignal = 0;
        if (task.Ptrace != null && !t.ExitEventPending)
        {
            // A signal held back during an injected call comes as a signal the guest tracer sees stop it.
            if (deferred != 0) kernel.SignalThread(task, deferred);
            if (GuestSyscallExit(t, execed)) return;
            deferred = 0;
        }
        Resume(t, deferred);
    }

    /// <summary>ERESTARTSYS, ERESTARTNOINTR, ERESTARTNOHAND: a signal interrupted the call, which the host may restart.</summary>
    private static bool IsRestart(long rax) => rax is -512 or -513 or -514;

    /// <summary>
    /// Puts the guest's own syscall number and arguments back at a syscall exit. The host also restarts an
    /// interrupted call (<see cref="IsRestart"/>) with the registers as they are then, so the restarted call
    /// stops again and is translated afresh: a wait4 that a SIGCHLD interrupted must not come back with the
    /// host pid taken for a guest pid.
    /// </summary>
    private static void RestoreOriginalArguments(ref UserRegs r, SyscallContext ctx)
    {
        r.orig_rax = (ulong)ctx.Number;
        r.rdi = ctx.Original[0]; r.rsi = ctx.Original[1]; r.rdx = ctx.Original[2];
        r.r10 = ctx.Original[3]; r.r8 = ctx.Original[4]; r.r9 = ctx.Original[5];
    }

    /// <summary>
    /// An exec stop on <paramref name="tid"/>: if a thread other than the leader exec'd, Linux has given it the
    /// leader's tid (ptrace(2), "execve(2) under ptrace"); the event message holds its former tid. The tracee,
    /// its task and its pending exec move to the leader's tid; the leader's death is never reported.
    /// </summary>
    private void TakeOverLeader(int tid)
    {
        // A process of one thread has no other thread that could have exec'd: nothing to ask.
        if (tracees.TryGetValue(tid, out Tracee? leader) && leader.Task is { Group.Threads.Count: 1 } only && only.HostTid == tid) return;
        if (!Tracee.TryEventMessage(tid, out ulong message)) return;
        int former = (int)message;
        if (former == tid || !tracees.Remove(former, out Tracee? execing)) return;
        Tracee moved = execing.MoveTo(tid);
        tracees[tid] = moved;
        if (moved.Task != null) kernel.OnExecByOtherThread(moved.Task);
    }

    private Task OnClone(Tracee parent, int childTid, StopKind kind)
    {
        Task child = kernel.OnClone(parent.Task!, parent, childTid);
        var tracee = new Tracee(childTid) { Task = child, Installer = installer, AwaitingFirstStop = true, ReportsExit = parent.ReportsExit };
        tracees[childTid] = tracee;
        if (parent.Task!.Ptrace != null) kernel.PtraceFollows(parent.Task, child, TraceOption(kind));
        if (earlyChildren.Remove(childTid)) StartChild(tracee);
        return child;
    }

    private void StartChild(Tracee t)
    {
        t.AwaitingFirstStop = false;
        kernel.OnChildStarted(t.Task!, t);
        if (!GuestChildStarted(t)) Resume(t, 0);
    }

    private void OnExit(Tracee t, PtraceStop stop)
    {
        tracees.Remove(t.HostTid);
        string how = stop.Kind == StopKind.Exited ? $"+++ exited with {stop.ExitCode} +++" : $"+++ killed by {Signals.Name(stop.Signal)} +++";
        if (t.Task is { } gone && (gone.Ptrace != null || gone.Group.Tracees != null))
            kernel.PtraceExited(gone, stop.Kind == StopKind.Exited ? stop.ExitCode << 8 : stop.Signal);
        if (t.Task != null) kernel.OnTaskExit(t.Task, how);
        if (t.Task is { Group.Threads.Count: 0 } && spawned.Remove(t.Task.Group, out SpawnRequest? request))
            request.Exited?.Invoke(stop.Kind == StopKind.Exited ? stop.ExitCode : 128 + stop.Signal);
        if (t.HostTid != initHostPid) return;

        exitStatus = stop.Kind == StopKind.Exited ? stop.ExitCode : 128 + stop.Signal;
        StartupProfile.Mark("init exited");
        // Like the end of a pid namespace's init: every other guest process goes too.
        foreach (int tid in tracees.Keys) Tmds.Linux.LibC.kill(tid, Signals.SIGKILL);
        foreach (int tid in earlyChildren) Tmds.Linux.LibC.kill(tid, Signals.SIGKILL);
        DiscardSpare();
    }

    private void FailInitialExec(Tracee t)
    {
        t.LoadRegs();
        var e = (Errno)(-(long)t.Regs.rax);
        startError = ErrnoNames.Message(e);
        exitStatus = e == Errno.ENOENT ? 127 : 126;
        Tmds.Linux.LibC.kill(t.HostTid, Signals.SIGKILL);
        Resume(t, 0);
    }

    /// <summary>The sender's pid in a siginfo (kill, SIGCHLD) is a host pid: the guest is given its guest pid.</summary>
    private void TranslateSignalInfo(Tracee t)
    {
        Span<byte> info = stackalloc byte[128];
        if (Libc.Transfer(Libc.PTRACE_GETSIGINFO, t.HostTid, 0, info) != Errno.OK) return;
        if (kernel.TranslateSignalInfo(t.Task!, info)) Libc.Transfer(Libc.PTRACE_SETSIGINFO, t.HostTid, 0, info);
    }

    private void Resume(Tracee t, int signal)
    {
        if (t.ExitEventPending)
        {
            // Killed while the kernel ran a call in it: its exit event is what comes now, for its guest tracer to see.
            t.ExitEventPending = false;
            if (!GuestExitEvent(t)) Libc.Ptrace(Libc.PTRACE_CONT, t.HostTid, 0, 0);
            return;
        }
        int request = t.WantsSyscallExit ? Libc.PTRACE_SYSCALL : Libc.PTRACE_CONT;
        if (t.Task?.Ptrace is { } link)
        {
            if (LeftItsStop(t)) return;
            request = GuestResumeRequest(link, request);
        }
        // Resumed otherwise, the host reports no exit of the call the thread is in.
        t.InSyscall &= request == Libc.PTRACE_SYSCALL;
        Libc.Ptrace(request, t.HostTid, 0, signal);
    }

    /// <summary>
    /// A stop handled after SIGKILL (a group exit, another thread's core dump) woke the thread from it finds the thread out
    /// of it: on its way out (a ptrace request fails), or stopped again at its exit event, which a resume now would resume
    /// unseen by the thread's guest tracer. Left alone, the next wait reports the exit event. Asking first whether the
    /// thread is still stopped at all keeps the gap between the last question and the resume to a thread killed within it.
    /// </summary>
    private static bool LeftItsStop(Tracee t) =>
        t.ReportsExit && (!Libc.TryGetEventMessage(t.HostTid, out _) || Libc.HasUnreportedStop(t.HostTid));

    private void Drain()
    {
        while (Libc.WaitPid(-1, out _, Libc.__WALL, out Errno e) >= 0 || e == Errno.EINTR) { }
    }
}
