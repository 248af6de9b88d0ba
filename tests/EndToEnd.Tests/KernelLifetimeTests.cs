using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using CliWrap;
using Xunit;

namespace UserKernel.EndToEnd.Tests;

/// <summary>The guests live and die with the kernel process that traces them, and stop signals behave.</summary>
[Collection(GuestImageCollection.Name)]
public sealed class KernelLifetimeTests
{
    private readonly GuestImage image;

    public KernelLifetimeTests(GuestImage image) { this.image = image; }

    [Fact]
    public async Task Guests_die_when_the_kernel_is_killed()
    {
        using var kill = new CancellationTokenSource();
        CommandTask<CommandResult> run = Cli.Wrap("dotnet")
            .WithArguments(["exec", Runner.UserKernelDll, "run", "--image", image.Image, "--", "/bin/sh", "-c", "sleep 30 & sleep 30"])
            .WithValidation(CommandResultValidation.None)
            .ExecuteAsync(CancellationToken.None, kill.Token);
        int kernelPid = run.ProcessId;

        List<int> guests = [];
        for (int i = 0; i < 100 && guests.Count < 2; i++)
        {
            await Task.Delay(100);
            guests = TraceesOf(kernelPid);
        }
        Assert.True(guests.Count >= 2, $"expected two sleeps (the shell execs the last one) traced by the kernel, found {guests.Count}");

        kill.Cancel(); // SIGKILL: the kernel gets no chance to clean up; PTRACE_O_EXITKILL must do it
        try { await run; } catch (OperationCanceledException) { }

        for (int i = 0; i < 50 && guests.Any(Alive); i++) await Task.Delay(100);
        Assert.False(guests.Any(Alive), "guest processes outlived the kernel: " + string.Join(", ", guests.Where(Alive)));
    }

    [Fact]
    public async Task A_stopped_guest_stays_stopped_until_continued()
    {
        // The child stops itself (a group-stop, which the tracer must not mistake for a signal to pass on),
        // so "resumed" can only come after the parent's "continuing" and its SIGCONT.
        RunResult r = await Runner.UserKernelAsync(["run", "--image", image.Image, "--", "/bin/sh", "-c",
            "sh -c 'kill -STOP $$; echo resumed' & p=$!; sleep 0.5; echo continuing; kill -CONT $p; wait $p; echo status=$?"]);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal("continuing\nresumed\nstatus=0\n", r.StandardOutput);
    }

    /// <summary>Processes whose tracer is a thread of <paramref name="tracer"/> (TracerPid names the tracing thread).</summary>
    private static List<int> TraceesOf(int tracer)
    {
        var threads = new HashSet<int>();
        try
        {
            foreach (string t in Directory.EnumerateDirectories($"/proc/{tracer}/task")) threads.Add(int.Parse(Path.GetFileName(t)));
        }
        catch (IOException) { }
        var list = new List<int>();
        foreach (string dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out int pid)) continue;
            try
            {
                string? line = File.ReadLines(Path.Combine(dir, "status")).FirstOrDefault(l => l.StartsWith("TracerPid:", StringComparison.Ordinal));
                if (line != null && threads.Contains(int.Parse(line["TracerPid:".Length..].Trim()))) list.Add(pid);
            }
            catch (IOException) { }
        }
        return list;
    }

    private static bool Alive(int pid)
    {
        try
        {
            // A zombie is dead; only its entry waits for a parent.
            string? state = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith("State:", StringComparison.Ordinal));
            return state != null && !state.Contains('Z');
        }
        catch (IOException) { return false; }
    }
}
