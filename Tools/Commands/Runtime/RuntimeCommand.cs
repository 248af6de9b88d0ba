using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using UserKernel.SyscallBridge.Launch;
using UserKernel.SyscallBridge.Tracing;

namespace UserKernel.Tools.Commands.Runtime;

/// <summary>
/// `userkernel runtime` (also `./userkernel-runtime`): the OCI runtime command line as runc and runsc have it, so podman,
/// Docker and containerd can run containers on the user-space kernel. Each container is a sandbox process holding
/// a kernel (<see cref="ContainerSandbox"/>) and a directory under --root with its state.
/// </summary>
public static class RuntimeCommand
{
    public const string Usage = """
        usage: userkernel runtime [GLOBAL OPTIONS] COMMAND [OPTIONS] [ID]
               (engines call ./userkernel-runtime, which is the same)

        An OCI runtime (runtime-spec 1.0): runs an OCI bundle (a directory with config.json and a root
        directory) as a container whose kernel is userkernel's. See docs/oci-runtime.md.

        commands:
          create [--bundle DIR] [--pid-file FILE] [--console-socket SOCKET] [--preserve-fds N] ID
                        boot the container's kernel and stop before its program (state "created"); the pid
                        (in --pid-file and `state`) is the sandbox's, which exits with the program's status
          start ID      run the program of a created container
          run [--bundle DIR] [--pid-file FILE] [--console-socket SOCKET] [--detach] ID
                        create and start; without --detach wait for it, exit with its status and delete it
          state ID      print the container's state as JSON (status creating, created, running or stopped)
          kill [--all] ID [SIGNAL]   send SIGNAL (default SIGTERM, by name or number) to the container
          delete [--force] ID        remove a stopped container (--force: kill it first), running poststop hooks
          exec [--process FILE] [--pid-file FILE] [--console-socket SOCKET] [--detach] [--tty] [--cwd DIR]
               [--env K=V]... [--user UID[:GID]] ID [COMMAND [ARG...]]
                        run another program in a running container
          ps [--format table|json] ID   list the host pids of the container's processes
          list [--format table|json]    list the containers under --root
          features      print what this runtime supports, as JSON
          spec [--bundle DIR]           write a starting config.json into DIR (default .)

        global options:
          --root DIR            where containers' state is kept (default /run/userkernel as root,
                                else $XDG_RUNTIME_DIR/userkernel)
          --log FILE            write warnings and errors to FILE; --log-format text|json (default text)
          --debug               also log what is honoured and how
          --systemd-cgroup      accepted and ignored: the kernel does not use host cgroups
        """;

    /// <summary>
    /// `runtime` as the command tree lists it. Its words are never parsed by System.CommandLine: the runtime keeps
    /// runc's conventions (global options before the command, options ignored for compatibility, exit status 1 on
    /// errors, errors to --log) with <see cref="CommandArgs"/>, and `runtime --help` prints <see cref="Usage"/>.
    /// </summary>
    public static System.CommandLine.Command Definition()
    {
        var words = new System.CommandLine.Argument<string[]>("ARG")
        {
            Arity = System.CommandLine.ArgumentArity.ZeroOrMore,
            CaptureRemainingTokens = true,
            Description = "the runtime's command line, as runc's ('userkernel runtime --help')",
        };
        var command = new System.CommandLine.Command("runtime", "an OCI runtime for podman, Docker and containerd (see 'userkernel runtime --help')") { words };
        command.SetAction(r => Execute(r.GetValue(words) ?? []));
        return command;
    }

    public static int Execute(string[] args)
    {
        string root = DefaultRoot();
        string? logPath = null;
        bool json = false, debug = false;
        int i = 0;
        var global = new List<string>();
        for (; i < args.Length && args[i].StartsWith('-'); i++)
        {
            string a = args[i];
            string Value() => ++i < args.Length ? args[i] : throw new UsageException($"runtime: {a} needs a value");
            string? inline = a.Contains('=') ? a[(a.IndexOf('=') + 1)..] : null;
            string name = inline != null ? a[..a.IndexOf('=')] : a;
            switch (name)
            {
                case "--help" or "-h": Console.Out.WriteLine(Usage); return 0;
                case "--root": root = inline ?? Value(); global.AddRange(["--root", root]); break;
                case "--log": logPath = inline ?? Value(); global.AddRange(["--log", logPath]); break;
                case "--log-format":
                    string format = inline ?? Value();
                    json = format switch { "json" => true, "text" => false, _ => throw new UsageException($"runtime: --log-format wants text or json, not '{format}'") };
                    global.AddRange(["--log-format", format]);
                    break;
                case "--debug": debug = true; global.Add("--debug"); break;
                case "--systemd-cgroup" or "--no-pivot" or "--no-new-keyring": break;
                case "--rootless" or "--criu": if (inline == null) Value(); break;
                default: throw new UsageException($"runtime: unknown option {a}; try 'userkernel runtime --help'");
            }
        }
        if (i >= args.Length) throw new UsageException("runtime: no command given; try 'userkernel runtime --help'");
        var context = new RuntimeContext(Path.GetFullPath(root), new RuntimeLog(logPath, json, debug), debug, global.ToArray());
        string verb = args[i];
        var rest = new CommandArgs(verb, args.AsSpan(i + 1).ToArray(), verb switch
        {
            "ps" or "list" => ["--format", "-f"],
            "exec" => ["--process", "-p", "--pid-file", "--console-socket", "--cwd", "--env", "-e", "--user", "-u", "--process-label",
                       "--apparmor", "--cap", "-c", "--preserve-fds", "--cgroup"],
            _ => ["--bundle", "-b", "--pid-file", "--console-socket", "--preserve-fds", "--console"],
        });
        try
        {
            return verb switch
            {
                "create" => Create(context, rest),
                "start" => Start(context, rest),
                "run" => Run(context, rest),
                "state" => State(context, rest),
                "kill" => Kill(context, rest),
                "delete" => Delete(context, rest),
                "exec" => ContainerExec.Execute(context, rest),
                "ps" => Ps(context, rest),
                "list" => List(context, rest),
                "features" => Features(rest),
                "spec" => Spec(rest),
                "_sandbox" => Sandbox(context, rest),
                _ => throw new UsageException($"runtime: unknown command '{verb}'; try 'userkernel runtime --help'"),
            };
        }
        catch (UsageException ex)
        {
            context.Log.Error(ex.Message);
            return 1;
        }
        catch (GuestStartException ex)
        {
            context.Log.Error(ex.Message);
            return 1;
        }
    }

    private static string DefaultRoot()
    {
        if (Environment.UserName == "root" || Mono.Unix.Native.Syscall.geteuid() == 0) return "/run/userkernel";
        string? xdg = Environment.GetEnvironmentVariable("XDG_RUNTIME_DIR");
        return xdg is { Length: > 0 } ? Path.Combine(xdg, "userkernel") : $"/tmp/userkernel-{Mono.Unix.Native.Syscall.geteuid()}";
    }

    private static int Create(RuntimeContext context, CommandArgs a)
    {
        (_, Process sandbox) = CreateContainer(context, a);
        sandbox.Dispose(); // it stays; `create` exits and the engine (a subreaper) becomes its parent
        return 0;
    }

    /// <summary>create: the container's directory, the sandbox started and "created", the pid file, the hooks.</summary>
    private static (ContainerState, Process) CreateContainer(RuntimeContext context, CommandArgs a)
    {
        string bundle = Path.GetFullPath(a.Option("--bundle", "-b") ?? ".");
        string? pidFile = a.Option("--pid-file");
        string? consoleSocket = a.Option("--console-socket");
        if (a.Option("--preserve-fds") is { } n && n != "0") context.Log.Info($"--preserve-fds {n}: descriptors 3 and up are inherited by the container's program");
        string id = a.Id();
        ContainerState.CheckId(id);
        BundleSpec spec = BundleSpec.Load(bundle);
        if (spec.Process.Terminal && consoleSocket == null) throw new UsageException("process.terminal is true: --console-socket is needed");
        if (!spec.Process.Terminal && consoleSocket != null) throw new UsageException("--console-socket given, but process.terminal is false");

        string dir = ContainerState.Directory(context.Root, id);
        Directory.CreateDirectory(context.Root);
        try { Directory.CreateDirectory(Path.GetDirectoryName(dir)!); }
        catch (IOException ex) { throw new UsageException($"cannot make {context.Root}: {ex.Message}"); }
        if (Directory.Exists(dir)) throw new UsageException($"container '{id}' already exists");
        Directory.CreateDirectory(dir);
        File.Copy(Path.Combine(bundle, "config.json"), ContainerState.ConfigPath(context.Root, id));
        var state = new ContainerState { Id = id, Bundle = bundle, Status = ContainerStatus.Creating, Created = DateTime.UtcNow, Annotations = spec.Annotations };
        state.Save(context.Root);
        StartFifo.Make(Path.Combine(dir, StartFifo.Name));

        string? slave = null;
        if (consoleSocket != null)
        {
            (int master, string slavePath) = ContainerConsole.OpenPty();
            try { ContainerConsole.SendMaster(consoleSocket, master, slavePath); }
            catch (GuestStartException)
            {
                Directory.Delete(dir, recursive: true); // nothing was started: no container
                throw;
            }
            finally { Mono.Unix.Native.Syscall.close(master); }
            slave = slavePath;
        }

        var arguments = new List<string>(context.GlobalArgs) { "_sandbox" };
        if (slave != null) arguments.AddRange(["--console", slave]);
        arguments.Add(id);
        Process sandbox = StartSelf(arguments);
        string error = Path.Combine(dir, "error");
        // The sandbox says "created" in the state file once its kernel is up, or leaves its reason in ROOT/ID/error.
        for (int waited = 0; ; waited += 10)
        {
            if (File.Exists(error) || sandbox.HasExited || waited > 120_000)
            {
                string why = File.Exists(error) ? File.ReadAllText(error).Trim()
                    : sandbox.HasExited ? $"the sandbox exited with status {sandbox.ExitCode}" : "the sandbox did not come up in 120 s";
                if (!sandbox.HasExited) sandbox.Kill();
                sandbox.WaitForExit();
                Directory.Delete(dir, recursive: true);
                throw new UsageException($"create {id}: {why}");
            }
            state = ContainerState.Load(context.Root, id);
            if (state.Status == ContainerStatus.Created) break;
            Thread.Sleep(10);
        }
        if (pidFile != null) WriteWhole(pidFile, state.Pid.ToString(System.Globalization.CultureInfo.InvariantCulture));
        try
        {
            foreach (string kind in new[] { "prestart", "createRuntime", "createContainer" }) Hooks.Run(spec, kind, state, context.Log, failIsError: true);
        }
        catch (UsageException)
        {
            KillAndWait(state);
            Directory.Delete(dir, recursive: true);
            throw;
        }
        if (spec.Hooks.ContainsKey("startContainer")) context.Log.Warn("startContainer hooks are not run: the container has no namespaces to run them in");
        return (state, sandbox);
    }

    private static int Sandbox(RuntimeContext context, CommandArgs a)
    {
        string? console = a.Option("--console");
        string id = a.Id();
        // The sandbox's own record: its pid, and its start time so that a reused pid is never taken for it.
        int pid = Environment.ProcessId;
        ContainerState.Load(context.Root, id).With(pid, ContainerState.StartTimeOf(pid)).Save(context.Root);
        return ContainerSandbox.Serve(context, id, console);
    }

    private static int Start(RuntimeContext context, CommandArgs a)
    {
        ContainerState state = ContainerState.Load(context.Root, a.Id());
        if (state.Status != ContainerStatus.Created)
            throw new UsageException($"cannot start container '{state.Id}': it is {ContainerState.StatusName(state.Status)}, not created");
        if (!StartFifo.Start(Path.Combine(ContainerState.Directory(context.Root, state.Id), StartFifo.Name)))
            throw new UsageException($"cannot start container '{state.Id}': its sandbox is not waiting");
        BundleSpec spec = BundleSpec.Load(context.Root, state);
        Hooks.Run(spec, "poststart", state with { Status = ContainerStatus.Running }, context.Log, failIsError: false);
        return 0;
    }

    private static int Run(RuntimeContext context, CommandArgs a)
    {
        bool detach = a.Flag("--detach", "-d");
        (ContainerState state, Process sandbox) = CreateContainer(context, a);
        Start(context, new CommandArgs("start", [state.Id]));
        if (detach) return 0;
        using var forward = SignalRelay.ToProcess(state.Pid);
        sandbox.WaitForExit();
        int status = sandbox.ExitCode;
        Delete(context, new CommandArgs("delete", [state.Id]));
        return status;
    }

    private static int State(RuntimeContext context, CommandArgs a)
    {
        ContainerState state = ContainerState.Load(context.Root, a.Id());
        Console.OpenStandardOutput().Write(state.ToJson(includePrivate: false));
        return 0;
    }

    private static int Kill(RuntimeContext context, CommandArgs a)
    {
        a.Flag("--all", "-a"); // every process of the container is the sandbox's: signalling it reaches them all
        string id = a.Id();
        int signal = a.Positional.Count > 1 ? ParseSignal(a.Positional[1]) : 15;
        ContainerState state = ContainerState.Load(context.Root, id);
        if (state.Status is not (ContainerStatus.Created or ContainerStatus.Running))
            throw new UsageException($"container '{id}' is not running");
        if (Mono.Unix.Native.Syscall.kill(state.Pid, (Mono.Unix.Native.Signum)signal) != 0)
            throw new UsageException($"cannot signal container '{id}': {Mono.Unix.Native.Stdlib.GetLastError()}");
        return 0;
    }

    private static int Delete(RuntimeContext context, CommandArgs a)
    {
        bool force = a.Flag("--force", "-f");
        string id = a.Id();
        ContainerState state = ContainerState.Load(context.Root, id);
        if (state.Status == ContainerStatus.Running && !force)
            throw new UsageException($"cannot delete container '{id}': it is running (use --force)");
        if (state.Status is ContainerStatus.Created or ContainerStatus.Running or ContainerStatus.Creating) KillAndWait(state);
        try
        {
            BundleSpec spec = BundleSpec.Load(context.Root, state);
            Hooks.Run(spec, "poststop", state with { Status = ContainerStatus.Stopped }, context.Log, failIsError: false);
        }
        catch (UsageException ex) { context.Log.Warn($"poststop hooks not run: {ex.Message}"); }
        Directory.Delete(ContainerState.Directory(context.Root, id), recursive: true);
        return 0;
    }

    private static int Ps(RuntimeContext context, CommandArgs a)
    {
        string format = a.Option("--format", "-f") ?? "table";
        ContainerState state = ContainerState.Load(context.Root, a.Id());
        var pids = new List<int>();
        if (state.Status is ContainerStatus.Created or ContainerStatus.Running) pids.AddRange(GuestPids(state.Pid));
        if (format == "json")
        {
            Console.Out.WriteLine("[" + string.Join(",", pids) + "]");
            return 0;
        }
        if (format != "table") throw new UsageException($"ps: --format wants table or json, not '{format}'");
        Console.Out.WriteLine("PID     CMD");
        foreach (int pid in pids) Console.Out.WriteLine($"{pid,-7} {CommandOf(pid)}");
        return 0;
    }

    private static int List(RuntimeContext context, CommandArgs a)
    {
        string format = a.Option("--format", "-f") ?? "table";
        var states = new List<ContainerState>();
        if (Directory.Exists(context.Root))
            foreach (string dir in Directory.GetDirectories(context.Root).Order(StringComparer.Ordinal))
                try { states.Add(ContainerState.Load(context.Root, Path.GetFileName(dir))); }
                catch (Exception ex) when (ex is UsageException or IOException or System.Text.Json.JsonException) { }
        if (format == "json")
        {
            Console.Out.WriteLine("[" + string.Join(",", states.Select(s => Encoding.UTF8.GetString(s.ToJson(false)).Trim())) + "]");
            return 0;
        }
        Console.Out.WriteLine("ID                  PID       STATUS      BUNDLE");
        foreach (ContainerState s in states) Console.Out.WriteLine($"{s.Id,-19} {s.Pid,-9} {ContainerState.StatusName(s.Status),-11} {s.Bundle}");
        return 0;
    }

    private static int Features(CommandArgs a)
    {
        a.NoPositional();
        Console.Out.Write(RuntimeFeatures.Json());
        return 0;
    }

    private static int Spec(CommandArgs a)
    {
        string bundle = a.Option("--bundle", "-b") ?? ".";
        a.Flag("--rootless");
        a.NoPositional();
        string path = Path.Combine(bundle, "config.json");
        if (File.Exists(path)) throw new UsageException($"{path} exists already");
        File.WriteAllText(path, RuntimeFeatures.DefaultSpec);
        return 0;
    }

    /// <summary>SIGKILL to the sandbox (the guests die with it) and wait until it is gone.</summary>
    private static void KillAndWait(ContainerState state)
    {
        if (!ContainerState.IsAlive(state.Pid, state.PidStartTime)) return;
        Mono.Unix.Native.Syscall.kill(state.Pid, Mono.Unix.Native.Signum.SIGKILL);
        for (int i = 0; i < 1000 && ContainerState.IsAlive(state.Pid, state.PidStartTime); i++) Thread.Sleep(10);
    }

    /// <summary>The host processes the sandbox traces: the container's processes.</summary>
    private static IEnumerable<int> GuestPids(int sandbox)
    {
        // TracerPid names the tracing thread, one of the sandbox's tasks.
        var tracers = new HashSet<string>(Directory.GetDirectories($"/proc/{sandbox}/task").Select(Path.GetFileName)!);
        foreach (string dir in Directory.GetDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out int pid)) continue;
            string? tracer = null;
            try
            {
                foreach (string line in File.ReadLines(Path.Combine(dir, "status")))
                    if (line.StartsWith("TracerPid:", StringComparison.Ordinal)) { tracer = line[10..].Trim(); break; }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException) { continue; }
            if (tracer != null && tracers.Contains(tracer) && CommandOf(pid) != Tracer.SpareName) yield return pid;
        }
    }

    // The host's cmdline of a guest is the loader's stub's, not the guest's arguments; comm is the guest's own.
    private static string CommandOf(int pid)
    {
        try { return File.ReadAllText($"/proc/{pid}/comm").Trim(); }
        catch (IOException) { return ""; }
    }

    internal static int ParseSignal(string s)
    {
        if (int.TryParse(s, out int n) && n is > 0 and < 65) return n;
        string name = s.StartsWith("SIG", StringComparison.Ordinal) ? s[3..] : s;
        int index = Array.IndexOf(SignalNames, name);
        if (index <= 0) throw new UsageException($"unknown signal '{s}'");
        return index;
    }

    private static readonly string[] SignalNames =
    [
        "", "HUP", "INT", "QUIT", "ILL", "TRAP", "ABRT", "BUS", "FPE", "KILL", "USR1", "SEGV", "USR2", "PIPE", "ALRM", "TERM",
        "STKFLT", "CHLD", "CONT", "STOP", "TSTP", "TTIN", "TTOU", "URG", "XCPU", "XFSZ", "VTALRM", "PROF", "WINCH", "IO", "PWR", "SYS",
    ];

    /// <summary>Starts this program again with <paramref name="arguments"/> after `runtime`, inheriting the standard streams.</summary>
    internal static Process StartSelf(IEnumerable<string> arguments)
    {
        string self = Environment.ProcessPath ?? throw new UsageException("cannot find this program's path");
        var start = new ProcessStartInfo(self) { UseShellExecute = false };
        // Under `dotnet userkernel.dll` the program is the host's dotnet, and the assembly its first argument.
        if (Path.GetFileNameWithoutExtension(self) == "dotnet") start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "userkernel.dll"));
        start.ArgumentList.Add("runtime");
        foreach (string a in arguments) start.ArgumentList.Add(a);
        return Process.Start(start) ?? throw new UsageException("cannot start the sandbox");
    }

    private static void WriteWhole(string path, string text)
    {
        string temporary = path + ".new";
        File.WriteAllText(temporary, text);
        File.Move(temporary, path, overwrite: true);
    }
}
