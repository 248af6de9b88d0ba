using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using CliWrap;
using CliWrap.Buffered;
using UserKernel.TestSupport;

namespace UserKernel.EndToEnd.Tests;

/// <summary>
/// One hostile run: tests/hostile/harness.sh as pid 1 of a throwaway pid, network, IPC and mount namespace
/// (<c>unshare --pid --fork --kill-child --mount-proc --net --ipc</c>, after <c>--user --map-current-user</c> when not
/// root), under <c>timeout</c>. The harness starts the host canary, runs userkernel with the attack program and the
/// canary's identifiers (and userkernel's own host pid), then collects the canary's report. Whatever the attack
/// does, it can reach nothing outside that namespace but the files under its own fresh directory (and the image,
/// whose hash is compared); everything it starts dies with the namespace.
/// </summary>
public static class HostileRun
{
    /// <summary>The canaries the canary program reports on, one line each.</summary>
    public static readonly string[] Canaries =
        ["secret", "evil", "dir", "unix-stream", "unix-dgram", "unix-abstract", "shm", "sem", "msg", "signals", "tracer", "attributes"];

    /// <summary>
    /// Runs /hostile/<paramref name="attack"/> with <paramref name="arguments"/> (the canary's identifiers are added)
    /// under <c>userkernel run --image IMAGE <paramref name="userkernelOptions"/></c>; userkernel gets
    /// <paramref name="timeout"/> before it is killed (and reported as timed out).
    /// </summary>
    public static async Task<HostileResult> RunAsync(HostileImage image, TimeSpan timeout, string[] userkernelOptions, string attack, params string[] arguments)
    {
        string unshare = HostTool.Locate("unshare", "util-linux");
        string timeoutTool = HostTool.Locate("timeout", "coreutils");
        string bash = HostTool.Locate("bash", "bash");
        using var work = new TempDir("hostile-" + attack);
        File.SetUnixFileMode(work.Path, (UnixFileMode)0b111_101_101);
        // Without root, the namespaces need a user namespace. --map-current-user, not --map-root-user: as "root" in a
        // namespace where only that uid is mapped, userkernel would run its guests as nobody, whom it cannot map there.
        string[] userNamespace = Mono.Unix.Native.Syscall.geteuid() == 0 ? [] : ["--user", "--map-current-user"];
        int seconds = (int)Math.Ceiling(timeout.TotalSeconds);
        int outer = seconds + 60;
        string sha256Before = GuestImage.Sha256Of(image.Image);
        var clock = Stopwatch.StartNew();
        using var lastResort = new CancellationTokenSource(TimeSpan.FromSeconds(outer + 60));
        BufferedCommandResult harness;
        try
        {
            harness = await Cli.Wrap(timeoutTool)
                .WithArguments([
                    "-k", "10", outer.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    unshare, .. userNamespace, "--pid", "--fork", "--kill-child", "--mount-proc", "--net", "--ipc",
                    bash, HostileImage.Harness, "--image", image.Image, .. userkernelOptions, "--", "/hostile/" + attack, .. arguments,
                ])
                .WithEnvironmentVariables(e => e
                    .Set("HOSTILE_WORK", work.Path)
                    .Set("HOSTILE_CANARY", image.Canary)
                    .Set("HOSTILE_SUPERVISE", image.Supervise)
                    .Set("HOSTILE_DLL", Runner.UserKernelDll)
                    .Set("HOSTILE_TIMEOUT", seconds.ToString(System.Globalization.CultureInfo.InvariantCulture))
                    .Set("TERM", "dumb"))
                .WithWorkingDirectory(work.Path)
                .WithValidation(CommandResultValidation.None)
                .ExecuteBufferedAsync(Encoding.UTF8, lastResort.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"the hostile run of {attack} did not end within {outer + 60} s, even under timeout(1)");
        }
        clock.Stop();
        return new HostileResult(
            attack,
            string.Join(' ', ["userkernel run --image IMG", .. userkernelOptions, "--", "/hostile/" + attack, .. arguments]),
            Read(work, "userkernel.status").Trim(),
            Read(work, "guest.out"),
            Read(work, "guest.err"),
            Read(work, "canary.out") + Read(work, "canary.err"),
            harness.ExitCode,
            harness.StandardOutput,
            harness.StandardError,
            clock.Elapsed,
            sha256Before,
            GuestImage.Sha256Of(image.Image));
    }

    private static string Read(TempDir work, string name)
    {
        string path = work.Combine(name);
        return File.Exists(path) ? File.ReadAllText(path) : $"({name} was not written)\n";
    }
}

/// <summary>What one hostile run left: userkernel's status (from supervise), the guest's output, the canary's report.</summary>
public sealed record HostileResult(
    string Attack,
    string CommandLine,
    string UserKernelStatus,
    string GuestOutput,
    string GuestError,
    string CanaryReport,
    int HarnessExitCode,
    string HarnessOutput,
    string HarnessError,
    TimeSpan Elapsed,
    string ImageSha256Before,
    string ImageSha256After)
{
    private const int MaxShown = 40_000;

    /// <summary>The guest's lines that report a check that did not hold.</summary>
    public IEnumerable<string> EscapedLines =>
        (GuestOutput + GuestError).Split('\n').Where(l => l.Contains("ESCAPED", StringComparison.Ordinal));

    /// <summary>"canary NAME: ..." lines (from the canary) and "canary process: ..." lines (from the harness).</summary>
    public IEnumerable<string> CanaryLines =>
        (CanaryReport + HarnessOutput).Split('\n').Where(l => l.StartsWith("canary ", StringComparison.Ordinal) && !l.StartsWith("canary exit status", StringComparison.Ordinal));

    /// <summary>The guest's "info:" lines (counts and times of the races).</summary>
    public IEnumerable<string> InfoLines => GuestOutput.Split('\n').Where(l => l.StartsWith("info: ", StringComparison.Ordinal));

    /// <summary>
    /// Everything that says the run did not hold: ESCAPED lines, canaries not intact or missing, a userkernel that
    /// did not exit with <paramref name="expectedStatus"/> (a timeout or a signal included), a changed image, a
    /// harness that failed, a missing summary, and each of <paramref name="expectedChecks"/> not reported HELD.
    /// </summary>
    public List<string> Problems(int expectedStatus, IEnumerable<string> expectedChecks)
    {
        var problems = new List<string>();
        foreach (string line in EscapedLines) problems.Add(line.Trim());
        var canaries = CanaryLines.ToList();
        foreach (string name in HostileRun.Canaries)
        {
            string? line = canaries.FirstOrDefault(l => l.StartsWith($"canary {name}: ", StringComparison.Ordinal));
            if (line == null) problems.Add($"canary {name}: no report (did the canary die?)");
            else if (line != $"canary {name}: intact") problems.Add(line.Trim());
        }
        foreach (string line in canaries.Where(l => l.StartsWith("canary process: ", StringComparison.Ordinal))) problems.Add(line.Trim());
        if (UserKernelStatus.StartsWith("timeout", StringComparison.Ordinal))
            problems.Add($"userkernel hung: {UserKernelStatus} (killed by the harness, as timeout(1) would with status 124)");
        else if (UserKernelStatus.StartsWith("signal", StringComparison.Ordinal))
            problems.Add($"userkernel was killed by a signal: {UserKernelStatus}");
        else if (UserKernelStatus.StartsWith("exit 125 ", StringComparison.Ordinal))
            problems.Add($"userkernel refused the run ({UserKernelStatus}): {GuestError.Split('\n').FirstOrDefault(l => l.Length > 0)}");
        else if (!UserKernelStatus.StartsWith($"exit {expectedStatus} ", StringComparison.Ordinal))
            problems.Add($"userkernel: {UserKernelStatus}, expected exit {expectedStatus} (the attack exits 0 only if every check held)");
        if (HarnessExitCode != 0) problems.Add($"the harness exited with {HarnessExitCode}{(HarnessExitCode == 124 ? " (timeout(1): the whole run hung)" : "")}");
        if (ImageSha256After != ImageSha256Before) problems.Add($"the image changed: sha256 {ImageSha256Before} became {ImageSha256After}");
        string? summary = GuestOutput.Split('\n').LastOrDefault(l => l.StartsWith("summary: ", StringComparison.Ordinal));
        if (summary == null) problems.Add("the attack printed no summary line: it did not run to its end");
        string[] lines = GuestOutput.Split('\n');
        var missing = expectedChecks.Where(check => !lines.Any(l => l == $"HELD {check}" || l.StartsWith($"HELD {check} (", StringComparison.Ordinal)
            || l.StartsWith($"ESCAPED {check}: ", StringComparison.Ordinal))).ToList();
        if (missing.Count > 0) problems.Add($"checks that never ran (no HELD line): {string.Join(", ", missing)}");
        return problems;
    }

    public override string ToString()
    {
        return $"""
            {CommandLine}
            userkernel: {UserKernelStatus}; the harness: exit {HarnessExitCode}; {Elapsed.TotalSeconds:F1} s in all
            --- the guest's stdout ---
            {Shown(GuestOutput)}
            --- the guest's stderr ---
            {Shown(GuestError)}
            --- the canary ---
            {Shown(CanaryReport)}
            --- the harness ---
            {Shown(HarnessOutput + HarnessError)}
            --- end ---
            """;
    }

    private static string Shown(string text) =>
        text.Length <= MaxShown ? text.TrimEnd() : text[..(MaxShown / 2)] + $"\n[... {text.Length - MaxShown} characters left out ...]\n" + text[^(MaxShown / 2)..].TrimEnd();
}
