using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Threading.Tasks;
using CliWrap;
using CliWrap.Buffered;
using UserKernel.Kernel.Syscalls;
using UserKernel.TestSupport;
using Xunit;

namespace UserKernel.EndToEnd.Tests;

/// <summary>
/// The tracer shows the mediated syscalls as `strace -f` shows them natively: for each program the
/// sequence of mediated calls of every process (names, decoded arguments, results) is compared with
/// real strace of the same program chrooted into the same image. Pids and addresses are masked.
/// </summary>
[Collection(GuestImageCollection.Name)]
public sealed class StraceComparisonTests
{
    private readonly GuestImage image;

    public StraceComparisonTests(GuestImage image) { this.image = image; }

    public static TheoryData<string> Programs => new()
    {
        "/bin/cat /data/text.txt",
        "/bin/ls -la /data",
        "/bin/ls -l /data/links",
        "/bin/sh -c 'cd /data/nested && pwd'",
        "/bin/sh -c 'echo hi | cat | wc -c'",
        "/bin/sh -c 'for f in a b c; do /bin/true; done'",
        "/bin/sh -c 'exit 3'",
        "/bin/sh -c 'kill -0 $$; echo $?'",
        "/bin/readlink /data/links/rel",
        "/bin/readlink -f /data/links/chain0",
        "/bin/stat -c '%n %s %a' /data/text.txt",
        "/bin/cat /data/missing",
        "/bin/ls /data/links/loop_a",
        "/bin/test -x /data/exec/noexec.sh",
        "/bin/find /data/nested",
        "/bin/wc -l /data/text.txt /data/hardlink.txt",
        "/bin/head -c 10 /data/random.bin",
        "/bin/sh -c '/bin/true; /bin/false; echo $?'",
        "/bin/uname -a",
        "/bin/sh -c 'pwd; cd /; pwd; cd data; pwd'",
        "/guest/stat",
        "/guest/paths",
        "/guest/getdents",
    };

    [Theory]
    [MemberData(nameof(Programs))]
    public async Task Trace_matches_strace_of_the_native_run(string commandLine)
    {
        string[] command = ["/bin/sh", "-c", "exec " + commandLine];
        string hostname = (await File.ReadAllTextAsync("/proc/sys/kernel/hostname")).Trim();
        using var dir = new TempDir("strace");
        string nativeLog = dir.Combine("native.log"), guestLog = dir.Combine("guest.log");

        BufferedCommandResult native = await Cli.Wrap(HostTool.Locate("strace", "strace"))
            .WithArguments(["-f", "-qq", "-o", nativeLog, HostTool.Locate("env", "coreutils"), "-i", "PATH=" + Runner.GuestPath, "HOME=/root", "TERM=dumb",
                HostTool.Locate("chroot", "coreutils"), image.MountPoint, .. command])
            .WithValidation(CommandResultValidation.None).WithWorkingDirectory("/").ExecuteBufferedAsync();
        RunResult guest = await Runner.UserKernelAsync(["run", "--read-only", "--hostname", hostname, "--trace=" + guestLog, "--image", image.Image, "--", .. command]);
        Assert.True(native.ExitCode == guest.ExitCode, $"exit status {guest.ExitCode} under userkernel, {native.ExitCode} natively\n{guest}");

        // Processes are matched by what they did, not by the order they happened to start in.
        List<List<string>> expected = StraceLog.Processes(File.ReadAllLines(nativeLog), native: true).OrderBy(p => string.Join('\n', p), StringComparer.Ordinal).ToList();
        List<List<string>> actual = StraceLog.Processes(File.ReadAllLines(guestLog), native: false).OrderBy(p => string.Join('\n', p), StringComparer.Ordinal).ToList();
        Assert.True(expected.Count > 0 && expected[0].Count > 0, "strace saw no mediated syscall:\n" + File.ReadAllText(nativeLog));
        Assert.Equal(expected.Count, actual.Count);
        for (int p = 0; p < expected.Count; p++)
            Assert.True(expected[p].SequenceEqual(actual[p]), $"process #{p + 1} differs\n{FirstDifference(expected[p], actual[p])}");
    }

    private static string FirstDifference(List<string> expected, List<string> actual)
    {
        int i = 0;
        while (i < expected.Count && i < actual.Count && expected[i] == actual[i]) i++;
        int from = Math.Max(0, i - 2);
        string Show(List<string> l) => string.Join('\n', l.Skip(from).Take(i - from + 3));
        return $"first difference at call #{i + 1} of {expected.Count} (native) / {actual.Count} (userkernel)\n--- strace (native) ---\n{Show(expected)}\n--- userkernel --trace ---\n{Show(actual)}";
    }

    [Fact]
    public async Task Json_trace_parses_line_by_line_and_agrees_with_the_text_trace()
    {
        using var dir = new TempDir("json");
        string text = dir.Combine("trace.log"), json = dir.Combine("trace.jsonl");
        RunResult r = await Runner.UserKernelAsync(["run", "--trace=" + text, "--trace-json=" + json, "--image", image.Image, "--", "/bin/sh", "-c", "ls -la /data >/dev/null; cat /data/missing; exit 0"]);
        Assert.Equal(0, r.ExitCode);

        var fromJson = new List<string>();
        foreach (string line in File.ReadLines(json))
        {
            using JsonDocument doc = JsonDocument.Parse(line);
            JsonElement e = doc.RootElement;
            string type = e.GetProperty("type").GetString()!;
            int pid = e.GetProperty("pid").GetInt32();
            Assert.True(e.GetProperty("time").GetDouble() > 0);
            if (type is "fork" or "exec") continue; // the process tree, which the text trace does not print
            if (type != "syscall") { fromJson.Add($"[pid {pid}] {e.GetProperty("text").GetString()}"); continue; }
            string name = e.GetProperty("name").GetString()!;
            Assert.Equal(name, SyscallTable.Lookup(e.GetProperty("number").GetInt32())!.Name);
            Assert.True(e.GetProperty("duration_ns").GetInt64() >= 0);
            long result = e.GetProperty("result").GetInt64();
            JsonElement errno = e.GetProperty("errno");
            Assert.Equal(result == -1, errno.ValueKind == JsonValueKind.String);
            fromJson.Add($"[pid {e.GetProperty("tid").GetInt32()}] {e.GetProperty("text").GetString()} [{e.GetProperty("disposition").GetString()}]");
        }
        List<string> fromText = File.ReadLines(text).Where(l => !l.StartsWith('#'))
            .Select(l => Regex.Replace(l, @" <\d+\.\d+> \[", " [")).ToList();
        Assert.Equal(fromText, fromJson);
        Assert.Contains(fromJson, l => l.Contains("openat(AT_FDCWD, \"/data/missing\", O_RDONLY) = -1 ENOENT (No such file or directory) [emulated]", StringComparison.Ordinal));
    }
}

/// <summary>Reads strace's and userkernel's logs into per-process lists of normalized mediated calls.</summary>
internal static class StraceLog
{
    private static readonly HashSet<string> Mediated = SyscallTable.Rows.Where(r => r.Disposition != Disposition.Passthrough).Select(r => r.Name).ToHashSet();
    // Rows that stop only for a pid above 0 (StopWhen.AboveZero): the caller's own calls with 0 run on the host unseen.
    private static readonly HashSet<string> StopForOtherPids = SyscallTable.Rows.Where(r => r.StopWhen is { Positive: true }).Select(r => r.Name).ToHashSet();
    private static readonly HashSet<string> PidResults = ["getpid", "getppid", "gettid", "set_tid_address", "clone", "fork", "vfork", "wait4", "getpgrp", "getpgid", "getsid", "setsid"];
    private static readonly HashSet<string> PidFirstArgument = ["kill", "tkill", "tgkill", "wait4", "getpgid", "getsid", "setpgid"];
    // Debian 12's strace (6.1) predates fchmodat2 (Linux 6.6) and prints it as syscall_0x1c4, which is no mediated name: left out here too.
    private static readonly HashSet<string> NewerThanStrace = ["fchmodat2"];
    private static readonly Regex Call = new(@"^(?<name>\w+)\((?<args>.*)\) += (?<result>.*)$");

    /// <summary>Calls of each process, in the order the processes first appear. Native logs start at the guest program's execve.</summary>
    public static List<List<string>> Processes(string[] lines, bool native)
    {
        var order = new List<string>();
        var calls = new Dictionary<string, List<string>>();
        var pending = new Dictionary<string, string>();
        bool started = !native;
        foreach (string raw in lines)
        {
            string pid, rest;
            if (native)
            {
                int space = raw.IndexOf(' ');
                if (space < 0) continue;
                pid = raw[..space];
                rest = raw[(space + 1)..].TrimStart();
                if (rest.EndsWith("<unfinished ...>", StringComparison.Ordinal))
                {
                    string head = rest[..^"<unfinished ...>".Length].TrimEnd();
                    pending[pid] = head.EndsWith(',') ? head + " " : head;
                    continue;
                }
                Match resumed = Regex.Match(rest, @"^<\.\.\. \w+ resumed>(.*)$");
                if (resumed.Success && pending.Remove(pid, out string? start)) rest = start + resumed.Groups[1].Value;
            }
            else
            {
                Match m = Regex.Match(raw, @"^\[pid (\d+)\] (.*)$");
                if (!m.Success) continue;
                pid = m.Groups[1].Value;
                rest = Regex.Replace(m.Groups[2].Value, @" <\d+\.\d+> \[\w+\]$", "");
            }
            Match call = Call.Match(rest);
            if (!call.Success) continue;
            string name = call.Groups["name"].Value;
            if (native && !started)
            {
                if (name != "execve" || call.Groups["args"].Value.Contains("chroot", StringComparison.Ordinal) || call.Groups["args"].Value.Contains("/env\"", StringComparison.Ordinal)) continue;
                started = true;
            }
            if (!Mediated.Contains(name) || NewerThanStrace.Contains(name)) continue;
            // A call interrupted by a signal and restarted shows twice, whenever the signal happens to land.
            if (call.Groups["result"].Value.StartsWith("? ERESTART", StringComparison.Ordinal)) continue;
            // Rows that stop only for some arguments (the table's StopWhen) show only those calls: ioctl the terminal requests
            // that carry process groups, prctl the two capability options, the clock calls a CPU-time clock, the calls that
            // take a pid one above 0.
            string args = call.Groups["args"].Value;
            if (name == "ioctl" && !Regex.IsMatch(args, "TIOC[GS]PGRP|TIOCGSID")) continue;
            if (name == "prctl" && !Regex.IsMatch(args, "^PR_(CAPBSET_DROP|SET_SECUREBITS)")) continue;
            if (name is "clock_gettime" or "clock_getres" or "clock_nanosleep" or "timer_create" && !args.Contains("CPUCLOCK", StringComparison.Ordinal)) continue;
            if (StopForOtherPids.Contains(name) && !Regex.IsMatch(args, "^[1-9]")) continue;
            if (!calls.TryGetValue(pid, out List<string>? list)) { calls[pid] = list = new(); order.Add(pid); }
            list.Add(Normalize(name, call.Groups["args"].Value, call.Groups["result"].Value));
        }
        return order.Select(p => calls[p]).ToList();
    }

    private static string Normalize(string name, string args, string result)
    {
        args = Regex.Replace(args, "0x[0-9a-f]+", "ADDR");
        if (PidFirstArgument.Contains(name)) args = Regex.Replace(args, @"^[1-9]\d*", "PID");
        if (PidResults.Contains(name)) result = Regex.Replace(result, @"^\d+", "PID");
        // getcwd outside a chroot: natively the unreachable part is the host's path to the test's mount.
        if (name == "getcwd" && args.StartsWith("\"(unreachable)", StringComparison.Ordinal))
            (args, result) = (Regex.Replace(args, "^\"\\(unreachable\\)[^\"]*\"", "\"(unreachable)PATH\""), "LENGTH");
        return $"{name}({args}) = {result}";
    }
}
