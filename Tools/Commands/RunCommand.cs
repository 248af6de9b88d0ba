using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using UserKernel.Kernel;
using UserKernel.Kernel.Extensions;
using UserKernel.Kernel.Filesystems.HostBind;
using UserKernel.Kernel.Filesystems.Image;
using UserKernel.Kernel.Filesystems.Layer;
using UserKernel.Kernel.Filesystems.Overlay;
using UserKernel.Kernel.Syscalls;
using UserKernel.Kernel.Tasks;
using UserKernel.Kernel.Trace;
using UserKernel.Kernel.Vfs;
using UserKernel.RootFs.Ext4;
using UserKernel.RootFs.Image;
using UserKernel.RootFs.Images;
using UserKernel.RootFs.Sources;
using UserKernel.RootFs.Tree;
using UserKernel.SyscallBridge.Launch;
using UserKernel.SyscallBridge.Tracing;

namespace UserKernel.Tools.Commands;

/// <summary>`userkernel run`: boot the image, run one command as guest pid 1, exit with its status.</summary>
public static partial class RunCommand
{
    /// <summary>The guest's PATH, which is also where a bare command name is looked up.</summary>
    public const string GuestPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    /// <summary>Runs the guest as <paramref name="o"/> says; its exit status, or 128+N when userkernel got signal N.</summary>
    internal static int Execute(Options o)
    {
        Check(o);
        List<LoadedExtension> extensions = LoadExtensions(o.Extensions);
        string imagePath = o.Image ?? DefaultImage.EnsureBuilt();
        StartupProfile.Mark("image chosen");
        // The guests' first process starts on the tracer thread (spawned, seized, moved into its namespaces)
        // while this thread opens the image and makes the kernel, which then takes these host files and the stub's memfd.
        using var hostFiles = new HostFiles();
        string stub = hostFiles.MakeEarly(GuestKernel.StubName, Kernel.Loader.StubProgram.Build());
        using Tracer tracer = Tracer.Begin(stub, hostFiles.EmptyRoot(), o.Network == NetworkMode.None);
        using Ext4Reader reader = Ext4Reader.Open(imagePath);
        // The image's file bytes are kept on disk between runs (~/.cache/userkernel/content), unless turned off.
        var image = new ImageSuperBlock(reader, Kernel.Vfs.SuperBlock.MakeDev(0, 0x30))
        {
            Cache = Environment.GetEnvironmentVariable("USERKERNEL_CONTENT_CACHE") == "off" ? null : ContentCache.For(imagePath, ContentCache.DefaultRoot),
        };
        StartupProfile.Mark("image opened");
        var sinks = new List<ITraceSink>();
        var files = new List<IDisposable>();
        try
        {
            Kernel.Vfs.SuperBlock lower = o.Layers.Count > 0 ? StackLayers(image, o.Layers, files) : image;
            // The image is never written: by default the guest's changes go to an overlay whose file bytes are kept in
            // the store (a filesystem of --disk-size that the run mounts for itself), gone when the run ends.
            ContentStore store = Track(files, new ContentStore());
            OverlaySuperBlock? overlay = o.ReadOnly ? null : new OverlaySuperBlock(lower, Kernel.Vfs.SuperBlock.MakeDev(0, 0x30), store);
            Kernel.Vfs.SuperBlock root = overlay ?? lower;
            if (o.TraceToStderr) sinks.Add(new StraceWriter(Console.Error));
            if (o.TraceFile != null) sinks.Add(new StraceWriter(Track(files, OpenTraceFile(o.TraceFile))));
            if (o.TraceJson != null) sinks.Add(new JsonTraceWriter(Track(files, OpenTraceStream(o.TraceJson))));
            // The writer owns its file: disposing it closes the document even when the guest never started.
            if (o.TracePerfetto != null) sinks.Add(Track(files, new PerfettoTraceWriter(OpenTraceStream(o.TracePerfetto))));
            if (o.Summary) sinks.Add(new SyscallSummary(Console.Error));
            TraceFilter filter;
            try { filter = o.TraceFilter != null ? TraceFilter.Parse(o.TraceFilter) : TraceFilter.All; }
            catch (FormatException ex) { throw new UsageException("run: " + ex.Message); }
            // Without a command, the image's stored config says what to run, and how.
            ImageConfig? config = o.Command.Count == 0 ? StoredConfig(reader, imagePath) : null;
            List<string> command = config != null ? ConfigCommand(config, imagePath) : o.Command;
            string? user = o.User ?? config?.User;
            Credentials credentials = user != null ? GuestUser.Parse(root, user) : Credentials.Root;
            KernelTrace? trace = sinks.Count > 0 ? new KernelTrace(sinks, filter) : null;

            using var kernel = NewKernel(root, new KernelOptions
            {
                Extensions = extensions,
                Hostname = o.Hostname,
                WorkingDirectory = o.Workdir ?? ConfigWorkdir(config) ?? "/",
                Credentials = credentials,
                Trace = trace,
                BreakOn = o.BreakOn,
                Network = o.Network,
                PidsLimit = o.PidsLimit,
                Store = store,
                DiskSize = o.DiskSize,
                HostFiles = hostFiles,
                StubObject = stub,
            });
            MountBinds(kernel, o.Binds);
            MountFilesystems(kernel, o.FilesystemMounts);
            CheckBreakOn(o.BreakOn);
            StartupProfile.Mark("kernel made");

            var env = new List<string> { "PATH=" + GuestPath, "HOME=/root", "TERM=" + (Environment.GetEnvironmentVariable("TERM") ?? "dumb") };
            // The config's Env overrides the defaults, and --env overrides both.
            foreach (string kv in (config?.Env ?? []).Concat(o.Env))
            {
                if (kv.IndexOf('=') <= 0) continue;
                string key = kv[..kv.IndexOf('=')];
                env.RemoveAll(e => e.StartsWith(key + "=", StringComparison.Ordinal));
                env.Add(kv);
            }
            string program = ResolveCommand(kernel, command[0], env.Find(e => e.StartsWith("PATH=", StringComparison.Ordinal))?[5..] ?? GuestPath);
            LauncherBuild.WaitForCheck(); // nothing of the guest has run yet: a stale program may still step aside
            if (o.WaitForDebugger) WaitForDebugger();
            using var interruption = new RunInterruption(kernel);
            StartupProfile.Mark("command resolved, signals handled");
            int status;
            try
            {
                status = tracer.RunWith(kernel, program, command, env);
            }
            catch (Exception ex) when (ex is not GuestStartException)
            {
                interruption.RunEnded();
                SaveLayer(o.Persist, overlay); // a kernel bug ends the run, but the guest's work is kept
                throw;
            }
            finally
            {
                interruption.RunEnded();
                trace?.Finish();
            }
            StartupProfile.Mark("tracer thread joined");
            SaveLayer(o.Persist, overlay);
            return interruption.Signal != 0 ? 128 + interruption.Signal : status;
        }
        finally
        {
            foreach (IDisposable f in files) f.Dispose();
        }
    }

    /// <summary>
    /// --layer: each layer tar read into a tree (its file contents spooled to a temporary file that lives as long
    /// as the run) and stacked read-only on the image, later layers on top.
    /// </summary>
    private static LayerStackSuperBlock StackLayers(ImageSuperBlock image, List<string> paths, List<IDisposable> files)
    {
        var layers = new List<Kernel.Vfs.SuperBlock> { image };
        ulong nextIno = image.TotalInodes + 1;
        foreach (string path in paths)
        {
            TarSource source = Track(files, new TarSource());
            FileTree tree;
            try
            {
                using FileStream stream = File.OpenRead(path);
                tree = source.Read(stream);
            }
            catch (ImageFormatException ex) { throw new ImageFormatException($"--layer {path}: {ex.Message}", ex); }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw new UsageException($"run: --layer: cannot read {path}: {ex.Message}");
            }
            var layer = new TreeSuperBlock(tree, Kernel.Vfs.SuperBlock.MakeDev(0, 0x30), nextIno);
            nextIno = layer.EndIno;
            layers.Add(layer);
        }
        return new LayerStackSuperBlock(layers, Kernel.Vfs.SuperBlock.MakeDev(0, 0x30));
    }

    /// <summary>--persist: the overlay's upper layer written as an OCI layer tar, whatever way the run ended.</summary>
    private static void SaveLayer(string? path, OverlaySuperBlock? overlay)
    {
        if (path == null || overlay == null) return;
        try { LayerTar.Save(overlay, path); }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"run: --persist: cannot write the layer to {path}: {ex.Message}");
        }
    }

    private static T Track<T>(List<IDisposable> files, T file) where T : IDisposable
    {
        files.Add(file);
        return file;
    }

    /// <summary>--wait-for-debugger: nothing of the guest runs until a debugger is attached to this process.</summary>
    private static void WaitForDebugger()
    {
        Console.Error.WriteLine($"userkernel: waiting for a debugger to attach to process {Environment.ProcessId} (the guest has not started yet)...");
        while (!System.Diagnostics.Debugger.IsAttached) System.Threading.Thread.Sleep(100);
        Console.Error.WriteLine("userkernel: debugger attached; starting the guest");
    }

    private static Stream OpenTraceStream(string path)
    {
        try { return new FileStream(path, FileMode.Create, FileAccess.Write); }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"cannot write the trace to {path}: {ex.Message}");
        }
    }

    private static TextWriter OpenTraceFile(string path)
    {
        try { return new StreamWriter(path, append: false) { AutoFlush = false }; }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"cannot write the trace to {path}: {ex.Message}");
        }
    }

    /// <summary>The image config stored in the image (see `image info`), or null when it has none.</summary>
    private static ImageConfig? StoredConfig(Ext4Reader reader, string imagePath)
    {
        foreach (var (name, value) in reader.ReadXattrs(Ext4Reader.RootInode))
            if (name == ImageConfig.XattrName) return ImageConfig.Parse(value);
        throw new UsageException($"run: no command given, and {imagePath} stores no image config to take one from (userkernel run [OPTIONS] -- COMMAND [ARG...])");
    }

    /// <summary>Entrypoint followed by Cmd, as a container runtime starts an image.</summary>
    private static List<string> ConfigCommand(ImageConfig config, string imagePath)
    {
        var command = new List<string>(config.Entrypoint ?? []);
        command.AddRange(config.Cmd ?? []);
        if (command.Count == 0 || command[0].Length == 0)
            throw new UsageException($"run: no command given, and the config of {imagePath} names none (its Entrypoint and Cmd are empty)");
        return command;
    }

    /// <summary>The config's WorkingDir, taken from the root when it is relative (as Docker does).</summary>
    private static string? ConfigWorkdir(ImageConfig? config) =>
        config?.WorkingDir is { Length: > 0 } dir ? (dir.StartsWith('/') ? dir : "/" + dir) : null;

    /// <summary>A name with a slash is used as it is; a bare name is looked up in <paramref name="path"/>, in the image.</summary>
    internal static string ResolveCommand(GuestKernel kernel, string command, string path)
    {
        if (command.Contains('/')) return command;
        foreach (string dir in path.Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            string candidate = dir + "/" + command;
            if (kernel.Walk.Resolve(Credentials.Root, kernel.Mounts.Root, candidate, true).TryGet(out Dentry? d, out _) && d.Inode.IsRegular)
                return candidate;
        }
        throw new UsageException($"{command}: command not found in the image");
    }

    /// <summary>Mounts each --bind in order; a guest directory that does not exist is the user's error (125).</summary>
    private static void MountBinds(GuestKernel kernel, List<Bind> binds)
    {
        uint minor = 0x40;
        foreach (Bind b in binds)
        {
            if (!kernel.Walk.Resolve(Credentials.Root, kernel.Mounts.Root, b.Guest, true).TryGet(out Dentry? at, out _) || !at.Inode.IsDirectory)
                throw new UsageException($"run: --bind: {b.Guest} is no directory in the guest's tree");
            if (!HostBindSuperBlock.Open(b.Host, b.ReadOnly, Kernel.Vfs.SuperBlock.MakeDev(0, minor++)).TryGet(out HostBindSuperBlock? fs, out Kernel.Abi.Errno e))
                throw new UsageException($"run: --bind: cannot open the host directory {b.Host}: {e}");
            kernel.Mounts.Mount(at, fs);
        }
    }

    /// <summary>--extension: every extension of every assembly given, in order; a file that will not load is the user's error.</summary>
    private static List<LoadedExtension> LoadExtensions(List<string> paths)
    {
        var loaded = new List<LoadedExtension>();
        try
        {
            foreach (string path in paths) loaded.AddRange(ExtensionLoader.Load(path));
        }
        catch (ExtensionLoadException ex) { throw new UsageException("run: " + ex.Message); }
        return loaded;
    }

    /// <summary>The kernel, whose registration of the extensions may fail: that is the extension's error, said as such.</summary>
    private static GuestKernel NewKernel(Kernel.Vfs.SuperBlock root, KernelOptions options)
    {
        try { return new GuestKernel(root, options); }
        catch (ExtensionLoadException ex) { throw new UsageException("run: " + ex.Message); }
    }

    /// <summary>Mounts each --mount in order, after the binds, so a filesystem may be mounted inside a bind.</summary>
    private static void MountFilesystems(GuestKernel kernel, List<FilesystemMount> mounts)
    {
        foreach (FilesystemMount m in mounts)
        {
            if (!kernel.Walk.Resolve(Credentials.Root, kernel.Mounts.Root, m.Guest, true).TryGet(out Dentry? at, out _) || !at.Inode.IsDirectory)
                throw new UsageException($"run: --mount: {m.Guest} is no directory in the guest's tree");
            Kernel.Abi.Errno e = kernel.MountFilesystem(m.Type, at, m.Source, m.Options, Credentials.Root);
            if (e == Kernel.Abi.Errno.ENODEV)
                throw new UsageException($"run: --mount: no filesystem type '{m.Type}' (there are: {string.Join(", ", kernel.Registry.FilesystemNames)}; an extension adds more)");
            if (e != Kernel.Abi.Errno.OK)
                throw new UsageException($"run: --mount {m.Type}:{m.Guest}: {Kernel.Abi.ErrnoNames.Name(e)} ({Kernel.Abi.ErrnoNames.Message(e)})");
        }
    }

    /// <summary>--break-on names syscalls of the table, the extensions' included.</summary>
    private static void CheckBreakOn(HashSet<string> names)
    {
        foreach (string name in names)
            if (!KnownSyscall(name)) throw new UsageException($"run: --break-on: no syscall is named '{name}'");
    }

    private static bool KnownSyscall(string name)
    {
        foreach (SyscallEntry row in SyscallTable.Rows)
            if (row.Name == name) return true;
        return false;
    }
}
