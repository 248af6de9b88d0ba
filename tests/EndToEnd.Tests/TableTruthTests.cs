using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Threading.Tasks;
using UserKernel.Kernel.Syscalls;
using UserKernel.TestSupport;
using Xunit;

namespace UserKernel.EndToEnd.Tests;

/// <summary>
/// What the trace records of real guests against what the table says: each call's disposition is its row's, and the
/// kernel's hot path allocates what the figures below allow, measured by the kernel itself (--trace-json's alloc_bytes).
/// </summary>
[Collection(GuestImageCollection.Name)]
public sealed class TableTruthTests(GuestImage image)
{
    // Programs that between them stop on a wide spread of rows: files, directories, processes, signals, sockets.
    private static readonly string[][] Workloads =
    [
        ["/guest/stat"], ["/guest/getdents"], ["/guest/paths"], ["/guest/errno"], ["/guest/wait"], ["/guest/signals"],
        ["/guest/sockets"], ["/guest/pgrp"], ["/guest/xattr"], ["/guest/hotpath", "20"],
        ["/bin/sh", "-c", "ls -la /etc >/dev/null; cat /etc/passwd | wc -l; kill -0 $$; (sleep 0; exit 3) & wait $!; mkdir /tmp/d; mv /tmp/d /tmp/e; rmdir /tmp/e; echo x >/tmp/f; chmod 600 /tmp/f; rm /tmp/f"],
    ];

    [Fact]
    public async Task Every_traced_call_has_the_disposition_its_row_says()
    {
        // Arrange
        using var dir = new TempDir("table-truth");
        var calls = new List<TracedCall>();

        // Act
        for (int i = 0; i < Workloads.Length; i++)
            calls.AddRange(await TraceAsync(dir.Combine($"trace{i}.json"), Workloads[i]));

        // Assert
        var wrong = new List<string>();
        foreach (TracedCall c in calls)
        {
            SyscallEntry? row = SyscallTable.Lookup(c.Number);
            string? problem = row == null
                ? (c.Disposition == "unimplemented" ? null : "no row, so unimplemented")
                : row.Disposition switch
                {
                    Disposition.Passthrough => "a passthrough row, which never stops",
                    Disposition.Unimplemented => c.Disposition == "unimplemented" ? null : "unimplemented",
                    Disposition.Emulate => c.Disposition == "emulated" || (c.Disposition == "forwarded" && row.ForwardsHostDescriptors)
                        ? null : row.ForwardsHostDescriptors ? "emulated, or forwarded on a host descriptor" : "emulated",
                    Disposition.Forward => c.Disposition == "forwarded" || (c.Disposition == "emulated" && c.Failed)
                        ? null : "forwarded, or an errno the kernel's checks gave",
                    _ => "a disposition the test knows",
                };
            if (problem != null) wrong.Add($"{c.Text} [{c.Disposition}]: its row says {problem}");
        }
        Assert.True(wrong.Count == 0, string.Join('\n', wrong.Distinct()));

        // The runs must reach the rows whose handlers used to do something else than their row said.
        HashSet<string> seen = calls.Select(c => c.Name).ToHashSet();
        foreach (string name in new[] { "openat", "execve", "getdents64", "newfstatat", "fstat", "wait4", "kill", "clone", "stat", "getppid" })
            Assert.True(seen.Contains(name), $"no {name} was traced; seen: {string.Join(' ', seen.Order())}");
        Assert.True(seen.Count >= 40, $"only {seen.Count} different calls were traced: {string.Join(' ', seen.Order())}");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Hot_path_allocates_no_more_than_its_figures(bool readOnly)
    {
        // Arrange: the default root is an overlay over the image; --read-only serves the image's own inodes.
        using var dir = new TempDir("hot-path");

        // Act
        List<TracedCall> calls = await TraceAsync(dir.Combine("trace.json"), ["/guest/hotpath", "200"], readOnly ? ["--read-only"] : []);

        // Assert: the second half of each kind, once the kernel's caches and the JIT are warm. None of these calls makes
        // an object: the path is copied into the task's buffer and its string reused while the task names the same path,
        // the walk reuses the dentries it made last time, and the records of getdents64 are written where they go.
        var ceilings = new Dictionary<string, long>
        {
            ["getppid"] = 0,
            ["fstat"] = 0,
            ["stat"] = 0,
            ["getdents64"] = 0,
            ["openat"] = 0,
        };
        foreach ((string name, long ceiling) in ceilings)
        {
            long[] bytes = calls.Where(c => c.Name == name).Select(c => c.AllocatedBytes).ToArray();
            Assert.True(bytes.Length >= 200, $"{name}: {bytes.Length} calls traced");
            long[] warm = bytes[(bytes.Length / 2)..];
            Assert.True(warm.Max() <= ceiling, $"{name} allocates {warm.Max()} bytes a call (ceiling {ceiling}): {string.Join(' ', warm.Distinct())}");
            Assert.True(warm.Min() == warm.Max(), $"{name} allocates differently from call to call: {string.Join(' ', warm.Distinct())}");
        }
        // A call that must make objects (exec builds a plan and a stack) shows up in the figure, so 0 is no accident.
        Assert.True(calls.Single(c => c.Name == "execve").AllocatedBytes > 0);
    }

    private async Task<List<TracedCall>> TraceAsync(string trace, string[] command, string[]? options = null)
    {
        RunResult r = await Runner.UserKernelAsync(["run", .. options ?? [], "--trace-json=" + trace, "--image", image.Image, "--", .. command]);
        Assert.True(File.Exists(trace), $"{string.Join(' ', command)} wrote no trace: {r}");
        var calls = new List<TracedCall>();
        foreach (string line in File.ReadLines(trace))
        {
            using JsonDocument doc = JsonDocument.Parse(line);
            JsonElement e = doc.RootElement;
            if (e.GetProperty("type").GetString() != "syscall") continue;
            calls.Add(new TracedCall(e.GetProperty("number").GetInt32(), e.GetProperty("name").GetString()!, e.GetProperty("disposition").GetString()!,
                e.GetProperty("errno").ValueKind != JsonValueKind.Null, e.GetProperty("alloc_bytes").GetInt64(), e.GetProperty("text").GetString()!));
        }
        Assert.True(calls.Count > 0, $"{string.Join(' ', command)} traced nothing: {r}");
        return calls;
    }

    private sealed record TracedCall(int Number, string Name, string Disposition, bool Failed, long AllocatedBytes, string Text);
}
