using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using CliWrap;
using CliWrap.Buffered;
using UserKernel.TestSupport;
using Xunit;

namespace UserKernel.EndToEnd.Tests;

/// <summary>
/// The trace files a run writes for other tools: --trace-perfetto (Chrome trace-event JSON, for ui.perfetto.dev)
/// and the HTML page `trace report` makes of --trace-json, opened in headless Chromium.
/// </summary>
[Collection(GuestImageCollection.Name)]
public sealed class TraceFileTests
{
    // A fork and an exec in the child (ls), then the shell's last command, also exec'd.
    private static readonly string[] ForkAndExec = ["/bin/sh", "-c", "/bin/ls / >/dev/null; /bin/cat /etc/passwd"];

    private readonly GuestImage image;

    public TraceFileTests(GuestImage image) { this.image = image; }

    [Fact]
    public async Task Perfetto_trace_has_a_track_per_thread_a_slice_per_syscall_and_the_process_events()
    {
        // Arrange
        using var dir = new TempDir("perfetto");
        string trace = dir.Combine("trace.json");

        // Act
        RunResult r = await Runner.UserKernelAsync(["run", "--trace-perfetto=" + trace, "--image", image.Image, "--", .. ForkAndExec]);

        // Assert
        Assert.True(r.ExitCode == 0, r.ToString());
        PerfettoTrace t = PerfettoTrace.Read(trace);
        Assert.Equal("ns", t.Root.GetProperty("displayTimeUnit").GetString());
        Assert.True(t.ProcessNames.Count >= 2, "a process_name for the shell and its child: " + string.Join(", ", t.ProcessNames.Keys));
        foreach (int pid in t.Events.Where(e => e.Phase != "M").Select(e => e.Pid).Distinct())
            Assert.True(t.ProcessNames.ContainsKey(pid), $"pid {pid} has events but no process_name");
        Assert.Contains("ls", t.ProcessNames.Values.SelectMany(names => names));
        Assert.Contains("cat", t.ProcessNames.Values.SelectMany(names => names));

        List<PerfettoEvent> slices = t.Events.Where(e => e.Phase == "X").ToList();
        Assert.Contains(slices, s => s.Name == "execve");
        Assert.Contains(slices, s => s.Name == "openat" && s.Args.GetProperty("call").GetString()!.Contains("/etc/passwd", StringComparison.Ordinal));
        Assert.Contains(slices, s => s.Name is "clone" or "fork" or "vfork");
        foreach (PerfettoEvent s in slices)
        {
            Assert.True(s.Duration >= 0, $"{s.Name}: dur {s.Duration}");
            Assert.True(s.Args.GetProperty("kernel_us").GetDouble() >= 0);
            Assert.Contains(s.Args.GetProperty("disposition").GetString(), new[] { "emulated", "forwarded", "unimplemented" });
            Assert.True(s.Args.TryGetProperty("result", out _));
        }
        Assert.Contains(slices, s => s.Args.TryGetProperty("errno", out _) || s.Args.GetProperty("result").GetString() == "0");

        List<PerfettoEvent> instants = t.Events.Where(e => e.Phase == "i").ToList();
        Assert.Contains(instants, i => i.Category == "fork");
        Assert.Contains(instants, i => i.Category == "exec" && i.Args.GetProperty("path").GetString() == "/bin/ls");
        Assert.Contains(instants, i => i.Category == "exit" && i.Pid == 1);
        Assert.True(instants.Count(i => i.Category == "exit") >= 2, "an exit for the shell and for its child");

        foreach (PerfettoEvent e in t.Events.Where(e => e.Phase != "M"))
            Assert.True(t.Threads.Contains((e.Pid, e.Tid)), $"{e.Name} on pid {e.Pid} tid {e.Tid}, which no thread_name declares");
        foreach (IGrouping<int, PerfettoEvent> thread in t.Events.Where(e => e.Phase != "M").GroupBy(e => e.Tid))
        {
            double last = double.MinValue;
            foreach (PerfettoEvent e in thread)
            {
                Assert.True(e.Ts >= last, $"thread {thread.Key}: {e.Name} at {e.Ts} comes after an event at {last}");
                last = e.Ts;
            }
        }
    }

    [Fact]
    public async Task Perfetto_trace_keeps_only_what_the_trace_filter_selects()
    {
        // Arrange
        using var dir = new TempDir("perfetto-filter");
        string trace = dir.Combine("trace.json");

        // Act
        RunResult r = await Runner.UserKernelAsync(["run", "--trace-perfetto=" + trace, "--trace-filter=openat", "--image", image.Image, "--", .. ForkAndExec]);

        // Assert
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.DoesNotContain("openat(", r.StandardError, StringComparison.Ordinal); // the file takes the trace, not stderr
        List<PerfettoEvent> slices = PerfettoTrace.Read(trace).Events.Where(e => e.Phase == "X").ToList();
        Assert.NotEmpty(slices);
        Assert.All(slices, s => Assert.Equal("openat", s.Name));
    }

    [Fact]
    public async Task Perfetto_trace_is_complete_when_the_guest_dies_of_a_signal()
    {
        // Arrange
        using var dir = new TempDir("perfetto-crash");
        string trace = dir.Combine("trace.json");

        // Act
        RunResult r = await Runner.UserKernelAsync(["run", "--trace-perfetto=" + trace, "--image", image.Image, "--", "/bin/sh", "-c", "kill -SEGV $$"]);

        // Assert
        Assert.True(r.ExitCode == 128 + 11, r.ToString());
        PerfettoTrace t = PerfettoTrace.Read(trace);
        Assert.Contains(t.Events, e => e.Phase == "i" && e.Category == "exit" && e.Args.GetProperty("text").GetString()!.Contains("SIGSEGV", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Perfetto_trace_is_complete_when_userkernel_gets_SIGTERM()
    {
        // Arrange
        using var dir = new TempDir("perfetto-sigterm");
        string trace = dir.Combine("trace.json");
        var ready = new TaskCompletionSource();
        using var timeout = new CancellationTokenSource(Runner.Timeout);
        CommandTask<CommandResult> run = Cli.Wrap("dotnet")
            .WithArguments(["exec", Runner.UserKernelDll, "run", "--trace-perfetto=" + trace, "--image", image.Image, "--",
                "/bin/sh", "-c", "echo ready; sleep 30"])
            .WithStandardOutputPipe(PipeTarget.ToDelegate(line => { if (line == "ready") ready.TrySetResult(); }))
            .WithValidation(CommandResultValidation.None)
            .ExecuteAsync(timeout.Token);
        await ready.Task.WaitAsync(Runner.Timeout);

        // Act
        await HostTool.RunAsync("sh", "dash", ["-c", "kill -TERM " + run.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        CommandResult result = await run;

        // Assert
        Assert.Equal(128 + 15, result.ExitCode);
        PerfettoTrace t = PerfettoTrace.Read(trace);
        Assert.Contains(t.Events, e => e.Phase == "X" && e.Name == "execve");
    }

    [Fact]
    public async Task Trace_report_of_a_run_renders_in_headless_Chromium_without_console_errors()
    {
        // Arrange
        using var dir = new TempDir("report");
        string jsonl = dir.Combine("trace.jsonl"), html = dir.Combine("report.html");
        RunResult r = await Runner.UserKernelAsync(["run", "--trace-json=" + jsonl, "--image", image.Image, "--", .. ForkAndExec]);
        Assert.True(r.ExitCode == 0, r.ToString());

        // Act
        RunResult report = await Runner.UserKernelAsync(["trace", "report", jsonl, "-o", html]);
        BufferedCommandResult chromium = await HeadlessChromium.DumpDomAsync(html, dir.CreateDirectory("profile"));

        // Assert
        Assert.True(report.ExitCode == 0, report.ToString());
        string page = File.ReadAllText(html);
        Assert.DoesNotContain("http://", page.Replace("http://www.w3.org/2000/svg", "", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.DoesNotContain("https://", page, StringComparison.Ordinal);
        string dom = chromium.StandardOutput;
        string[] console = chromium.StandardError.Split('\n').Where(l => l.Contains(":CONSOLE", StringComparison.Ordinal) || l.Contains("Uncaught", StringComparison.Ordinal)).ToArray();
        Assert.True(console.Length == 0, "the page logged to the console:\n" + string.Join('\n', console));
        Assert.True(dom.Contains("data-rendered=\"1\"", StringComparison.Ordinal), "the report's script did not finish drawing:\n" + chromium.StandardError);
        Assert.Contains("class=\"timeline\"", dom, StringComparison.Ordinal);
        Assert.Contains("class=\"call", dom, StringComparison.Ordinal);
        Assert.Contains("class=\"mark mark-fork\"", dom, StringComparison.Ordinal);
        Assert.Contains("class=\"process\" data-pid=\"1\"", dom, StringComparison.Ordinal);
        Assert.Contains("class=\"process\" data-pid=\"2\"", dom, StringComparison.Ordinal);
        Assert.Contains("<code>openat</code>", dom, StringComparison.Ordinal);
        Assert.Contains("/etc/passwd", dom, StringComparison.Ordinal);
    }
}

/// <summary>One event of a Chrome trace-event file.</summary>
internal sealed record PerfettoEvent(string Phase, string Name, string? Category, int Pid, int Tid, double Ts, double Duration, JsonElement Args);

/// <summary>A --trace-perfetto file parsed with System.Text.Json: its events and what its metadata declares.</summary>
internal sealed class PerfettoTrace
{
    private PerfettoTrace(JsonElement root) { Root = root; }

    public JsonElement Root { get; }
    public List<PerfettoEvent> Events { get; } = new();

    /// <summary>Each pid's process_name values, in order.</summary>
    public Dictionary<int, List<string>> ProcessNames { get; } = new();
    public HashSet<(int Pid, int Tid)> Threads { get; } = new();

    public static PerfettoTrace Read(string path)
    {
        string text = File.ReadAllText(path);
        JsonDocument doc;
        try { doc = JsonDocument.Parse(text); }
        catch (JsonException ex) { throw new Xunit.Sdk.XunitException($"{path} is not valid JSON ({ex.Message}); it ends with: {text[^Math.Min(200, text.Length)..]}"); }
        var t = new PerfettoTrace(doc.RootElement.Clone());
        foreach (JsonElement e in t.Root.GetProperty("traceEvents").EnumerateArray())
        {
            var ev = new PerfettoEvent(e.GetProperty("ph").GetString()!, e.GetProperty("name").GetString()!,
                e.TryGetProperty("cat", out JsonElement cat) ? cat.GetString() : null, e.GetProperty("pid").GetInt32(), e.GetProperty("tid").GetInt32(),
                e.TryGetProperty("ts", out JsonElement ts) ? ts.GetDouble() : 0, e.TryGetProperty("dur", out JsonElement dur) ? dur.GetDouble() : 0,
                e.GetProperty("args").Clone());
            t.Events.Add(ev);
            if (ev.Phase == "M" && ev.Name == "process_name")
            {
                if (!t.ProcessNames.TryGetValue(ev.Pid, out List<string>? names)) t.ProcessNames[ev.Pid] = names = new();
                names.Add(ev.Args.GetProperty("name").GetString()!);
            }
            if (ev.Phase == "M" && ev.Name == "thread_name") t.Threads.Add((ev.Pid, ev.Tid));
        }
        doc.Dispose();
        return t;
    }
}

/// <summary>Debian's chromium, headless: the page's DOM after its scripts ran, and its console on stderr.</summary>
internal static class HeadlessChromium
{
    public static async Task<BufferedCommandResult> DumpDomAsync(string htmlFile, string profileDirectory)
    {
        string chromium = HostTool.Locate("chromium", "chromium");
        using var timeout = new CancellationTokenSource(Runner.Timeout);
        return await Cli.Wrap(chromium)
            .WithArguments(["--headless=new", "--no-sandbox", "--disable-gpu", "--enable-logging=stderr", "--v=0",
                "--user-data-dir=" + profileDirectory, "--dump-dom", new Uri(htmlFile).AbsoluteUri])
            .WithValidation(CommandResultValidation.None)
            .ExecuteBufferedAsync(Encoding.UTF8, timeout.Token);
    }
}
