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
public static class RunCommand
{
    /// <summary>The guest's PATH, which is also where a bare command name is looked up.</summary>
    public const string GuestPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    private sealed record Options(string? Image, List<string> Env, string? Workdir, string Hostname, List<string> Command)
    {
        public string? TraceFile { get; init; }
        public bool TraceToStderr { get; init; }
        public string? TraceJson { get; init; }
        public string? TracePerfetto { get; init; }
        public string? TraceFilter { get; init; }
        public bool Summary { get; init; }
        public HashSet<string> BreakOn { get; init; } = new();
        public bool WaitForDebugger { get; init; }
        public bool ReadOnly { get; init; }
        public string? User { get; init; }
        public List<Bind> Binds { get; init; } = new();
        public NetworkMode Network { get; init; } = NetworkMode.Host;
        public string? Persist { get; init; }
        public List<string> Layers { get; init; } = new();
        public int PidsLimit { get; init; } = KernelOptions.DefaultPidsLimit;
        public long? DiskSize { get; init; }
        public List<string> Extensions { get; init; } = new();
        public List<FilesystemMount> FilesystemMounts { get; init; } = new();
    }

    /// <summary>--mount TYPE:GUEST[:OPTIONS]: a new filesystem of a registered type on a guest directory.</summary>
    private sealed record FilesystemMount(string Type, string Guest, string Source, string Options);

    /// <summary>--bind HOST:GUEST[:ro]: a host directory mounted on a guest directory.</summary>
    private sealed record Bind(string Host, string Guest, bool ReadOnly);

    public static int Execute(string[] args)
    {
        Options o = Parse(args);
        StartupProfile.Mark("options parsed");
        List<LoadedExtension> extensions = LoadExtensions(o.Extensions);
        string imagePath = o.Image ?? DefaultImage.EnsureBuilt();
        StartupProfile.Mark("image chosen");
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
            if (o.WaitForDebugger) WaitForDebugger();
            using var interruption = new RunInterruption(kernel);
            StartupProfile.Mark("command resolved, signals handled");
            int status;
            try
            {
                status = Tracer.Run(kernel, program, command, env);
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

    /// <summary>Splits TYPE:GUEST[:OPTIONS]; a source=PATH option is the mount's source (a host path, made absolute).</summary>
    private static FilesystemMount ParseMount(string spec)
    {
        string[] parts = spec.Split(':', 3);
        if (parts.Length < 2 || parts[0].Length == 0 || parts[1].Length == 0)
            throw new UsageException($"run: --mount wants TYPE:GUESTPATH[:OPTIONS], not '{spec}'");
        if (!parts[1].StartsWith('/')) throw new UsageException($"run: --mount: the guest directory must be an absolute path, not '{parts[1]}'");
        string source = "none";
        var options = new List<string>();
        foreach (string option in (parts.Length > 2 ? parts[2] : "").Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            if (option.StartsWith("source=", StringComparison.Ordinal)) source = Path.GetFullPath(option["source=".Length..]);
            else options.Add(option);
        }
        return new FilesystemMount(parts[0], parts[1], source, string.Join(',', options));
    }

    /// <summary>Splits HOST:GUEST[:ro|:rw]; the guest directory must be an absolute path.</summary>
    private static Bind ParseBind(string spec)
    {
        bool readOnly = false;
        if (spec.EndsWith(":ro", StringComparison.Ordinal)) { readOnly = true; spec = spec[..^3]; }
        else if (spec.EndsWith(":rw", StringComparison.Ordinal)) spec = spec[..^3];
        int colon = spec.IndexOf(':');
        if (colon <= 0 || colon == spec.Length - 1) throw new UsageException($"run: --bind wants HOST:GUEST[:ro], not '{spec}'");
        string host = spec[..colon], guest = spec[(colon + 1)..];
        if (!guest.StartsWith('/')) throw new UsageException($"run: --bind: the guest directory must be an absolute path, not '{guest}'");
        return new Bind(Path.GetFullPath(host), guest, readOnly);
    }

    private static NetworkMode ParseNetwork(string value) => value switch
    {
        "host" => NetworkMode.Host,
        "none" => NetworkMode.None,
        _ => throw new UsageException($"run: --net wants host or none, not '{value}'"),
    };

    private static Options Parse(string[] args)
    {
        string? image = null, user = null, trace = null, traceJson = null, tracePerfetto = null, traceFilter = null, persist = null;
        bool traceStderr = false, summary = false, waitForDebugger = false, readOnly = false;
        var breakOn = new HashSet<string>(StringComparer.Ordinal);
        string? workdir = null;
        string hostname = "userkernel";
        var env = new List<string>();
        var binds = new List<Bind>();
        var layers = new List<string>();
        var extensions = new List<string>();
        var mounts = new List<FilesystemMount>();
        NetworkMode network = NetworkMode.Host;
        int pidsLimit = KernelOptions.DefaultPidsLimit;
        long? diskSize = null;
        int i = 0;
        string Value(string name)
        {
            if (i + 1 >= args.Length) throw new UsageException($"run: {name} needs a value");
            return args[++i];
        }
        for (; i < args.Length; i++)
        {
            string a = args[i];
            if (a == "--") { i++; break; }
            if (!a.StartsWith('-')) break;
            switch (a)
            {
                case "--image": image = Value(a); break;
                case "--env": env.Add(Value(a)); break;
                case "--workdir": workdir = Value(a); break;
                case "--hostname": hostname = Value(a); break;
                case "--user": user = Value(a); break;
                case "--trace": traceStderr = true; break;
                case "--summary": summary = true; break;
                case "--wait-for-debugger": waitForDebugger = true; break;
                case "--read-only": readOnly = true; break;
                case "--bind": binds.Add(ParseBind(Value(a))); break;
                case "--net": network = ParseNetwork(Value(a)); break;
                case "--persist": persist = Value(a); break;
                case "--layer": layers.Add(Value(a)); break;
                case "--extension": extensions.Add(Value(a)); break;
                case "--mount": mounts.Add(ParseMount(Value(a))); break;
                case "--pids-limit": pidsLimit = ParsePidsLimit(Value(a)); break;
                case "--disk-size": diskSize = ParseDiskSize(Value(a)); break;
                case "--help" or "-h": Console.Out.WriteLine(Program.Usage); Environment.Exit(0); break;
                default:
                    if (a.StartsWith("--trace=", StringComparison.Ordinal)) { trace = a["--trace=".Length..]; break; }
                    if (a.StartsWith("--image=", StringComparison.Ordinal)) { image = a["--image=".Length..]; break; }
                    if (a.StartsWith("--user=", StringComparison.Ordinal)) { user = a["--user=".Length..]; break; }
                    if (a.StartsWith("--bind=", StringComparison.Ordinal)) { binds.Add(ParseBind(a["--bind=".Length..])); break; }
                    if (a.StartsWith("--net=", StringComparison.Ordinal)) { network = ParseNetwork(a["--net=".Length..]); break; }
                    if (a.StartsWith("--persist=", StringComparison.Ordinal)) { persist = a["--persist=".Length..]; break; }
                    if (a.StartsWith("--layer=", StringComparison.Ordinal)) { layers.Add(a["--layer=".Length..]); break; }
                    if (a.StartsWith("--extension=", StringComparison.Ordinal)) { extensions.Add(a["--extension=".Length..]); break; }
                    if (a.StartsWith("--mount=", StringComparison.Ordinal)) { mounts.Add(ParseMount(a["--mount=".Length..])); break; }
                    if (a.StartsWith("--pids-limit=", StringComparison.Ordinal)) { pidsLimit = ParsePidsLimit(a["--pids-limit=".Length..]); break; }
                    if (a.StartsWith("--disk-size=", StringComparison.Ordinal)) { diskSize = ParseDiskSize(a["--disk-size=".Length..]); break; }
                    if (a.StartsWith("--trace-json=", StringComparison.Ordinal)) { traceJson = a["--trace-json=".Length..]; break; }
                    if (a.StartsWith("--trace-perfetto=", StringComparison.Ordinal)) { tracePerfetto = a["--trace-perfetto=".Length..]; break; }
                    if (a.StartsWith("--trace-filter=", StringComparison.Ordinal)) { traceFilter = a["--trace-filter=".Length..]; break; }
                    if (a.StartsWith("--break-on=", StringComparison.Ordinal))
                    {
                        // Checked once the extensions are in the table (CheckBreakOn): they may add names.
                        foreach (string name in a["--break-on=".Length..].Split(',', StringSplitOptions.RemoveEmptyEntries)) breakOn.Add(name);
                        break;
                    }
                    throw new UsageException($"run: unknown option '{a}'; try 'userkernel --help'");
            }
        }
        var command = new List<string>(args.AsSpan(i).ToArray());
        foreach (string kv in env)
            if (kv.IndexOf('=') <= 0) throw new UsageException($"run: --env wants KEY=VALUE, not '{kv}'");
        if (workdir != null && !workdir.StartsWith('/')) throw new UsageException($"run: --workdir must be an absolute guest path, not '{workdir}'");
        if (hostname.Length is 0 or > 64) throw new UsageException("run: --hostname must be 1 to 64 characters");
        if (image != null && !File.Exists(image)) throw new UsageException($"image not found: {image}");
        CheckLayerFiles(persist, layers, readOnly);
        if (traceFilter != null && !traceStderr && trace == null && traceJson == null && tracePerfetto == null && !summary) traceStderr = true;
        return new Options(image, env, workdir, hostname, command)
        {
            TraceFile = trace, TraceToStderr = traceStderr, TraceJson = traceJson, TracePerfetto = tracePerfetto, TraceFilter = traceFilter,
            Summary = summary, BreakOn = breakOn, WaitForDebugger = waitForDebugger, ReadOnly = readOnly, User = user, Binds = binds, Network = network,
            Persist = persist, Layers = layers, PidsLimit = pidsLimit, DiskSize = diskSize, Extensions = extensions, FilesystemMounts = mounts,
        };
    }

    /// <summary>--disk-size: as image sizes are written (512M, 2G), at least 1 MiB.</summary>
    private static long ParseDiskSize(string value)
    {
        long size;
        try { size = Image.ImageArgs.ParseSize("run", value); }
        catch (UsageException) { throw new UsageException($"run: --disk-size '{value}' is not a size (like 512M or 2G)"); }
        return size >= 1 << 20 ? size : throw new UsageException($"run: --disk-size must be at least 1M, not '{value}'");
    }

    private static int ParsePidsLimit(string value) =>
        int.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int n) && n >= 1
            ? n : throw new UsageException($"run: --pids-limit wants a number of tasks, at least 1, not '{value}'");

    /// <summary>
    /// --persist needs the writable overlay and a directory to write in, checked before the guest runs so no
    /// work is lost at the end; every --layer must be a file.
    /// </summary>
    private static void CheckLayerFiles(string? persist, List<string> layers, bool readOnly)
    {
        if (persist != null)
        {
            if (readOnly) throw new UsageException("run: --persist saves the changes of the writable root; it cannot be used with --read-only");
            string full = Path.GetFullPath(persist);
            if (Directory.Exists(full)) throw new UsageException($"run: --persist: {persist} is a directory");
            if (!Directory.Exists(Path.GetDirectoryName(full))) throw new UsageException($"run: --persist: the directory of {persist} does not exist");
        }
        foreach (string layer in layers)
        {
            if (Directory.Exists(layer)) throw new UsageException($"run: --layer: {layer} is a directory, not a layer tar");
            if (!File.Exists(layer)) throw new UsageException($"run: --layer: no such file: {layer}");
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
