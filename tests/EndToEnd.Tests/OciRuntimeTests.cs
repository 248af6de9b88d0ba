using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Threading.Tasks;
using CliWrap;
using CliWrap.Buffered;
using UserKernel.TestSupport;
using Xunit;

namespace UserKernel.EndToEnd.Tests;

/// <summary>
/// `userkernel runtime` as an OCI runtime: podman runs the same commands with it and with runc (the default runtime
/// here), and the outputs and exit statuses are compared; and the runtime is driven directly as containerd's shim
/// drives one (create, start, state, kill, delete) with a console socket.
/// </summary>
[Collection("oci-runtime")]
public sealed class OciRuntimeTests : IClassFixture<OciRuntimeTests.PodmanImage>
{
    private readonly PodmanImage image;

    public OciRuntimeTests(PodmanImage image) { this.image = image; }

    /// <summary>A busybox tree imported into podman once, and a runtime path for podman that runs the launcher's build.</summary>
    public sealed class PodmanImage : IAsyncLifetime
    {
        public const string Name = "localhost/userkernel-oci-test:latest";
        public TempDir Dir { get; } = new("oci");
        public string Runtime { get; private set; } = "";
        public string Runc { get; private set; } = "";
        public string Tree { get; private set; } = "";

        public async Task InitializeAsync()
        {
            HostTool.Locate("podman", "podman");
            Runc = HostTool.Locate("runc", "runc");
            if (Environment.UserName != "root")
                throw new InvalidOperationException("the OCI runtime tests run podman as root (CI runs them as root)");
            Tree = Dir.CreateDirectory("tree");
            foreach (string d in new[] { "bin", "etc", "tmp", "proc", "sys", "dev", "root" }) Directory.CreateDirectory(Path.Combine(Tree, d));
            File.Copy(HostTool.Locate("busybox", "busybox-static"), Path.Combine(Tree, "bin", "busybox"));
            foreach (string applet in new[] { "sh", "ls", "cat", "echo", "id", "hostname", "sleep", "touch", "grep", "stat", "ulimit", "tty", "env" })
                File.CreateSymbolicLink(Path.Combine(Tree, "bin", applet), "busybox");
            File.WriteAllText(Path.Combine(Tree, "etc", "passwd"), "root:x:0:0:root:/root:/bin/sh\n");
            File.WriteAllText(Path.Combine(Tree, "etc", "group"), "root:x:0:\n");
            string tar = Dir.Combine("tree.tar");
            await HostTool.RunAsync("tar", "tar", ["-C", Tree, "-cf", tar, "."]);
            BufferedCommandResult import = await Podman(["import", tar, Name]);
            if (import.ExitCode != 0) throw new InvalidOperationException("podman import failed: " + import.StandardError);
            // podman runs the runtime for every step and gives some steps a few seconds (a stop waits 5 s for the kill to
            // take), as runc, a native program, needs: the launcher's native build, not the JIT's seconds under load.
            string launcher = Launcher();
            BufferedCommandResult build = await Cli.Wrap(launcher).WithArguments(["--version"])
                .WithValidation(CommandResultValidation.None).ExecuteBufferedAsync();
            if (build.ExitCode != 0) throw new InvalidOperationException($"{launcher} --version (which builds it) failed:\n{build.StandardError}");
            Runtime = Dir.Combine("userkernel-runtime");
            File.WriteAllText(Runtime, $"#!/bin/sh\nexec '{launcher}' runtime --root '{Dir.Combine("state")}' \"$@\"\n");
            File.SetUnixFileMode(Runtime, (UnixFileMode)0x1ED);
        }

        /// <summary>The repository's ./userkernel launcher, above the test's output directory.</summary>
        private static string Launcher()
        {
            for (DirectoryInfo? d = new(AppContext.BaseDirectory); d != null; d = d.Parent)
                if (File.Exists(Path.Combine(d.FullName, "UserKernel.sln")) && File.Exists(Path.Combine(d.FullName, "userkernel")))
                    return Path.Combine(d.FullName, "userkernel");
            throw new InvalidOperationException($"no ./userkernel launcher above {AppContext.BaseDirectory}");
        }

        public async Task DisposeAsync()
        {
            await Podman(["rmi", "--force", Name]); // each run imports afresh: leave no image behind
            Dir.Dispose();
        }
    }

    // podman here needs cgroupfs and explicit limits (see the README of the machines); both runtimes get the same.
    private static readonly string[] Limits = ["--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024"];

    private static async Task<BufferedCommandResult> Podman(IEnumerable<string> args) =>
        await Cli.Wrap(HostTool.Locate("podman", "podman")).WithArguments(["--cgroup-manager=cgroupfs", .. args])
            .WithValidation(CommandResultValidation.None).ExecuteBufferedAsync();

    private async Task<(string Output, int Status)> PodmanRun(string runtime, params string[] args)
    {
        BufferedCommandResult r = await Podman(["--runtime", runtime, "run", "--rm", .. Limits, .. args]);
        return (r.StandardOutput + r.StandardError, r.ExitCode);
    }

    [Fact]
    public async Task Podman_run_gives_what_runc_gives()
    {
        // The default hostname is the container's id, different each run: its length and its /etc/hostname are compared.
        string[] command = [PodmanImage.Name, "sh", "-c", "echo hello; id; h=$(hostname); echo ${#h}; [ \"$h\" = \"$(cat /etc/hostname)\" ] && echo same-as-etc-hostname; " +
                           "ls /; grep -c . /etc/hosts; cat /proc/self/cgroup >/dev/null && echo proc-mounted; exit 3"];
        var native = await PodmanRun(image.Runc, command);
        var ours = await PodmanRun(image.Runtime, command);
        Assert.Equal(3, native.Status);
        Assert.Equal(Lines(native.Output), Lines(ours.Output));
        Assert.Equal(native.Status, ours.Status);
    }

    [Fact]
    public async Task Podman_run_it_through_a_pty_gives_what_runc_gives()
    {
        async Task<(string[] Lines, int Status)> Interactive(string runtime)
        {
            // script(1) gives podman a terminal of its own, as a user's would be.
            string podman = $"{HostTool.Locate("podman", "podman")} --cgroup-manager=cgroupfs --runtime {runtime} run --rm -it {string.Join(' ', Limits)} " +
                            $"{PodmanImage.Name} sh -c 'tty; [ -t 0 ] && echo on-a-terminal; stty size; ls /dev/pts; exit 6'";
            BufferedCommandResult r = await Cli.Wrap(HostTool.Locate("script", "bsdutils")).WithArguments(["-qec", podman, "/dev/null"])
                .WithStandardInputPipe(PipeSource.Null).WithValidation(CommandResultValidation.None).ExecuteBufferedAsync();
            // podman's attach sends the terminal one NUL byte, which the line discipline echoes as ^@ wherever the
            // program's output has got to, under either runtime (a race of podman's own): it is not compared.
            string output = r.StandardOutput;
            int nul = output.IndexOf("^@", StringComparison.Ordinal);
            if (nul >= 0) output = output.Remove(nul, 2);
            return (Lines(output), r.ExitCode);
        }
        var native = await Interactive(image.Runc);
        var ours = await Interactive(image.Runtime);
        Assert.Contains("/dev/pts/0", native.Lines);
        Assert.Equal(native.Lines, ours.Lines);
        Assert.Equal(6, native.Status);
        Assert.Equal(native.Status, ours.Status);
    }

    [Fact]
    public async Task Podman_options_give_what_runc_gives()
    {
        string hostDir = image.Dir.CreateDirectory("hostdir");
        File.WriteAllText(Path.Combine(hostDir, "f"), "from the host\n");
        string script = "echo $FOO; id; hostname; cat /hostdir/f; echo x > /hostdir/g; echo rc=$?; touch /newfile; echo rc=$?; " +
                        "touch /scratch/a && stat -c '%a %U' /scratch /scratch/a; cat /etc/hostname; echo; " +
                        "grep -E '^(Cap|Uid|Gid|Groups)' /proc/self/status; ulimit -n";
        string[] args = ["--read-only", "-v", hostDir + ":/hostdir:ro", "--tmpfs", "/scratch", "-u", "1000:1000", "--hostname", "myhost",
                         "-e", "FOO=bar", PodmanImage.Name, "sh", "-c", script];
        var native = await PodmanRun(image.Runc, args);
        var ours = await PodmanRun(image.Runtime, args);
        Assert.Contains("from the host", native.Output);
        Assert.Equal(Lines(native.Output), Lines(ours.Output));
        Assert.Equal(native.Status, ours.Status);
        Assert.False(File.Exists(Path.Combine(hostDir, "g")));
    }

    [Fact]
    public async Task Podman_detached_container_execs_lists_logs_stops_and_is_removed_as_under_runc()
    {
        async Task<string> Lifecycle(string runtime, string name)
        {
            var log = new List<string>();
            BufferedCommandResult run = await Podman(["--runtime", runtime, "run", "-d", "--name", name, .. Limits, PodmanImage.Name, "sh", "-c", "echo started; sleep 100"]);
            log.Add($"run {run.ExitCode}");
            await Task.Delay(2000);
            BufferedCommandResult ps = await Podman(["ps", "--filter", "name=" + name, "--format", "{{.Names}}"]);
            log.Add("ps " + ps.StandardOutput.Trim().Replace(name, "NAME"));
            log.Add("state " + (await Podman(["inspect", name, "--format", "{{.State.Status}}"])).StandardOutput.Trim());
            async Task Exec(params string[] args)
            {
                BufferedCommandResult r = await Podman(["--runtime", runtime, "exec", .. args]);
                string output = args[0] == "-d" ? "(a session id)" : r.StandardOutput.Trim(); // -d prints a new id each time
                log.Add($"exec {string.Join(' ', args).Replace(name, "NAME")}: {r.ExitCode} {output}");
                // podman's own failures (125, and 255 for an exec whose status it lost, once, under load): in its words
                if (r.ExitCode is 125 or 255) log.Add("exec said: " + r.StandardError.Trim());
            }
            // The shell counts the processes itself (a pipeline would race with its own members).
            await Exec(name, "sh", "-c", "echo in exec; id; set -- /proc/[0-9]*; echo $#; exit 4");
            await Exec("-u", "1000:1000", "-e", "X=y", "-w", "/tmp", name, "sh", "-c", "id; echo $X; pwd");
            await Exec(name, "/nonexistent");
            await Exec("-d", name, "sleep", "30");
            await Exec(name, "sh", "-c", "set -- /proc/[0-9]*; echo $#"); // the detached sleep is among them
            log.Add("logs " + (await Podman(["logs", name])).StandardOutput.Trim());
            // sh as pid 1 has no SIGTERM handler: the signal is dropped (as for any namespace's init) and podman kills it.
            BufferedCommandResult stop = await Podman(["--runtime", runtime, "stop", "-t", "1", name]);
            log.Add($"stop {stop.ExitCode}");
            if (stop.ExitCode != 0) log.Add("stop said: " + stop.StandardError.Trim()); // why, should it ever fail (once, under load)
            log.Add("exit " + (await Podman(["inspect", name, "--format", "{{.State.ExitCode}}"])).StandardOutput.Trim());
            log.Add($"rm {(await Podman(["--runtime", runtime, "rm", name])).ExitCode}");
            log.Add("after " + (await Podman(["ps", "-a", "--filter", "name=" + name, "--format", "{{.Names}}"])).StandardOutput.Trim());
            return string.Join("\n", log);
        }
        string native = await Lifecycle(image.Runc, "uk-oci-runc");
        string ours = await Lifecycle(image.Runtime, "uk-oci-ours");
        Assert.Contains("logs started", native);
        Assert.Contains("exit 137", native);
        Assert.True(native == ours, $"under runc:\n{native}\n\nunder userkernel:\n{ours}"); // whole, with podman's words
    }

    [Fact]
    public async Task Runtime_driven_as_a_shim_would_with_a_console_socket_create_start_state_kill_delete()
    {
        using var dir = new TempDir("bundle");
        string bundle = dir.Path;
        CopyTree(image.Tree, Path.Combine(bundle, "rootfs"));
        File.WriteAllText(Path.Combine(bundle, "config.json"), $$"""
            { "ociVersion": "1.0.2",
              "process": { "terminal": true, "user": { "uid": 0, "gid": 0 }, "cwd": "/",
                           "args": ["sh", "-c", "tty; [ -t 0 ] && echo on-a-terminal; hostname; echo done; exec sleep 100"],
                           "env": ["PATH=/bin"] },
              "root": { "path": "rootfs", "readonly": true }, "hostname": "shimmed",
              "annotations": { "org.example.test": "yes" } }
            """);
        string root = dir.CreateDirectory("state");
        string socket = Path.Combine(dir.Path, "console.sock");
        string received = Path.Combine(dir.Path, "console.out");
        // The engine's end of the console socket: takes the pty master and copies what the container writes.
        var console = Cli.Wrap("python3").WithArguments(["-c", ConsoleReceiver, socket, received])
            .WithValidation(CommandResultValidation.None).ExecuteBufferedAsync();
        for (int i = 0; i < 100 && !File.Exists(socket); i++) await Task.Delay(50);

        await using var shim = new Shim(root);

        var create = await shim.Create("--bundle", bundle, "--console-socket", socket, "--pid-file", dir.Combine("pid"), "c1");
        Assert.True(create.ExitCode == 0, create.Stderr);
        JsonElement state = JsonDocument.Parse((await shim.Run("state", "c1")).StandardOutput).RootElement;
        Assert.Equal("created", state.GetProperty("status").GetString());
        Assert.Equal(File.ReadAllText(dir.Combine("pid")), state.GetProperty("pid").GetInt32().ToString());
        Assert.Equal("yes", state.GetProperty("annotations").GetProperty("org.example.test").GetString());
        Assert.Equal(bundle, state.GetProperty("bundle").GetString());

        Assert.Equal(0, (await shim.Run("start", "c1")).ExitCode);
        // The program sleeps once it has written everything: then it is running, and is killed as a shim kills it.
        for (int i = 0; i < 200 && !(await shim.Run("ps", "c1")).StandardOutput.Contains("sleep"); i++) await Task.Delay(50);
        Assert.Equal("running", JsonDocument.Parse((await shim.Run("state", "c1")).StandardOutput).RootElement.GetProperty("status").GetString());
        Assert.Equal(0, (await shim.Run("kill", "c1", "KILL")).ExitCode);
        await console; // the receiver ends when the terminal closes
        string output = File.ReadAllText(received);
        Assert.Contains("on-a-terminal", output);
        Assert.Contains("/dev/pts/", output);
        Assert.Contains("shimmed", output);
        Assert.Contains("done", output);
        for (int i = 0; i < 100 && JsonDocument.Parse((await shim.Run("state", "c1")).StandardOutput).RootElement.GetProperty("status").GetString() != "stopped"; i++)
            await Task.Delay(50);
        Assert.Equal("stopped", JsonDocument.Parse((await shim.Run("state", "c1")).StandardOutput).RootElement.GetProperty("status").GetString());
        Assert.NotEqual(0, (await shim.Run("start", "c1")).ExitCode); // a stopped container does not start again
        Assert.Equal(0, (await shim.Run("delete", "c1")).ExitCode);
        BufferedCommandResult gone = await shim.Run("state", "c1");
        Assert.NotEqual(0, gone.ExitCode);
        Assert.Contains("does not exist", gone.StandardError);
    }

    [Fact]
    public async Task Runtime_kill_follows_init_rules_and_delete_needs_force_while_running()
    {
        using var dir = new TempDir("bundle");
        CopyTree(image.Tree, Path.Combine(dir.Path, "rootfs"));
        File.WriteAllText(Path.Combine(dir.Path, "config.json"), """
            { "ociVersion": "1.0.2", "root": { "path": "rootfs" },
              "process": { "args": ["sleep", "100"], "env": ["PATH=/bin"], "cwd": "/" } }
            """);
        string root = dir.CreateDirectory("state");
        await using var shim = new Shim(root);
        async Task<string> Status() => JsonDocument.Parse((await shim.Run("state", "k1")).StandardOutput).RootElement.GetProperty("status").GetString()!;

        var create = await shim.Create("--bundle", dir.Path, "k1");
        Assert.True(create.ExitCode == 0, create.Stderr);
        Assert.Equal(0, (await shim.Run("start", "k1")).ExitCode);
        await Task.Delay(500);
        Assert.Equal("running", await Status());
        Assert.Contains("sleep", (await shim.Run("ps", "k1")).StandardOutput);
        Assert.Equal(0, (await shim.Run("kill", "k1", "TERM")).ExitCode); // sleep has no handler: dropped, as for an init
        await Task.Delay(500);
        Assert.Equal("running", await Status());
        Assert.NotEqual(0, (await shim.Run("delete", "k1")).ExitCode);
        Assert.Equal(0, (await shim.Run("kill", "k1", "SIGKILL")).ExitCode);
        for (int i = 0; i < 100 && await Status() != "stopped"; i++) await Task.Delay(50);
        Assert.Equal("stopped", await Status());
        Assert.Equal(0, (await shim.Run("delete", "k1")).ExitCode);
    }

    [Theory]
    [InlineData("""{ "ociVersion": "invalid", "root": { "path": "rootfs" }, "process": { "args": ["sh"], "cwd": "/" } }""", "ociVersion 'invalid'")]
    [InlineData("""{ "ociVersion": "2.0.0", "root": { "path": "rootfs" }, "process": { "args": ["sh"], "cwd": "/" } }""", "ociVersion '2.0.0'")]
    [InlineData("""{ "ociVersion": "1.0.2", "root": { "path": "rootfs" }, "process": { "args": [], "cwd": "/" } }""", "process.args is empty")]
    [InlineData("""{ "ociVersion": "1.0.2", "root": { "path": "rootfs" }, "process": { "args": ["sh"], "cwd": "/" """, "not valid JSON")]
    [InlineData(null, "cannot read")]
    public async Task Runtime_refuses_a_bundle_it_cannot_run_and_leaves_no_container(string? config, string message)
    {
        using var dir = new TempDir("bundle");
        Directory.CreateDirectory(Path.Combine(dir.Path, "rootfs"));
        if (config != null) File.WriteAllText(Path.Combine(dir.Path, "config.json"), config);
        await using var shim = new Shim(dir.CreateDirectory("state"));

        var create = await shim.Create("--bundle", dir.Path, "bad");

        Assert.NotEqual(0, create.ExitCode);
        Assert.Contains(message, create.Stderr);
        Assert.Contains("does not exist", (await shim.Run("state", "bad")).StandardError);
    }

    /// <summary>The runtime called directly, as containerd's shim calls it, with its state under one root.</summary>
    private sealed class Shim(string root) : IAsyncDisposable
    {
        private readonly List<string> created = [];

        // A failed test leaves no container running.
        public async ValueTask DisposeAsync()
        {
            foreach (string id in created) await Run("delete", "--force", id);
        }

        public Task<BufferedCommandResult> Run(params string[] args) =>
            Cli.Wrap("dotnet").WithArguments([Runner.UserKernelDll, "runtime", "--root", root, .. args])
                .WithValidation(CommandResultValidation.None).ExecuteBufferedAsync();

        // create leaves the container holding the stdio it was given, as runc does: given pipes, the caller would wait
        // for the container's end before create's, so create is given files (as a shim gives fifos).
        public async Task<(int ExitCode, string Stderr)> Create(params string[] args)
        {
            created.Add(args[^1]);
            string stderr = Path.Combine(root, "create.stderr");
            CommandResult r = await Cli.Wrap("sh")
                .WithArguments(["-c", "err=$1; shift; exec \"$@\" </dev/null >/dev/null 2>\"$err\"", "sh", stderr,
                                "dotnet", Runner.UserKernelDll, "runtime", "--root", root, "create", .. args])
                .WithValidation(CommandResultValidation.None).ExecuteAsync();
            return (r.ExitCode, File.ReadAllText(stderr));
        }
    }

    private const string ConsoleReceiver = """
        import socket, sys, os, array, select
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM); s.bind(sys.argv[1]); s.listen(1); s.settimeout(60)
        c, _ = s.accept()
        msg, anc, _, _ = c.recvmsg(1024, socket.CMSG_LEN(4))
        fds = array.array("i"); [fds.frombytes(d[:4]) for (_, _, d) in anc]
        out = b""
        while True:
            r, _, _ = select.select([fds[0]], [], [], 30)
            if not r: break
            try: d = os.read(fds[0], 4096)
            except OSError: break
            if not d: break
            out += d
        open(sys.argv[2], "wb").write(out)
        """;

    private static string[] Lines(string s) => s.Split('\n').Select(l => l.TrimEnd('\r')).ToArray();

    private static void CopyTree(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (string entry in Directory.EnumerateFileSystemEntries(from))
        {
            string target = Path.Combine(to, Path.GetFileName(entry));
            var info = new FileInfo(entry);
            if (info.LinkTarget != null) File.CreateSymbolicLink(target, info.LinkTarget);
            else if (Directory.Exists(entry)) CopyTree(entry, target);
            else File.Copy(entry, target);
        }
    }
}
