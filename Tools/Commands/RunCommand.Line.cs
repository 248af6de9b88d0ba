using System;
using System.Collections.Generic;
using System.CommandLine;
using System.Globalization;
using System.IO;
using UserKernel.Kernel;
using UserKernel.Kernel.Trace;
using UserKernel.Tools.CommandLine;

namespace UserKernel.Tools.Commands;

/// <summary>run's command line: its options, their documentation, and what they parse into.</summary>
public static partial class RunCommand
{
    /// <summary>What a run was asked to do: run's options, parsed.</summary>
    internal sealed record Options(string? Image, List<string> Env, string? Workdir, string Hostname, List<string> Command)
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
    internal sealed record FilesystemMount(string Type, string Guest, string Source, string Options);

    /// <summary>--bind HOST:GUEST[:ro]: a host directory mounted on a guest directory.</summary>
    internal sealed record Bind(string Host, string Guest, bool ReadOnly);

    private const string Description = """
        run COMMAND in a guest system whose root is an ext2/3/4 image

        Runs COMMAND in a guest system whose root is the ext2/3/4 image IMG. The image is never
        written: the guest's changes go to an overlay, gone when the run ends (unless --persist
        saves them), and /tmp and /dev/shm are tmpfs; their file bytes share one store of
        --disk-size. The guest is arbitrary code, contained (docs/threat-model.md).
        Without --image, a default image made from the host's busybox (as 'image from-host' makes
        images) is built once and cached in ~/.cache/userkernel.
        Without COMMAND, the image's stored config (from 'image import') gives it: Entrypoint then
        Cmd, run with its Env (over the defaults; --env wins), WorkingDir (unless --workdir) and
        User (unless --user); an image without a config then is an error.
        COMMAND and its arguments go to the guest untouched: after `--`, or from the first word that
        is not an option.

        Exit status: the guest's own (128+N if it died of signal N), or 125 when userkernel itself fails.
        """;

    /// <summary>run's options and argument; a nested class, so that only a parse makes them.</summary>
    private static class Line
    {
        public static readonly Option<string?> Image = CliOptions.Single("--image", "IMG", "the root filesystem image");

        public static readonly Option<List<string>> Env = CliOptions.Repeatable("--env", "K=V", """
            set a variable in the guest's environment (repeatable); the guest starts
            with PATH, HOME=/root and TERM only, never the host's environment
            """, kv => kv.IndexOf('=') > 0 ? kv : throw new UsageException($"run: --env wants KEY=VALUE, not '{kv}'"));

        public static readonly Option<string?> Workdir = CliOptions.Single<string?>("--workdir", "DIR", "the guest working directory (default /)",
            dir => dir.StartsWith('/') ? dir : throw new UsageException($"run: --workdir must be an absolute guest path, not '{dir}'"));

        public static readonly Option<string?> Hostname = CliOptions.Single<string?>("--hostname", "NAME", "the guest's host name (default userkernel)",
            name => name.Length is > 0 and <= 64 ? name : throw new UsageException("run: --hostname must be 1 to 64 characters"));

        public static readonly Option<string?> User = CliOptions.Single("--user", "UID[:GID]", """
            run as this user (a number or a name in the image's /etc/passwd) instead of root;
            GID defaults to the user's primary group in /etc/passwd, else UID, and the
            supplementary groups are the user's in /etc/group. Files are checked against
            these ids; set-user-ID and set-group-ID bits are ignored (as on a nosuid mount)
            """);

        // Its help label is --trace[=FILE] (HelpPage.OptionLabel).
        public static readonly Option<bool> Trace = CliOptions.Flag("--trace", """
            print one line per mediated syscall, in strace's notation, to stderr
            (or FILE); passthrough syscalls never stop, so they never appear
            """);

        static Line() => Trace.HelpName = "[=FILE]";

        /// <summary>--trace=FILE as <see cref="Spelled"/> spells it for the parser.</summary>
        public static readonly Option<string?> TraceFile = CliOptions.Hide(CliOptions.Single("--trace-file", "FILE", "--trace=FILE"));

        public static readonly Option<string?> TraceJson = CliOptions.Single("--trace-json", "FILE", """
            one JSON object per line per event: for a syscall time, pid, tid, number, name,
            args, result, errno, disposition, duration_ns, kernel_ns (the part spent in the
            kernel's handler), ts_ns (its start, in ns from the trace's start); also signal and
            exit lines, and fork and exec lines (the process tree; see 'userkernel trace report')
            """);

        public static readonly Option<string?> TracePerfetto = CliOptions.Single("--trace-perfetto", "FILE", """
            Chrome trace-event JSON for ui.perfetto.dev or chrome://tracing: a track per
            guest thread under its process, each syscall a slice, fork, exec, signals and exits
            as instant events; the file is complete however the run ends
            """);

        public static readonly Option<string?> TraceFilter = CliOptions.Single("--trace-filter", "LIST", """
            only these: syscall names, classes (file, process, memory, signal, network,
            ipc, time, identity, other), dispositions (emulated, forwarded, unimplemented), pid=N
            """);

        public static readonly Option<bool> Summary = CliOptions.Flag("--summary",
            "at exit, count, errors and time per syscall and per disposition (like strace -c)");

        // Checked once the extensions are in the table (CheckBreakOn): they may add names.
        public static readonly Option<List<string>> BreakOn = CliOptions.Repeatable("--break-on", "NAME[,NAME]",
            "call Debugger.Break() just before these syscalls' handlers run");

        public static readonly Option<bool> WaitForDebugger = CliOptions.Flag("--wait-for-debugger",
            "wait until a debugger is attached before starting the guest");

        public static readonly Option<bool> ReadOnly = CliOptions.Flag("--read-only", """
            the root is the image itself, read-only: calls that would change it fail
            with EROFS (or EEXIST, ENOENT, as Linux orders them on a read-only mount)
            """);

        public static readonly Option<List<Bind>> Binds = CliOptions.Repeatable("--bind", "HOST:GUEST[:ro]", """
            mount the host directory HOST on the guest directory GUEST, which must exist
            (repeatable). Its files are the host's; host symlinks are the guest's symlinks,
            resolved in the guest's tree, so nothing outside HOST is reached through it.
            :ro refuses changes with EROFS; otherwise creating, writing, removing and renaming
            within it reach the host (with --read-only, only writing to existing files does)
            """, ParseBind);

        public static readonly Option<NetworkMode?> Network = CliOptions.Single<NetworkMode?>("--net", "host|none", """
            host (the default): the guest's sockets are the host's. none: only AF_UNIX
            sockets; socket() of any other family (inet, inet6, packet, netlink) fails with
            EAFNOSUPPORT (Linux's empty network namespace would offer a loopback instead),
            and abstract AF_UNIX names are private to the run
            """, value => ParseNetwork(value));

        public static readonly Option<List<string>> Layers = CliOptions.Repeatable("--layer", "FILE", """
            stack the layer tar FILE (an OCI layer, plain or compressed, as --persist writes)
            read-only on the image, under the guest's fresh in-memory changes (repeatable:
            later layers on top). Its ".wh.NAME" whiteouts hide NAME of the layers below, and a
            ".wh..wh..opq" marker hides everything below its directory
            """);

        public static readonly Option<string?> Persist = CliOptions.Single("--persist", "FILE", """
            at exit, write the guest's changes to the root (not to --bind mounts, /tmp, /dev/shm,
            /proc, /dev or /sys) to FILE as an OCI layer tar: new and changed files with their
            modes, owners, times (to 100 ns) and extended attributes, hard and symbolic links,
            FIFOs, deletions as ".wh." whiteouts and directories made anew as opaque. FILE is
            written beside it under a temporary name and renamed, so it is never left half
            written. Also done when the guest dies of a signal and when userkernel gets
            SIGINT, SIGTERM or SIGHUP (the guests are then killed and the exit status is
            128+N). Not with --read-only
            """);

        public static readonly Option<int?> PidsLimit = CliOptions.Single<int?>("--pids-limit", "N", """
            at most N guest tasks (processes and threads) at once (default 4096); past it,
            fork, vfork and clone fail with EAGAIN, as under a pids cgroup
            """, value => ParsePidsLimit(value));

        public static readonly Option<long?> DiskSize = CliOptions.Single<long?>("--disk-size", "SIZE", """
            room for the file bytes of the overlay and every tmpfs together (like 512M or 2G;
            default 8G, and in memory at most half of it); past it, writes, fallocate and
            ftruncate fail with ENOSPC. As root the bytes are on disk, in an ext4 filesystem
            on a loop device made for the run; otherwise in a tmpfs of that size
            """, value => ParseDiskSize(value));

        public static readonly Option<List<string>> Extensions = CliOptions.Repeatable("--extension", "DLL", """
            load a kernel extension: a .NET assembly with filesystems, character devices or
            syscalls of its own, written against the Kernel's API (docs/extensions.md); its
            devices appear as /dev/NAME, its syscalls in the table (repeatable). Needs the JIT
            build, which ./userkernel picks when it sees this option
            """);

        public static readonly Option<List<FilesystemMount>> Mounts = CliOptions.Repeatable("--mount", "TYPE:DIR[:OPTS]", """
            mount a new filesystem of TYPE (tmpfs, proc, sysfs, devtmpfs, or one an
            extension registers) on the guest directory DIR, which must exist (repeatable).
            OPTS are comma-separated, as mount -o takes them; source=PATH names a host file
            for filesystems that read one (a guest's mount(2) names a file of its own tree)
            """, ParseMount);

        /// <summary>Everything from the first word that is no option of run's is the guest's, as after `--`.</summary>
        public static readonly Argument<string[]> Command = new("COMMAND")
        {
            Arity = ArgumentArity.ZeroOrMore,
            CaptureRemainingTokens = true,
            Description = "the guest's command and its arguments (ARG...), passed as they are",
        };

        public static readonly Option[] All =
        [
            Image, Env, Workdir, Hostname, User, Trace, TraceFile, TraceJson, TracePerfetto, TraceFilter, Summary, BreakOn,
            WaitForDebugger, ReadOnly, Binds, Network, Layers, Persist, PidsLimit, DiskSize, Extensions, Mounts,
        ];
    }

    /// <summary>`userkernel run`: its options and argument, and the run as its action.</summary>
    public static Command Definition()
    {
        var command = new Command("run", Description);
        foreach (Option option in Line.All) command.Options.Add(option);
        command.Arguments.Add(Line.Command);
        command.SetAction(result =>
        {
            StartupProfile.Mark("options parsed");
            int status = Execute(OptionsOf(result));
            StartupProfile.Mark("the run's files disposed");
            StartupProfile.Report();
            return status;
        });
        return command;
    }

    /// <summary>The options of a parse of `run` that has no errors.</summary>
    internal static Options OptionsOf(ParseResult r)
    {
        string? trace = r.GetValue(Line.TraceFile), traceJson = r.GetValue(Line.TraceJson), tracePerfetto = r.GetValue(Line.TracePerfetto);
        string? traceFilter = r.GetValue(Line.TraceFilter);
        bool summary = r.GetValue(Line.Summary);
        // A filter alone traces to stderr.
        bool traceStderr = r.GetValue(Line.Trace) || (traceFilter != null && trace == null && traceJson == null && tracePerfetto == null && !summary);
        var breakOn = new HashSet<string>(StringComparer.Ordinal);
        foreach (string list in r.GetValue(Line.BreakOn) ?? [])
            foreach (string name in list.Split(',', StringSplitOptions.RemoveEmptyEntries)) breakOn.Add(name);
        return new Options(r.GetValue(Line.Image), r.GetValue(Line.Env) ?? [], r.GetValue(Line.Workdir), r.GetValue(Line.Hostname) ?? "userkernel",
            new List<string>(r.GetValue(Line.Command) ?? []))
        {
            TraceFile = trace,
            TraceToStderr = traceStderr,
            TraceJson = traceJson,
            TracePerfetto = tracePerfetto,
            TraceFilter = traceFilter,
            Summary = summary,
            BreakOn = breakOn,
            WaitForDebugger = r.GetValue(Line.WaitForDebugger),
            ReadOnly = r.GetValue(Line.ReadOnly),
            User = r.GetValue(Line.User),
            Binds = r.GetValue(Line.Binds) ?? [],
            Network = r.GetValue(Line.Network) ?? NetworkMode.Host,
            Persist = r.GetValue(Line.Persist),
            Layers = r.GetValue(Line.Layers) ?? [],
            PidsLimit = r.GetValue(Line.PidsLimit) ?? KernelOptions.DefaultPidsLimit,
            DiskSize = r.GetValue(Line.DiskSize),
            Extensions = r.GetValue(Line.Extensions) ?? [],
            FilesystemMounts = r.GetValue(Line.Mounts) ?? [],
        };
    }

    /// <summary>
    /// run's words as System.CommandLine must see them to read them as run always has. Its tokenizer splits every word
    /// made of a known option, '=' and a value (`--trace=FILE` becomes `--trace FILE`), even in the guest's command
    /// when no `--` came before it; so `--` is put where the guest's command starts when it was left out. And as
    /// --trace is a flag, FILE would start the guest's command: `--trace=FILE` becomes the hidden `--trace-file FILE`.
    /// run's options end at `--`, or at the first word that is neither an option nor an option's value.
    /// </summary>
    /// <param name="args">The whole command line, starting with "run".</param>
    internal static string[] Spelled(string[] args)
    {
        var words = new List<string>(args.Length + 1) { args[0] };
        int i = 1;
        for (; i < args.Length; i++)
        {
            string a = args[i];
            if (a == "--" || !a.StartsWith('-')) break;
            if (a.StartsWith("--trace=", StringComparison.Ordinal) || a.StartsWith("--trace:", StringComparison.Ordinal))
            {
                words.Add(Line.TraceFile.Name);
                words.Add(a["--trace=".Length..]);
                continue;
            }
            words.Add(a);
            // The next word is this option's value unless the value is attached (--image=IMG); it may start with '-'.
            if (a.IndexOfAny(['=', ':']) < 0 && TakesValue(a) && i + 1 < args.Length) words.Add(args[++i]);
        }
        if (i < args.Length && args[i] != "--") words.Add("--");
        words.AddRange(args.AsSpan(i));
        return words.ToArray();
    }

    private static bool TakesValue(string name)
    {
        foreach (Option option in Line.All)
            if ((option.Name == name || option.Aliases.Contains(name)) && option.Arity.MaximumNumberOfValues > 0) return true;
        return false;
    }

    /// <summary>
    /// What the options name on the host, checked before anything is made: the image exists; --persist needs the
    /// writable overlay and a directory to write in, so no work is lost at the end; every --layer is a file.
    /// </summary>
    private static void Check(Options o)
    {
        if (o.Image != null && !File.Exists(o.Image)) throw new UsageException($"image not found: {o.Image}");
        if (o.Persist != null)
        {
            if (o.ReadOnly) throw new UsageException("run: --persist saves the changes of the writable root; it cannot be used with --read-only");
            string full = Path.GetFullPath(o.Persist);
            if (Directory.Exists(full)) throw new UsageException($"run: --persist: {o.Persist} is a directory");
            if (!Directory.Exists(Path.GetDirectoryName(full))) throw new UsageException($"run: --persist: the directory of {o.Persist} does not exist");
        }
        foreach (string layer in o.Layers)
        {
            if (Directory.Exists(layer)) throw new UsageException($"run: --layer: {layer} is a directory, not a layer tar");
            if (!File.Exists(layer)) throw new UsageException($"run: --layer: no such file: {layer}");
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

    /// <summary>--disk-size: as image sizes are written (512M, 2G), at least 1 MiB.</summary>
    private static long ParseDiskSize(string value)
    {
        long size;
        try { size = Image.ImageLine.ParseSize("run", value); }
        catch (UsageException) { throw new UsageException($"run: --disk-size '{value}' is not a size (like 512M or 2G)"); }
        return size >= 1 << 20 ? size : throw new UsageException($"run: --disk-size must be at least 1M, not '{value}'");
    }

    private static int ParsePidsLimit(string value) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n >= 1
            ? n : throw new UsageException($"run: --pids-limit wants a number of tasks, at least 1, not '{value}'");
}
