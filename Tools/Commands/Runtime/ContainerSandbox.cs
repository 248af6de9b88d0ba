using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using UserKernel.Kernel;
using UserKernel.Kernel.Filesystems.HostBind;
using UserKernel.Kernel.Filesystems.Overlay;
using UserKernel.Kernel.Filesystems.Tmpfs;
using UserKernel.Kernel.Tasks;
using UserKernel.Kernel.Vfs;
using UserKernel.SyscallBridge.Launch;
using UserKernel.SyscallBridge.Tracing;
using Errno = UserKernel.Kernel.Abi.Errno;

namespace UserKernel.Tools.Commands.Runtime;

/// <summary>
/// The sandbox: the process `create` leaves behind for a container, which holds its kernel. It boots the kernel over
/// the bundle's root, mounts what config.json asks, says "created" in the state file and waits on the start FIFO;
/// `start` opens it, and the container's program runs as guest pid 1 under this kernel. The sandbox's host pid is
/// the container's pid for the engines: it exits with the program's status and passes on the signals sent to it
/// (as runsc's sandbox process does; the guest's own host processes are this kernel's tracees, so no other process
/// could wait for them).
/// </summary>
internal static class ContainerSandbox
{
    public static int Serve(RuntimeContext context, string id, string? consolePath)
    {
        string dir = ContainerState.Directory(context.Root, id);
        ContainerState state = ContainerState.Load(context.Root, id);
        try
        {
            return ServeContainer(context, state, dir, consolePath);
        }
        catch (Exception ex) when (ex is UsageException or GuestStartException or IOException or UnauthorizedAccessException
                                   or RootFs.Image.ImageFormatException)
        {
            // `create` waits for this file or for "created", and reports it.
            File.WriteAllText(Path.Combine(dir, "error"), ex.Message + "\n");
            context.Log.Error(ex.Message);
            return ExitCodes.RunnerError;
        }
    }

    private static int ServeContainer(RuntimeContext context, ContainerState state, string dir, string? consolePath)
    {
        BundleSpec spec = BundleSpec.Load(context.Root, state);
        if (consolePath != null) ContainerConsole.BecomeControllingTerminal(consolePath);
        foreach (string setting in spec.Ignored) context.Log.Warn($"config.json: {setting} is not honoured by the user-space kernel");

        // The bundle's root directory is the lower layer, read through the kernel's own VFS and never written; a
        // writable root is the kernel's overlay over it, whose changes live as long as the container.
        if (!HostBindSuperBlock.Open(spec.RootPath, readOnly: true, SuperBlock.MakeDev(0, 0x30)).TryGet(out HostBindSuperBlock? lower, out Errno e))
            throw new UsageException($"root.path {spec.RootPath}: {e}");
        using var store = new ContentStore();
        // A read-only root is the overlay too, made read-only once the mount points are in it, so that they need not be
        // made in the bundle (as runc makes them).
        var root = new OverlaySuperBlock(lower, SuperBlock.MakeDev(0, 0x31), store);
        foreach (string mountPoint in new[] { "/dev", "/proc", "/sys" }) MakeMountPoint(root, mountPoint, directory: true);

        SpecProcess process = spec.Process;
        using var kernel = new GuestKernel(root, new KernelOptions
        {
            Hostname = spec.Hostname ?? Environment.MachineName,
            WorkingDirectory = process.Cwd,
            Credentials = ProcessCredentials.From(process, context.Log),
            Store = store,
            TmpfsOnTmp = false,
            InitLimits = ProcessCredentials.Limits(process, context.Log),
        });
        // File mount points hold bytes in the store, whose filesystem must be arranged before the first one.
        ContentStoreMount.Prepare(store, kernel.HostFiles.KernelDirectory(), null);
        SpecMounts.Mount(kernel, spec, context.Log);
        if (spec.RootReadOnly) root.MakeReadOnly();
        if (!process.NoNewPrivileges) context.Log.Info("process.noNewPrivileges is false, yet guests always run with no_new_privs (set-user-ID bits are ignored)");

        string path = process.Env.FirstOrDefault(v => v.StartsWith("PATH=", StringComparison.Ordinal))?[5..] ?? RunCommand.GuestPath;
        string program = RunCommand.ResolveCommand(kernel, process.Args[0], path);

        // Listening before "created", so that an exec as soon as the container runs finds the socket (its program starts
        // once init's kernel has its spare stub).
        var spawner = new GuestSpawner();
        using var exec = new ExecServer(kernel, spawner, dir, context.Log);
        state = state with { Status = ContainerStatus.Created };
        state.Save(context.Root);
        using var signals = new SignalForwarding(kernel);
        if (!StartFifo.WaitForStart(Path.Combine(dir, StartFifo.Name)))
            return ExitCodes.RunnerError;
        signals.Started();
        ContainerState.Load(context.Root, state.Id).With(ContainerStatus.Running).Save(context.Root);
        int status = Tracer.Run(kernel, program, process.Args, process.Env, spawner);
        signals.RunEnded();
        ContainerState.Load(context.Root, state.Id).With(ContainerStatus.Stopped).Save(context.Root);
        return status;
    }

    /// <summary>Makes the directory (or, for a file bind, the empty file) a mount needs, and its parents, in a writable root.</summary>
    internal static bool MakeMountPoint(SuperBlock root, string guestPath, bool directory)
    {
        Inode at = root.Root;
        string[] parts = guestPath.Split('/', StringSplitOptions.RemoveEmptyEntries);
        for (int i = 0; i < parts.Length; i++)
        {
            bool last = i == parts.Length - 1;
            if (at.Lookup(parts[i]).TryGet(out Inode? next, out _)) { at = next; continue; }
            Result<Inode> made = last && !directory
                ? at.Create(parts[i], Kernel.Abi.FileMode.S_IFREG | 0x1A4, 0, 0)
                : at.Mkdir(parts[i], 0x1ED, 0, 0);
            if (!made.TryGet(out Inode? created, out _)) return false;
            at = created;
        }
        return true;
    }
}
