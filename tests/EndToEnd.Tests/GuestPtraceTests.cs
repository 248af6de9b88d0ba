using System.Collections.Generic;
using System.Linq;
using System.Text.RegularExpressions;
using System.Threading.Tasks;
using Xunit;

namespace UserKernel.EndToEnd.Tests;

/// <summary>
/// ptrace between guests with Debian's own strace and gdb: each runs under userkernel, tracing a guest, and natively under
/// chroot (in a pid namespace with its own /proc); what they print must match, modulo pids and addresses.
/// </summary>
[Collection(DebianImageCollection.Name)]
public sealed partial class GuestPtraceTests(DebianImage debian)
{
    private const string CrashProgram = """
        cat > /tmp/crash.c <<'EOF'
        static int depth(int n, int *p)
        {
            if (n == 0) return *p;
            return depth(n - 1, p) + 1;
        }
        int main(void) { return depth(3, 0); }
        EOF
        cd /tmp && gcc -g -O0 -o crash crash.c
        """;

    private const string LoopProgram = """
        cat > /tmp/loop.c <<'EOF'
        #include <stdio.h>
        static int add(int a, int b)
        {
            int sum = a + b;
            return sum;
        }
        int main(void)
        {
            int total = 0;
            for (int i = 0; i < 3; i++)
                total = add(total, i);
            printf("total %d\n", total);
            return 0;
        }
        EOF
        cd /tmp && gcc -g -O0 -o loop loop.c
        """;

    [Fact]
    public async Task Strace_f_of_a_pipeline_traces_every_process_as_natively()
    {
        // Act
        string[] command = ["strace", "-f", "sh", "-c", "ls / | wc -l"];
        RunResult native = await Runner.NativeWithProcAsync(debian.NativeRoot, command);
        RunResult guest = await Runner.WritableGuestAsync(debian.Image, command);

        // Assert: the same processes, each making the same calls in the same order and ending the same way.
        Assert.True(native.ExitCode == 0, native.ToString());
        Assert.Equal(native.StandardOutput, guest.StandardOutput);
        List<string> nativeCalls = PerProcess(native.StandardError), guestCalls = PerProcess(guest.StandardError);
        Assert.Equal(3, nativeCalls.Count);
        Assert.Equal(nativeCalls, guestCalls);
        Assert.Contains("execve(\"/usr/bin/ls\", [\"ls\", \"/\"]", guest.StandardError);
    }

    [Fact]
    public async Task Strace_p_attaches_to_a_running_guest_process()
    {
        // Act
        string[] command = ["sh", "-c", "sleep 1.5 & p=$!; sleep 0.3; strace -p $p; echo strace=$?; wait $p; echo sleep=$?"];
        RunResult native = await Runner.NativeWithProcAsync(debian.NativeRoot, command);
        RunResult guest = await Runner.WritableGuestAsync(debian.Image, command);

        // Assert
        Assert.Equal("strace=0\nsleep=0\n", guest.StandardOutput);
        Assert.Equal(native.StandardOutput, guest.StandardOutput);
        Assert.Equal(WithoutPids(native.StandardError), WithoutPids(guest.StandardError));
        Assert.Contains("strace: Process 2 attached", guest.StandardError);
    }

    [Fact]
    public async Task Strace_sees_a_tracee_stopped_and_continued_as_natively()
    {
        // Act: the group-stop of a traced process, reported as PTRACE_EVENT_STOP to a seizing strace, which lets it listen
        string[] command = ["strace", "-f", "-e", "trace=none", "sh", "-c", "sleep 0.3 & p=$!; kill -STOP $p; sleep 0.2; kill -CONT $p; wait $p; echo done=$?"];
        RunResult native = await Runner.NativeWithProcAsync(debian.NativeRoot, command);
        RunResult guest = await Runner.WritableGuestAsync(debian.Image, command);

        // Assert: the stopped process's own lines, in order (the processes' lines interleave differently every run)
        Assert.Equal("done=0\n", guest.StandardOutput);
        Assert.Equal(native.StandardOutput, guest.StandardOutput);
        Assert.Equal(LinesOf(native.StandardError, 2), LinesOf(guest.StandardError, 2));
        Assert.Equal(["--- SIGSTOP", "--- stopped by SIGSTOP ---", "--- SIGCONT", "+++ exited with 0 +++"], LinesOf(guest.StandardError, 2));
    }

    /// <summary>The lines strace printed for the <paramref name="nth"/> process it traced (1: the first), up to their first brace.</summary>
    private static List<string> LinesOf(string strace, int nth)
    {
        var pids = new List<int>();
        var lines = new List<(int Pid, string Text)>();
        foreach (string line in AttachedMessage().Replace(strace, "").Split('\n'))
        {
            Match m = TracedLine().Match(line);
            if (!m.Success || !m.Groups[1].Success) continue;
            int pid = int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
            if (!pids.Contains(pid)) pids.Add(pid);
            lines.Add((pid, m.Groups[2].Value.Split(" {")[0]));
        }
        pids.Sort();
        return nth <= pids.Count ? lines.Where(l => l.Pid == pids[nth - 1]).Select(l => l.Text).ToList() : [];
    }

    [Fact]
    public async Task Gdb_shows_the_backtrace_of_a_crash_as_natively()
    {
        // Act
        string script = CrashProgram + "\ngdb -batch -ex run -ex bt --args ./crash 2>&1";
        RunResult native = await Runner.NativeWithProcAsync(debian.NativeRoot, "bash", "-c", script);
        RunResult guest = await Runner.WritableGuestAsync(debian.Image, "bash", "-c", script);

        // Assert
        Assert.Contains("#3  0x", native.StandardOutput);
        Assert.Contains("Program received signal SIGSEGV", guest.StandardOutput);
        Assert.Equal(native.StandardOutput, WithoutMemWarnings(guest.StandardOutput));
    }

    [Fact]
    public async Task Gdb_breakpoint_step_and_continue_work_as_natively()
    {
        // Act
        string script = LoopProgram + "\ngdb -batch -ex 'break add' -ex run -ex 'print a' -ex next -ex step -ex 'print sum' " +
            "-ex continue -ex 'print b' -ex delete -ex continue --args ./loop 2>&1";
        RunResult native = await Runner.NativeWithProcAsync(debian.NativeRoot, "bash", "-c", script);
        RunResult guest = await Runner.WritableGuestAsync(debian.Image, "bash", "-c", script);

        // Assert
        Assert.Contains("Breakpoint 1, add (a=0, b=1)", guest.StandardOutput);
        Assert.Contains("total 3", guest.StandardOutput);
        Assert.Equal(WithoutPids(native.StandardOutput), WithoutPids(WithoutMemWarnings(guest.StandardOutput)));
    }

    [Fact]
    public async Task Gdb_follows_the_threads_of_its_inferior()
    {
        // Act: three threads hit the breakpoint, in an order that varies from run to run natively too
        string script = ThreadsProgram + "\ngdb -batch -ex 'break work' -ex run -ex continue -ex continue -ex continue --args ./threads 2>&1";
        RunResult native = await Runner.NativeWithProcAsync(debian.NativeRoot, "bash", "-c", script);
        RunResult guest = await Runner.WritableGuestAsync(debian.Image, "bash", "-c", script);

        // Assert
        Assert.Equal(3, Regex.Count(native.StandardOutput, "hit Breakpoint 1, work"));
        Assert.Equal(3, Regex.Count(guest.StandardOutput, "hit Breakpoint 1, work"));
        Assert.Contains("joined\n", guest.StandardOutput);
        Assert.Contains(" exited normally]", guest.StandardOutput);
        Assert.Equal(3, Regex.Count(guest.StandardOutput, @"\[New Thread 0x[0-9a-f]+ \(LWP \d+\)\]"));
    }

    private const string ThreadsProgram = """
        cat > /tmp/threads.c <<'EOF'
        #include <pthread.h>
        #include <stdio.h>
        #include <unistd.h>
        static void *work(void *arg) { (void)arg; getppid(); return NULL; }
        int main(void)
        {
            pthread_t t[3];
            for (int i = 0; i < 3; i++) pthread_create(&t[i], NULL, work, NULL);
            for (int i = 0; i < 3; i++) pthread_join(t[i], NULL);
            printf("joined\n");
            return 0;
        }
        EOF
        cd /tmp && gcc -g -O0 -pthread -o threads threads.c
        """;

    /// <summary>
    /// strace -f output, one line per process in pid order: the names of the calls it made and how it ended. Lines of
    /// processes running at once interleave differently every run, a call's two halves (unfinished, resumed) count once,
    /// and signals, which coalesce as they please, are left out with their rt_sigreturn.
    /// </summary>
    private static List<string> PerProcess(string strace)
    {
        var calls = new List<(int Pid, string Entry)>();
        foreach (string line in AttachedMessage().Replace(strace, "").Split('\n'))
        {
            Match m = TracedLine().Match(line);
            if (!m.Success) continue;
            int pid = m.Groups[1].Success ? int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) : 0;
            string rest = m.Groups[2].Value;
            string? entry = rest.StartsWith("+++ ", System.StringComparison.Ordinal) ? rest
                : CallName().Match(rest) is { Success: true } call && call.Groups[1].Value != "rt_sigreturn" ? call.Groups[1].Value : null;
            if (entry != null) calls.Add((pid, entry));
        }
        // Unprefixed lines are the only process strace had then: the first one, before and after its children.
        int first = calls.Where(c => c.Pid != 0).Select(c => c.Pid).DefaultIfEmpty(0).Min();
        return calls.GroupBy(c => c.Pid == 0 ? first : c.Pid).OrderBy(g => g.Key).Select(g => string.Join(' ', g.Select(c => c.Entry))).ToList();
    }

    /// <summary>
    /// The guest's procfs has no /proc/PID/mem (see docs/threat-model.md): gdb says so in two warnings and reads and
    /// writes the inferior with PTRACE_PEEKTEXT and POKETEXT instead.
    /// </summary>
    private static string WithoutMemWarnings(string gdb) => MemWarning().Replace(gdb, "");

    [GeneratedRegex(@"(?m)^warning: opening /proc/(self|PID)/mem file.*\n")]
    private static partial Regex MemWarning();

    private static string WithoutPids(string text) =>
        ResumedCall().Replace(ProcessPid().Replace(text, "process N"), "resuming interrupted ...");

    [GeneratedRegex(@"strace: Process \d+ attached\n?")]
    private static partial Regex AttachedMessage();

    [GeneratedRegex(@"^(?:\[pid\s+(\d+)\] )?(.+)$")]
    private static partial Regex TracedLine();

    [GeneratedRegex(@"^([a-z0-9_]+)\(")]
    private static partial Regex CallName();

    [GeneratedRegex(@"[Pp]rocess \d+")]
    private static partial Regex ProcessPid();

    [GeneratedRegex(@"resuming interrupted \w+")]
    private static partial Regex ResumedCall();
}
