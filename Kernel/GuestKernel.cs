using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using UserKernel.Kernel.Abi;
using UserKernel.Kernel.Filesystems.Dev;
using UserKernel.Kernel.Filesystems.Proc;
using UserKernel.Kernel.Guest;
using UserKernel.Kernel.Loader;
using UserKernel.Kernel.Syscalls;
using UserKernel.Kernel.Tasks;
using UserKernel.Kernel.Trace;
using UserKernel.Kernel.Vfs;
using Task = UserKernel.Kernel.Tasks.Task;

namespace UserKernel.Kernel;

/// <summary>The guest's network: --net host (sockets are the host's) or --net none.</summary>
public enum NetworkMode
{
    Host,
    None,
}

/// <summary>What the guest is started with.</summary>
public sealed record KernelOptions
{
    public string Hostname { get; init; } = "userkernel";
    public string WorkingDirectory { get; init; } = "/";
    public Credentials Credentials { get; init; } = Credentials.Root;
    public KernelTrace? Trace { get; init; }

    /// <summary>The guest's network (--net): the host's, or none (AF_UNIX sockets only).</summary>
    public NetworkMode Network { get; init; } = NetworkMode.Host;

    /// <summary>The most guest tasks (threads included) that may exist at once (--pids-limit); past it fork and clone fail with EAGAIN.</summary>
    public int PidsLimit { get; init; } = DefaultPidsLimit;

    /// <summary>As a container engine's default pids limit: room for any build, none for a fork bomb to take the host's.</summary>
    public const int DefaultPidsLimit = 4096;

    /// <summary>Where writable file bytes go: the overlay's store, which the tmpfs mounts share (a fresh directory if not given).</summary>
    public ContentStore? Store { get; init; }

    /// <summary>The size of the store (--disk-size), for the platform to give it a filesystem of; null for the default.</summary>
    public long? DiskSize { get; init; }

    /// <summary>The store's size without --disk-size: on disk 8 GiB (sparse), in memory at most half of it.</summary>
    public const long DefaultDiskSize = 8L << 30;

    /// <summary>Whether a writable root gets a tmpfs on /tmp (as a booted distribution has; a container's /tmp is its root's).</summary>
    public bool TmpfsOnTmp { get; init; } = true;

    /// <summary>Resource limits (resource number, soft, hard) the first guest process starts with, as a container's config gives them.</summary>
    public IReadOnlyList<(int Resource, ulong Soft, ulong Hard)> InitLimits { get; init; } = [];

    /// <summary>The extensions (--extension) to register before the first guest starts.</summary>
    public IReadOnlyList<Extensions.LoadedExtension> Extensions { get; init; } = [];

    /// <summary>
    /// The kernel's host files, when they were made before it: the run starts its first process from them while the
    /// kernel is made. With <see cref="StubObject"/>, the stub's memfd they made (<see cref="HostFiles.MakeEarly"/>).
    /// </summary>
    public HostFiles? HostFiles { get; init; }

    /// <summary>The path of the stub's memfd that <see cref="HostFiles"/> made before the kernel, or null.</summary>
    public string? StubObject { get; init; }

    /// <summary>Syscall names whose handler calls Debugger.Break() (--break-on).</summary>
    public IReadOnlySet<string> BreakOn { get; init; } = new HashSet<string>();
}

/// <summary>
/// The managed kernel: the guest's mounts, processes and identity, and the dispatcher that hands each
/// stopped syscall to its handler. It never touches ptrace; the platform calls <see cref="Enter"/> at a
/// syscall stop and <see cref="Exit"/> when a call the kernel let the host run comes back.
/// </summary>
public sealed partial class GuestKernel : IDisposable
{
    private const int NR_close = (int)Sysno.close;
    private readonly KernelTrace? trace;
    private bool breakHintShown;

    public GuestKernel(SuperBlock root, KernelOptions options)
    {
        Options = options;
        Store = options.Store ?? (ownStore = new ContentStore());
        trace = options.Trace;
        Mounts = new MountTable(root);
        Walk = new PathWalk(Mounts);
        HostFiles = options.HostFiles ?? new HostFiles();
        UnixSockets = new UnixSocketNames(HostFiles, options.Network);
        Fsnotify = new Vfs.Notify.Fsnotify(HostFiles, Store);
        Namei = new Namei(Mounts, Walk, Fsnotify, program => Pids.IsRunning(program, Platform), HeldDentries);
        UtsName.Nodename = options.Hostname;
        UtsName.Release = ReadHostFile("/proc/sys/kernel/osrelease") ?? UtsName.Release;
        UtsName.Version = ReadHostFile("/proc/sys/kernel/version") ?? UtsName.Version;

        // The terminal the kernel was started on is the guests' too.
        for (int fd = 0; fd < 3; fd++) Terminals.Allow(fd);
        Registry = Extensions.KernelRegistry.Build(options.Extensions);
        Devices = new Extensions.DeviceServer(Lock, (owner, where, ex) => ReportFault(owner, where, ex), HostFiles.Forget);
        var kernelFiles = new DevSuperBlock(SuperBlock.MakeDev(0, 2), Terminals);
        StubDentry = new Dentry(StubName, null, new MemoryInode(kernelFiles, 1, StubProgram.Build(), Abi.FileMode.S_IFREG | 0x16D));
        if (options.StubObject is { } early) HostFiles.Adopt(StubDentry, early);
        else HostFiles.Pin(StubDentry);
        // The built-in filesystems, mounted as any registered type is; where the image has the directory.
        foreach ((string type, string at, uint minor) in new[] { ("devtmpfs", "/dev", 5u), ("proc", "/proc", 21u), ("sysfs", "/sys", 20u) })
            if (Walk.Resolve(Credentials.Root, Mounts.Root, at, true).TryGet(out Dentry? dir, out _) && dir.Inode.IsDirectory)
                MountFilesystem(type, dir, "none", "", Credentials.Root, device: SuperBlock.MakeDev(0, minor));
        HostFiles.GuestDescriptors = () => System.Linq.Enumerable.Select(Pids.All, t => Platform.ViewOf(t).Descriptors);
        // A writable root gets a tmpfs on /tmp and /dev/shm, as a booted distribution has.
        uint tmpfsMinor = 0x32;
        foreach (string tmp in root.ReadOnly ? [] : options.TmpfsOnTmp ? ["/tmp", "/dev/shm"] : new[] { "/dev/shm" })
            if (Walk.Resolve(Credentials.Root, Mounts.Root, tmp, true).TryGet(out Dentry? dir, out _) && dir.Inode.IsDirectory)
                MountFilesystem("tmpfs", dir, "tmpfs", "", Credentials.Root, device: SuperBlock.MakeDev(0, tmpfsMinor++));
    }

    /// <summary>The filesystem types, devices and extension syscalls this kernel has.</summary>
    public Extensions.KernelRegistry Registry { get; }

    /// <summary>The opens of the kernel's own character devices.</summary>
    public Extensions.DeviceServer Devices { get; }

    /// <summary>
    /// How the kernel sees any guest task it holds, stopped or not (/proc/PID): set by the platform that runs the guests;
    /// until then every task looks as one that has gone.
    /// </summary>
    public IGuestPlatform Platform { get; set; } = UnseenGuests.Instance;

    private uint nextMountMinor = 0x80;

    /// <summary>
    /// mount(2) and --mount: a new instance of filesystem type <paramref name="typeName"/> over the directory
    /// <paramref name="at"/>, read-only with the option "ro". ENODEV for a type the kernel does not have, ENOTDIR, the
    /// type's own errors, EIO if an extension's code threw.
    /// </summary>
    public Errno MountFilesystem(string typeName, Dentry at, string source, string options, Credentials who,
        bool byGuest = false, Dentry? cwd = null, Dentry? root = null, ulong? device = null)
    {
        if (Registry.FindFilesystem(typeName) is not { } type) return Errno.ENODEV;
        if (!at.Inode.IsDirectory) return Errno.ENOTDIR;
        var request = new Extensions.MountRequest(this, device ?? SuperBlock.MakeDev(0, nextMountMinor++), source, options, byGuest, who, cwd, root);
        Result<SuperBlock> made;
        try { made = type.Mount(request); }
        catch (Exception ex)
        {
            ReportFault(Registry.ExtensionOf(ex) ?? Registry.OwnerOfFilesystem(typeName) ?? "kernel", "mount -t " + typeName, ex);
            return Errno.EIO;
        }
        if (!made.TryGet(out SuperBlock? superBlock, out Errno e)) return e;
        bool readOnly = false;
        foreach ((string name, _) in request.ParsedOptions)
            readOnly = name == "ro" || (readOnly && name != "rw"); // the last of "ro" and "rw" holds
        Mounts.Mount(at, superBlock, readOnly);
        return Errno.OK;
    }

    /// <summary>
    /// An extension's code (or the kernel's) threw: one line on stderr naming who and where, so a run shows it and goes on.
    /// Returns the line's text for the trace.
    /// </summary>
    public string ReportFault(string owner, string where, Exception ex)
    {
        string frame = new System.Diagnostics.StackTrace(ex, true).GetFrame(0) is { } f && f.GetFileName() is { } file
            ? $" at {System.IO.Path.GetFileName(file)}:{f.GetFileLineNumber()}" : "";
        string text = $"{ex.GetType().Name}: {ex.Message}{frame}";
        Console.Error.WriteLine(owner == "kernel"
            ? $"userkernel: kernel bug in {where}: {ex}"
            : $"userkernel: extension {owner} failed in {where}: {text}");
        return owner == "kernel" ? "kernel bug: " + text : $"extension {owner}: {text}";
    }

    public KernelOptions Options { get; }

    /// <summary>Where the bytes of the guest's writable files live (the overlay's, every tmpfs's).</summary>
    public ContentStore Store { get; }

    private readonly ContentStore? ownStore;

    /// <summary>
    /// Held while a syscall is handled: by the tracer thread for a ptrace stop, by the notification thread for a
    /// notified call. Everything the kernel keeps (the VFS, the process table) is touched only under it.
    /// </summary>
    public object Lock { get; } = new();

    public MountTable Mounts { get; }
    public PathWalk Walk { get; }

    /// <summary>The path operations (open, mkdir, unlink, rename, chmod...) the syscall handlers call.</summary>
    public Namei Namei { get; }

    /// <summary>The dentries the kernel holds, which a rename must move: every open file's and every working directory.</summary>
    private IEnumerable<Dentry> HeldDentries()
    {
        foreach (Dentry d in HostFiles.HeldDentries) yield return d;
        foreach (Task t in Pids.All) yield return t.Group.Fs.Cwd;
    }
    public HostFiles HostFiles { get; }

    /// <summary>inotify: the host objects guests watch, and the hooks that raise events on them.</summary>
    public Vfs.Notify.Fsnotify Fsnotify { get; }

    /// <summary>Which host socket each Unix socket name of the guest's VFS stands for.</summary>
    public UnixSocketNames UnixSockets { get; }
    public PidTable Pids { get; } = new();

    /// <summary>Whom the kernel connected Unix sockets for, so SO_PEERCRED names the guest, not the kernel.</summary>
    public Net.PeerCredentials Peers { get; } = new();

    /// <summary>
    /// Set once a guest has asked for SO_PASSCRED: from then on received messages stop at their exit so the
    /// SCM_CREDENTIALS the host wrote name guests, and the kernel's sends carry the guest they are for.
    /// </summary>
    public bool CredentialsPassed { get; set; }

    /// <summary>The System V IPC objects the run made, which are all its guests can reach.</summary>
    public IpcObjects Ipc { get; } = new();
    public UtsName UtsName { get; } = new();

    /// <summary>The stub program every guest process is started as (see <see cref="StubProgram"/>).</summary>
    public Dentry StubDentry { get; }

    /// <summary>The stub's name, which its memfd, and so the host's name of a process running it, takes.</summary>
    public const string StubName = "userkernel-stub";

    /// <summary>The host path the platform spawns the first process from.</summary>
    public string StubHostPath => HostFiles.PathFor(StubDentry).Value;

    /// <summary>The task whose syscall is being handled (who /proc/self is).</summary>
    public Task? CurrentTask { get; private set; }

    private readonly HashSet<Task> clonesUnderWay = new();

    /// <summary>Forks and clones a handler let run whose child has not appeared yet: they count against --pids-limit.</summary>
    public int ClonesUnderWay => clonesUnderWay.Count;

    /// <summary>A fork or clone of <paramref name="parent"/> is about to run on the host.</summary>
    public void CloneStarting(Task parent) => clonesUnderWay.Add(parent);

    /// <summary>The host pseudo-terminals guests may open by name.</summary>
    public GuestTerminals Terminals { get; } = new();

    /// <summary>The first guest process, pid 1.</summary>
    public ThreadGroup? Init { get; private set; }

    public int MountIdOf(SuperBlock sb)
    {
        for (int i = 0; i < Mounts.Mounts.Count; i++)
            if (Mounts.Mounts[i].SuperBlock == sb) return i + 1;
        return 0;
    }

    /// <summary>Registers the first guest process. ENOENT/ENOTDIR if the working directory does not resolve.</summary>
    public Result<Task> StartInit(int hostPid)
    {
        if (!StartProcess(hostPid, Options.Credentials, Options.WorkingDirectory, Options.InitLimits).TryGet(out Task? task, out Errno e)) return e;
        Init = task.Group;
        return task;
    }

    /// <summary>
    /// Registers a guest process the kernel started itself, with no guest parent: init, or a program started beside it
    /// (an OCI runtime's exec). ENOENT/ENOTDIR if the working directory does not resolve.
    /// </summary>
    public Result<Task> StartProcess(int hostPid, Credentials credentials, string workingDirectory,
        IReadOnlyList<(int Resource, ulong Soft, ulong Hard)> limits)
    {
        if (!Walk.Resolve(Credentials.Root, Mounts.Root, workingDirectory, true).TryGet(out Dentry? cwd, out Errno e)) return e;
        if (!cwd.Inode.IsDirectory) return Errno.ENOTDIR;
        var group = new ThreadGroup(Pids.AllocatePid(), hostPid, null, new FsContext(Mounts.Root, cwd, 0x12 /* 022 */), credentials);
        IGuestTaskView process = Platform.ViewOf(group);
        group.Fs.Umask = HostProcesses.UmaskOf(process) ?? group.Fs.Umask; // the one it was started with
        HostProcesses.GiveStartingOpenFilesLimit(process);
        foreach (var (resource, soft, hard) in limits)
            process.SetLimit(resource, new Rlimit { rlim_cur = soft, rlim_max = hard });
        var task = new Task(group.Tgid, hostPid, group);
        group.Threads.Add(task);
        Pids.Add(task);
        return task;
    }

    /// <summary>
    /// A fork/clone of <paramref name="parent"/> produced host thread <paramref name="childHostTid"/> (the
    /// parent's clone event; the child has not run yet). The host wrote the host tid where CLONE_PARENT_SETTID
    /// asked; the guest finds its guest tid there.
    /// </summary>
    public Task OnClone(Task parent, IGuestThread parentThread, int childHostTid)
    {
        CloneRequest request = parent.PendingClone ?? new CloneRequest(17, 0);
        clonesUnderWay.Remove(parent);
        parent.PendingClone = null;
        const ulong CLONE_THREAD = 0x10000, CLONE_PARENT = 0x8000, CLONE_FS = 0x200;
        ThreadGroup group;
        if ((request.Flags & CLONE_THREAD) != 0) group = parent.Group;
        else
        {
            ThreadGroup? guestParent = (request.Flags & CLONE_PARENT) != 0 ? parent.Group.Parent : parent.Group;
            // CLONE_FS shares the working directory, root and umask; a fork copies them.
            FsContext fs = (request.Flags & CLONE_FS) != 0 ? parent.Group.Fs : parent.Group.Fs.Copy();
            group = new ThreadGroup(Pids.AllocatePid(), childHostTid, guestParent, fs, parent.Group.Credentials)
            {
                Executable = parent.Group.Executable,
                Comm = parent.Group.Comm,
                OomScoreAdj = new(parent.Group.OomScoreAdj.Value),
                ArgumentArea = parent.Group.ArgumentArea,
                EnvironmentArea = parent.Group.EnvironmentArea,
            };
        }
        int tid = (request.Flags & CLONE_THREAD) != 0 ? Pids.AllocatePid() : group.Tgid;
        var child = new Task(tid, childHostTid, group) { PendingClone = request };
        group.Threads.Add(child);
        Pids.Add(child);
        if (request.ParentTidAddress != 0) parentThread.Memory.WriteInt32(new GuestPtr(request.ParentTidAddress), tid);
        trace?.TaskEvent(new TaskEvent(KernelTrace.Now, TaskEventKind.Fork, parent.Group.Tgid, parent.Tid, group.Comm) { ChildPid = group.Tgid, ChildTid = tid });
        return child;
    }

    /// <summary>
    /// A thread that is not its process's leader has exec'd: Linux has ended the other threads and given it
    /// the leader's tid, on the host and in the guest. The old leader is gone without an exit report; the
    /// other threads' exits are reported on their own.
    /// </summary>
    public void OnExecByOtherThread(Task execing)
    {
        ThreadGroup group = execing.Group;
        if (execing.Tid == group.Tgid) return;
        Task? leader = group.Threads.Find(t => t.Tid == group.Tgid);
        if (leader != null)
        {
            group.Threads.Remove(leader);
            Pids.Remove(leader);
        }
        Pids.Remove(execing);
        execing.Tid = group.Tgid;
        execing.HostTid = group.HostTgid;
        Pids.Add(execing);
    }

    /// <summary>The child's first stop: write its guest tid where CLONE_CHILD_SETTID asked for it.</summary>
    public void OnChildStarted(Task child, IGuestThread thread)
    {
        if (child.PendingClone is { ChildTidAddress: not 0 } request)
            thread.Memory.WriteInt32(new GuestPtr(request.ChildTidAddress), child.Tid);
        child.PendingClone = null;
    }

    /// <summary>A guest thread is gone. Its process stays in the table until its parent reaps it.</summary>
    public void OnTaskExit(Task task, string how)
    {
        clonesUnderWay.Remove(task);
        trace?.ProcessEvent(task.Tid, "exit", how);
        ThreadGroup group = task.Group;
        group.Threads.Remove(task);
        if (task.Tid != group.Tgid) Pids.Remove(task);
        if (group.Threads.Count > 0) return;
        group.Exited = true;
        group.OomScoreAdj.Dispose();
        List<Task>? zombies = null;
        foreach (Task t in Pids.All)
        {
            if (t.Group.Parent != group) continue;
            t.Group.Parent = NewParentOf(t.Group);
            // A child that had exited already goes to the kernel with the rest, and the host's wait in the tracer reaps it:
            // no guest will.
            if (t.Group.Parent == null && t.Group.Exited) (zombies ??= []).Add(t);
        }
        if (zombies != null) foreach (Task zombie in zombies) Pids.Remove(zombie);
        if (group.Parent == null || group.Parent.Exited) Pids.Remove(task);
    }

    /// <summary>
    /// The parent of an orphan: the host has already re-parented it to the nearest live subreaper among its ancestors
    /// (PR_SET_CHILD_SUBREAPER runs on the host), which is a guest process or else the kernel itself (null: getppid 1).
    /// </summary>
    private ThreadGroup? NewParentOf(ThreadGroup orphan)
    {
        ThreadGroup? parent = Pids.ByHost(HostProcesses.ParentOf(Platform.ViewOf(orphan)))?.Group;
        return parent is { Exited: false } && parent != orphan ? parent : null;
    }

    /// <summary>Whether a tracer wants to hear about signals and syscalls.</summary>
    public bool IsTracing => trace != null;

    /// <summary>Dispatches one syscall stop. The context says how the platform must resume the thread.</summary>
    public SyscallResult Enter(Task task, IGuestThread thread, int number, ReadOnlySpan<ulong> args)
    {
        long allocatedAtEntry = trace != null ? GC.GetAllocatedBytesForCurrentThread() : 0;
        SyscallContext ctx = task.Context;
        CurrentTask = task;
        HostFiles.Trim();
        ctx.Begin(this, thread, number, args);
        SyscallEntry? entry = SyscallTable.Lookup(number);
        if (trace != null)
        {
            if (!ctx.TraceContinues)
            {
                ctx.TraceStart = Stopwatch.GetTimestamp();
                ctx.TraceKernelTicks = 0;
                ctx.TraceAllocatedBytes = 0;
            }
            ctx.TraceContinues = false;
            long beforeFormat = GC.GetAllocatedBytesForCurrentThread();
            ctx.TracedArguments = entry != null ? StraceFormatter.FormatInputs(entry, ctx) : [];
            allocatedAtEntry += GC.GetAllocatedBytesForCurrentThread() - beforeFormat;
        }

        SyscallResult result;
        // A call the kernel's filter lets run stops only when a guest's own filter asked for it (SECCOMP_RET_TRACE): it runs
        // as it would have. That is a passthrough row, or a row that stops only for some arguments, with others.
        if (entry != null && (entry.Disposition == Disposition.Passthrough || entry.StopWhen?.Matches(args) == false))
            result = SyscallResult.RunOnHost;
        else if (entry?.Handler == null || entry.Disposition == Disposition.Unimplemented) result = Errno.ENOSYS;
        else
        {
            if (Options.BreakOn.Count > 0 && Options.BreakOn.Contains(entry.Name)) BreakIntoDebugger(entry.Name, task);
            long handlerStart = trace != null ? Stopwatch.GetTimestamp() : 0;
            try
            {
                result = entry.Handler(ctx);
            }
            catch (Exception ex)
            {
                ctx.Fault = ReportFault(Registry.ExtensionOf(ex) ?? entry.Extension ?? "kernel", $"{entry.Name} (pid {task.Tid})", ex);
                result = Errno.EIO;
            }
            if (trace != null) ctx.TraceKernelTicks += Stopwatch.GetTimestamp() - handlerStart;
        }

        if (trace != null)
        {
            ctx.TraceAllocatedBytes += GC.GetAllocatedBytesForCurrentThread() - allocatedAtEntry;
            // A reissued call (exec) is the guest's one call: traced once, when its second stop ends.
            if (result.Kind == ResultKind.Reissue) ctx.TraceContinues = true;
            if (result.Kind == ResultKind.Value)
                Traced(task, ctx, entry, number, result.Value, entry?.Handler == null || entry.Disposition == Disposition.Unimplemented ? "unimplemented" : "emulated");
            else if (result.IsRunOnHost)
                ctx.TraceExit = true;
        }
        return result;
    }

    /// <summary>
    /// A call whose result the platform completed (a descriptor it installed, blocking work that returned) ended with
    /// <paramref name="result"/>, as the guest sees it: the tracer hears of it now.
    /// </summary>
    public void Finish(Task task, long result)
    {
        if (trace == null) return;
        lock (Lock)
        {
            SyscallContext ctx = task.Context;
            Traced(task, ctx, SyscallTable.Lookup(ctx.Number), ctx.Number, result, "emulated");
        }
    }

    private void Traced(Task task, SyscallContext ctx, SyscallEntry? entry, int number, long result, string disposition)
    {
        string?[] args = ctx.TracedArguments ?? [];
        if (entry != null) StraceFormatter.FormatOutputs(entry, ctx, result, args);
        long ns = (long)Stopwatch.GetElapsedTime(ctx.TraceStart).TotalNanoseconds;
        long kernelNs = (long)(ctx.TraceKernelTicks * (1e9 / Stopwatch.Frequency));
        trace!.Syscall(new TraceEvent(KernelTrace.Now, task.Group.Tgid, task.Tid, number, entry?.Name ?? $"syscall_{number}", args, result, disposition, ns,
            ctx.TraceStart, kernelNs, ctx.TraceAllocatedBytes, entry?.Extension, ctx.Fault));
    }

    /// <summary>--break-on: stop in the debugger just before the handler runs, or say how to get one.</summary>
    private void BreakIntoDebugger(string name, Task task)
    {
        if (Debugger.IsAttached)
        {
            // Step into the handler from here to follow the call (pid {task.Tid}).
            Debugger.Break();
            return;
        }
        if (breakHintShown) return;
        breakHintShown = true;
        Console.Error.WriteLine($"userkernel: --break-on={name}: no debugger is attached; attach one to process {Environment.ProcessId} " +
            "(or start with --wait-for-debugger to wait for it)");
    }

    /// <summary>
    /// A syscall the host ran has returned with <paramref name="rax"/>: runs the handler's exit work, which says what the
    /// guest sees, or that the caller must be killed.
    /// </summary>
    public ExitOutcome Exit(Task task, IGuestThread thread, long rax)
    {
        SyscallContext ctx = task.Context;
        long exitStart = trace != null ? Stopwatch.GetTimestamp() : 0;
        long allocatedAtExit = trace != null ? GC.GetAllocatedBytesForCurrentThread() : 0;
        ExecPlan? exec = trace != null ? task.PendingExec : null;
        if (rax < 0 && clonesUnderWay.Remove(task)) task.PendingClone = null; // the clone failed: no child will come
        task.WaitsForTracees = false;
        ExitOutcome outcome = ctx.ExitWork is { } work ? work(ctx, thread, rax) : rax;

        if (trace != null)
        {
            ctx.TraceKernelTicks += Stopwatch.GetTimestamp() - exitStart;
            ctx.TraceAllocatedBytes += GC.GetAllocatedBytesForCurrentThread() - allocatedAtExit;
            // A helper the host ran in the guest's place (getdents64's lseek) leaves the guest's call emulated.
            Traced(task, ctx, SyscallTable.Lookup(ctx.Number), ctx.Number, outcome.Result, ctx.HelperOnHost ? "emulated" : "forwarded");
            // After the execve it completes, so a thread's events stay in the order they happened.
            if (outcome.Execed && !outcome.Kill && exec != null)
                trace.TaskEvent(new TaskEvent(KernelTrace.Now, TaskEventKind.Exec, task.Group.Tgid, task.Tid, task.Group.Comm) { Path = Names.FromBytes(exec.ExecFn) });
        }
        return outcome;
    }

    /// <summary>
    /// The exit of the host's exec of the stub (<see cref="Sys.Execve"/>): a failed one closes the stub's descriptor and
    /// returns the host's errno; a completed one is checked to run the stub and handed to the loader, or killed.
    /// </summary>
    internal ExitOutcome FinishExec(Task task, IGuestThread thread, long rax)
    {
        ExecPlan? plan = task.PendingExec;
        task.PendingExec = null;
        if (rax != 0)
        {
            if (plan != null && plan.StubGuestFd >= 0) thread.InjectSyscall(NR_close, (ulong)plan.StubGuestFd);
            return rax;
        }
        if (plan == null) return ExitOutcome.Exec;
        if (!HostFiles.IsObjectOf(thread.Executable, StubDentry))
        {
            // A sibling changed the descriptor or the empty name after the kernel's check: the host ran something
            // else. Nothing of it has run yet; it never will.
            Console.Error.WriteLine($"userkernel: guest pid {task.Group.Tgid} raced its own execve to another program; killed");
            return ExitOutcome.Killed(rax);
        }
        Errno e = ElfLoader.Complete(thread, plan, task.Group.Credentials, HostFiles);
        if (e != Errno.OK)
        {
            // A process SIGKILLed as its exec completes (its parent did not wait) loses its memory under the
            // loader: nothing failed that anyone will see.
            if (!thread.IsDying)
                Console.Error.WriteLine($"userkernel: exec of {plan.Program.Path} failed after the point of no return: {ErrnoNames.Name(e)}");
            return ExitOutcome.Killed(0);
        }
        ExecCompleted(task.Group, plan);
        return ExitOutcome.Exec;
    }

    /// <summary>What /proc shows of a process after exec: the program's path, its name (the loader gave the host task the same) and its strings.</summary>
    private static void ExecCompleted(ThreadGroup group, ExecPlan plan)
    {
        group.Executable = plan.Program;
        group.Credentials = group.Credentials.AfterExec();
        group.Comm = Names.FromBytes(plan.Comm);
        // Where the loader put them: read from the stack it built, not back from the guest.
        group.ArgumentArea = plan.Areas.Arguments;
        group.EnvironmentArea = plan.Areas.Environment;
        group.AuxvArea = plan.Areas.Auxv;
    }

    /// <summary>
    /// A signal is about to be delivered to a guest thread: its siginfo names a host pid where the
    /// sender was a process (kill, SIGCHLD); give the guest the sender's guest pid. Returns whether changed.
    /// </summary>
    public bool TranslateSignalInfo(Task task, Span<byte> siginfo)
    {
        if (task.Group.Tracees != null && PtraceNotice(task.Group, siginfo)) return true;
        int signo = System.Buffers.Binary.BinaryPrimitives.ReadInt32LittleEndian(siginfo);
        int code = System.Buffers.Binary.BinaryPrimitives.ReadInt32LittleEndian(siginfo[8..]);
        // SI_QUEUE's si_pid is whatever the sender wrote (sigqueue writes its getpid, a guest pid): Linux passes it on as is.
        bool hasPid = Signals.KernelFillsSiPid(signo, code);
        int hostPid = System.Buffers.Binary.BinaryPrimitives.ReadInt32LittleEndian(siginfo[16..]);
        int guestPid = hasPid ? Pids.ToGuest(hostPid) : 0;
        if (trace != null)
        {
            string codeText = signo == Signals.SIGCHLD && code > 0 ? (code switch { 1 => "CLD_EXITED", 2 => "CLD_KILLED", 3 => "CLD_DUMPED", 4 => "CLD_TRAPPED", 5 => "CLD_STOPPED", _ => "CLD_CONTINUED" })
                : code switch { 0 => "SI_USER", -1 => "SI_QUEUE", -6 => "SI_TKILL", 128 => "SI_KERNEL", _ => code.ToString(System.Globalization.CultureInfo.InvariantCulture) };
            string pidText = hasPid ? $", si_pid={guestPid}" : code == -1 /* SI_QUEUE: as the sender wrote it */ ? $", si_pid={hostPid}" : "";
            trace.ProcessEvent(task.Tid, "signal", $"--- {Signals.Name(signo)} {{si_signo={Signals.Name(signo)}, si_code={codeText}{pidText}}} ---");
        }
        if (!hasPid || hostPid == 0) return false;
        System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(siginfo[16..], guestPid);
        return true;
    }

    /// <summary>
    /// The guest pid of a host pid a call returned; <paramref name="reaps"/>: the call reaped it (wait4, waitid without
    /// WNOWAIT), so an exited process's pid is freed.
    /// </summary>
    internal int GuestPidOfReturned(int hostPid, bool reaps)
    {
        Task? t = Pids.ByHost(hostPid);
        // A process group or session whose leader is gone keeps its id (getpgid, getsid).
        if (t == null) return hostPid == Init?.HostTgid ? 1 : Pids.ToGuest(hostPid);
        if (reaps && t.Group.Exited) Pids.Remove(t);
        return t.Tid;
    }

    /// <summary>A signal to one guest thread from the kernel (the SIGPIPE of a send the kernel made for it).</summary>
    public void SignalThread(Task task, int sig) => Interop.Libc.Tgkill(task.Group.HostTgid, task.HostTid, sig);

    /// <summary>The host process group a guest process is in now; -1 if it is gone.</summary>
    public int HostProcessGroupOf(ThreadGroup group) => HostProcesses.ProcessGroupOf(Platform.ViewOf(group));

    /// <summary>
    /// kill(-pgrp) made by the kernel, one guest process of the host group at a time: to those <paramref name="sender"/> may
    /// signal, and never SIGKILL or SIGSTOP to pid 1, which ignores them. 0 if any member could be signalled, else EPERM
    /// if some could not, else ESRCH, as __kill_pgrp_info answers.
    /// </summary>
    public SyscallResult SignalGroup(ThreadGroup sender, int hostPgrp, int sig)
    {
        bool any = false, refused = false;
        foreach (Task t in Pids.All)
        {
            ThreadGroup g = t.Group;
            if (t.Tid != g.Tgid || g.Exited || HostProcessGroupOf(g) != hostPgrp) continue;
            if (!sender.MaySignal(g, sig, Platform))
            {
                refused = true;
                continue;
            }
            any = true;
            if (sig != 0 && !(g == Init && sig is Signals.SIGKILL or Signals.SIGSTOP)) Tmds.Linux.LibC.kill(g.HostTgid, sig);
        }
        return any ? 0 : refused ? Errno.EPERM : Errno.ESRCH;
    }

    /// <summary>kill(-1, sig): every guest process but the caller and pid 1 that the caller may signal; ESRCH only if there is none at all.</summary>
    public SyscallResult SignalAllGuests(ThreadGroup caller, int sig)
    {
        int found = 0;
        foreach (Task t in Pids.All)
        {
            ThreadGroup g = t.Group;
            if (t.Tid != g.Tgid || g == caller || g.Tgid == 1 || g.Exited) continue;
            found++;
            if (sig != 0 && caller.MaySignal(g, sig, Platform)) Tmds.Linux.LibC.kill(g.HostTgid, sig);
        }
        return found > 0 ? 0 : Errno.ESRCH;
    }

    /// <summary>Removes what the kernel made on the host (its FIFOs); memfds go with the process.</summary>
    public void Dispose()
    {
        Devices.Dispose();
        Ipc.RemoveAll();
        Peers.Dispose();
        Fsnotify.Dispose();
        if (Options.HostFiles == null) HostFiles.Dispose(); // else its maker's to dispose
        ownStore?.Dispose();
    }

    private static string? ReadHostFile(string path)
    {
        try { return File.ReadAllText(path).Trim(); }
        catch (IOException) { return null; }
    }
}
