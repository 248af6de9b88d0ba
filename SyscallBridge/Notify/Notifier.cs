using System;
using System.Collections.Generic;
using System.Threading;
using UserKernel.Kernel;
using UserKernel.Kernel.Abi;
using UserKernel.Kernel.Syscalls;
using UserKernel.SyscallBridge.Interop;
using Task = UserKernel.Kernel.Tasks.Task;

namespace UserKernel.SyscallBridge.Notify;

/// <summary>
/// Serves the calls the filter sends as seccomp user notifications (the rows with <see cref="StopVia.Notification"/>)
/// on a thread of its own. It takes the kernel's lock for the handler, as the tracer thread does for a ptrace stop,
/// and answers with a value, with a descriptor the kernel opened (SECCOMP_ADDFD_FLAG_SEND installs it and completes
/// the call in one step), or, for work that may block, from a worker thread later. It never answers "continue":
/// the host never runs a notified call with the guest's arguments.
/// <para>
/// The same listener serves the tracer's <see cref="DescriptorInstaller"/> (a filter tree may have only one), whose
/// injected call arrives while the tracer holds the kernel's lock. So the receiving thread never waits for the lock:
/// when it is taken, the notification goes to a second thread that does wait, and the receiver goes on receiving.
/// </para>
/// </summary>
internal sealed class Notifier
{
    private const int MaxBlockingWorks = 256;

    private readonly GuestKernel kernel;
    private readonly int listener;
    private readonly Dictionary<int, NotifiedThread> threads = new();
    // Notifications that found the lock taken, for the second thread; a plain queue under its own monitor (the
    // concurrent collections cost milliseconds of first-use compilation at every start).
    private readonly Queue<Libc.SeccompNotif> waitingForLock = new();
    private bool receiving = true;
    private Thread? waiter; // serves waitingForLock; only the receiving thread starts it
    private int blockingWorks;

    public Notifier(GuestKernel kernel, int listener)
    {
        this.kernel = kernel;
        this.listener = listener;
        Installer = new DescriptorInstaller(listener);
        Libc.NotifSetSyncWakeUp(listener);
    }

    /// <summary>How the tracer installs descriptors in threads it holds at a ptrace stop.</summary>
    public DescriptorInstaller Installer { get; }

    /// <summary>Starts serving; the threads end when the last guest is gone (the listener hangs up).</summary>
    public void Start()
    {
        new Thread(Receive, 256 * 1024) { Name = "userkernel-notify", IsBackground = true }.Start();
    }

    private void Receive()
    {
        while (Libc.WaitForNotification(listener))
        {
            if (Libc.NotifRecv(listener, out Libc.SeccompNotif n) != Errno.OK) continue; // gone before it was read
            if (Installer.TryServe(in n)) continue;
            if (!Monitor.TryEnter(kernel.Lock))
            {
                lock (waitingForLock)
                {
                    waitingForLock.Enqueue(n);
                    Monitor.Pulse(waitingForLock);
                }
                // The second thread starts the first time it is needed: a short run often never finds the lock taken.
                waiter ??= StartWaiter();
                continue;
            }
            try { Serve(in n); }
            finally { Monitor.Exit(kernel.Lock); }
        }
        lock (waitingForLock)
        {
            receiving = false;
            Monitor.Pulse(waitingForLock);
        }
    }

    private Thread StartWaiter()
    {
        var thread = new Thread(ServeWaiting, 256 * 1024) { Name = "userkernel-notify-locked", IsBackground = true };
        thread.Start();
        return thread;
    }

    private void ServeWaiting()
    {
        while (true)
        {
            Libc.SeccompNotif n;
            lock (waitingForLock)
            {
                while (waitingForLock.Count == 0 && receiving) Monitor.Wait(waitingForLock);
                if (!waitingForLock.TryDequeue(out n)) return; // the receiver has stopped and the queue is drained
            }
            lock (kernel.Lock) Serve(in n);
        }
    }

    /// <summary>Handles one notification; the caller holds the kernel's lock (which <see cref="Respond"/> does not need).</summary>
    private void Serve(in Libc.SeccompNotif n)
    {
        Span<ulong> args = stackalloc ulong[6];
        n.CopyArgs(args);
        ulong id = n.id;
        int hostTid = (int)n.pid, nr = n.nr;
        SyscallResult result;
        Task? task = kernel.Pids.ByHost(hostTid);
        if (task == null)
        {
            // Every guest thread is known before it first runs; a stranger gets nothing from the kernel. A thread SIGKILL
            // ended while its call waited here is gone from the table already, and its notification with it.
            if (Libc.NotifIdValid(listener, id))
                Console.Error.WriteLine($"userkernel: kernel bug: a notification from unknown host thread {hostTid} (syscall {nr})");
            result = Errno.ESRCH;
        }
        else
        {
            NotifiedThread thread = ThreadFor(task);
            thread.NotificationId = id;
            result = kernel.Enter(task, thread, nr, args);
        }
        Respond(id, task, result);
    }

    private NotifiedThread ThreadFor(Task task)
    {
        if (!threads.TryGetValue(task.HostTid, out NotifiedThread? thread))
        {
            if (threads.Count >= 4096) threads.Clear(); // exited threads' entries; the live ones come back on their next call
            threads[task.HostTid] = thread = new NotifiedThread(task.HostTid, listener);
        }
        thread.HostTgid = task.Group.HostTgid;
        return thread;
    }

    /// <summary>
    /// Answers a notification. <paramref name="traced"/> says whether the tracer has heard of the result already (a value
    /// the handler returned); otherwise it hears of it here, before the answer lets the caller make its next call.
    /// </summary>
    private void Respond(ulong id, Task? task, SyscallResult result, bool traced = true)
    {
        switch (result.Kind)
        {
            case ResultKind.Value:
                if (!traced && task != null) kernel.Finish(task, result.Value);
                Libc.NotifSend(listener, id, result.Value);
                if (result.Signal != 0 && task != null) kernel.SignalThread(task, result.Signal); // after the answer: see Raising
                return;
            case ResultKind.NewDescriptor:
                // Installed first and answered after the kernel has closed its own descriptor, so the guest's is the
                // last one: its close is the file's last (inotify's IN_CLOSE, a FIFO's end of file) as on Linux. A caller
                // interrupted between the two steps keeps the descriptor in its table and makes its call again.
                int kernelFd = (int)result.Value;
                uint fdFlags = result.CloseOnExec ? (uint)OpenFlags.O_CLOEXEC : 0;
                if (result.KernelMayCloseLast && traced && !kernel.IsTracing)
                {
                    // No one can see which close is the last: install and answer in one step, one wake-up of the caller.
                    // (A trace line must be written before the caller runs on, so a traced run takes the two steps.)
                    Errno sent = Libc.NotifAddFd(listener, id, kernelFd, Libc.SECCOMP_ADDFD_FLAG_SEND, fdFlags, out _);
                    Tmds.Linux.LibC.close(kernelFd);
                    if (sent is not (Errno.OK or Errno.ENOENT)) Libc.NotifSend(listener, id, -(long)sent);
                    return;
                }
                Errno e = Libc.NotifAddFd(listener, id, kernelFd, 0, fdFlags, out int guestFd);
                Tmds.Linux.LibC.close(kernelFd);
                if (task != null) kernel.Finish(task, e == Errno.OK ? guestFd : -(long)e);
                // ENOENT: the caller was interrupted or killed before the install. Anything else (EMFILE past the guest's
                // RLIMIT_NOFILE) is the call's answer.
                if (e != Errno.ENOENT) Libc.NotifSend(listener, id, e == Errno.OK ? guestFd : -(long)e);
                return;
            case ResultKind.Blocking:
                StartBlocking(id, task, result.BlockingWork!);
                return;
            default:
                Console.Error.WriteLine($"userkernel: kernel bug: a notified call asked the host to run it (syscall of host thread {task?.HostTid})");
                Libc.NotifSend(listener, id, -(long)Errno.EIO);
                return;
        }
    }

    /// <summary>Runs work that may block on a worker thread; the caller keeps waiting in its call until it is answered.</summary>
    private void StartBlocking(ulong id, Task? task, BlockingWork work)
    {
        if (Interlocked.Increment(ref blockingWorks) > MaxBlockingWorks)
        {
            Interlocked.Decrement(ref blockingWorks);
            Libc.NotifSend(listener, id, -(long)Errno.EAGAIN);
            return;
        }
        var worker = new Thread(() =>
        {
            try
            {
                SyscallResult done;
                try { done = work(); }
                catch (Exception ex)
                {
                    Console.Error.WriteLine($"userkernel: kernel bug in a blocking call: {ex}");
                    done = Errno.EIO;
                }
                if (done.Kind == ResultKind.Blocking) done = Errno.EIO;
                Respond(id, task, done, traced: false);
            }
            finally { Interlocked.Decrement(ref blockingWorks); }
        }, 256 * 1024)
        { Name = "userkernel-blocking", IsBackground = true };
        worker.Start();
    }
}
