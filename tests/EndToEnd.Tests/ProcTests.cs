using System;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using UserKernel.TestSupport;
using Xunit;

namespace UserKernel.EndToEnd.Tests;

/// <summary>
/// The test tree with a /proc directory, where userkernel mounts its procfs. It is an image of its own:
/// in <see cref="GuestImage"/> busybox would find /proc/self/exe under userkernel and not in the native
/// chroot (which has no procfs mounted), and take other paths than natively in the compared tests.
/// </summary>
public sealed class ProcImage : ImageFixture, IAsyncLifetime
{
    public ProcImage() : base("e2e-proc")
    {
    }

    /// <summary>The ext4 image.</summary>
    public string Image { get; private set; } = "";

    /// <summary>tests/guest/procfs.c, compiled into the tree's /guest (and run natively from the tree).</summary>
    public string ProcfsProgram { get; private set; } = "";

    public async Task InitializeAsync()
    {
        string tree = Dir.Combine("tree");
        Directory.CreateDirectory(tree);
        await TestTree.BuildAsync(tree, withGuestPrograms: false);
        Directory.CreateDirectory(Path.Combine(tree, "proc"));
        Directory.CreateDirectory(Path.Combine(tree, "guest"));
        ProcfsProgram = Path.Combine(tree, "guest", "procfs");
        await GuestCompiler.CompileGlibcAsync(Path.Combine(AppContext.BaseDirectory, "guest", "procfs.c"), ProcfsProgram);
        Image = await MakeExtImageAsync("root.ext4", tree, "ext4", "64M");
    }

    public Task DisposeAsync() => Task.CompletedTask;
}

/// <summary>
/// The guest's /proc: processes by guest pid, their programs, descriptors and mounts as the guest names
/// them. The native chroot has no procfs mounted, so these are asserted directly rather than compared.
/// </summary>
public sealed class ProcTests(ProcImage image) : IClassFixture<ProcImage>
{
    private async Task<RunResult> Guest(string line)
    {
        RunResult result = await Runner.GuestAsync(image.Image, "/bin/sh", "-c", line);
        Assert.True(result.ExitCode == 0, result.ToString());
        return result;
    }

    private static string[] Lines(RunResult result) => result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    /// <summary>
    /// /guest/procfs (tests/guest/procfs.c) natively on the host's own /proc and in the guest: names after exec and
    /// PR_SET_NAME, cmdline after exec, /proc/sys, oom_score_adj, fdinfo's mnt_id against statx and mountinfo, the
    /// siginfo of sigtimedwait and sigwaitinfo, and an orphan's parent under PR_SET_CHILD_SUBREAPER.
    /// </summary>
    [Fact]
    public async Task Proc_and_identity_match_Linux()
    {
        // Act
        RunResult native = await Runner.NativeAsync("/", image.ProcfsProgram);
        RunResult guest = await Runner.GuestAsync(image.Image, "/guest/procfs");

        // Assert: the native run shows what this is about, and the guest the same (but the '@' values).
        Assert.True(native.ExitCode == 0, native.ToString());
        Assert.Contains("exec of /proc/self/exe: comm=exe stat=exe status=exe\n", native.StandardOutput);
        Assert.Contains("its cmdline: first-argv|child|a b||\n", native.StandardOutput);
        Assert.Contains("thread renamed itself: comm=worker stat=worker status=worker\n", native.StandardOutput);
        Assert.Contains("orphaned, its parent is the subreaper: yes\n", native.StandardOutput);
        Assert.Equal(WithoutAtLines(native), WithoutAtLines(guest));
        string[] at = Lines(guest).Where(l => l.StartsWith('@')).ToArray();
        Assert.Contains("@kernel/hostname = userkernel", at);
        Assert.Contains("@oom_score_adj = 0", at);
        Assert.Contains(at, l => l.StartsWith("@kernel/pid_max = ", StringComparison.Ordinal));
    }

    private static string WithoutAtLines(RunResult result) =>
        $"exit {result.ExitCode}\n" + string.Join('\n', result.StandardOutput.Split('\n').Where(l => !l.StartsWith('@'))) + "\n" + result.StandardError;

    [Fact]
    public async Task Proc_self_exe_is_the_guest_path_of_the_program()
    {
        // Act
        RunResult result = await Runner.GuestAsync(image.Image, "/bin/readlink", "/proc/self/exe");

        // Assert
        Assert.Equal("/bin/busybox\n", result.StandardOutput);
    }

    [Fact]
    public async Task Status_shows_guest_pids()
    {
        // Act: cat is a child of the shell (pid 1), so its pid is 2 or more and its parent 1.
        RunResult result = await Guest("cat /proc/self/status; echo done");

        // Assert
        string[] lines = Lines(result);
        Assert.Contains("Name:\tcat", lines); // busybox renames itself from "exe" (it ran /proc/self/exe), as on Linux
        Assert.Contains("PPid:\t1", lines);
        Assert.Contains("TracerPid:\t0", lines);
        Assert.Contains("Uid:\t0\t0\t0\t0", lines);
        string pid = lines.Single(l => l.StartsWith("Pid:", StringComparison.Ordinal));
        Assert.InRange(int.Parse(pid[4..].Trim(), System.Globalization.CultureInfo.InvariantCulture), 2, 20);
    }

    [Fact]
    public async Task Status_of_the_first_process_names_it_pid_1_and_its_program()
    {
        // Act
        RunResult result = await Runner.GuestAsync(image.Image, "/bin/cat", "/proc/self/status");

        // Assert
        string[] lines = Lines(result);
        Assert.Contains("Name:\tcat", lines);
        Assert.Contains("State:\tR (running)", lines);
        Assert.Contains("Tgid:\t1", lines);
        Assert.Contains("Pid:\t1", lines);
        Assert.Contains("PPid:\t0", lines);
    }

    [Fact]
    public async Task Self_fd_lists_the_standard_descriptors_and_the_directory_being_read()
    {
        // Act
        RunResult result = await Runner.GuestAsync(image.Image, "/bin/ls", "/proc/self/fd");

        // Assert
        string[] fds = Lines(result);
        Assert.Contains("0", fds);
        Assert.Contains("1", fds);
        Assert.Contains("2", fds);
        Assert.Contains("3", fds); // the descriptor ls reads /proc/self/fd through
    }

    [Fact]
    public async Task No_guest_holds_the_kernels_seccomp_listener()
    {
        // Act: the first process's descriptors, and a child's (the stub's copy of the listener is close-on-exec; none is injected to close it)
        // (The descriptor the glob read its directory through is gone by the time readlink looks: "|| true".)
        RunResult result = await Guest("for f in /proc/self/fd/*; do readlink $f || true; done; sh -c 'for f in /proc/self/fd/*; do readlink $f || true; done'");

        // Assert
        Assert.True(Lines(result).Length >= 6, result.ToString()); // both loops ran: 0, 1 and 2 at least, twice
        Assert.DoesNotContain("seccomp", result.StandardOutput);
    }

    [Fact]
    public async Task Fd_links_name_guest_paths()
    {
        // Act: the shell holds /data/text.txt open as descriptor 5 while readlink looks at it.
        RunResult result = await Guest("exec 5</data/text.txt; readlink /proc/$$/fd/5; cd /data; readlink /proc/self/cwd; readlink /proc/self/root");

        // Assert
        Assert.Equal("/data/text.txt\n/data\n/\n", result.StandardOutput);
    }

    [Fact]
    public async Task Cmdline_of_pid_1_is_its_argument_vector()
    {
        // Act
        RunResult result = await Guest("cat /proc/1/cmdline | tr '\\0' ' '");

        // Assert
        Assert.Equal("/bin/sh -c cat /proc/1/cmdline | tr '\\0' ' ' ", result.StandardOutput);
    }

    [Fact]
    public async Task Ps_lists_the_guest_processes_by_guest_pid()
    {
        // Act
        RunResult result = await Guest("sleep 5 & busybox ps; kill $!");

        // Assert: pid 1 is the shell, the sleep and ps are its children.
        string[] lines = Lines(result);
        Assert.StartsWith("PID", lines[0].Trim());
        string[] pids = lines.Skip(1).Select(l => l.Trim().Split(' ')[0]).ToArray();
        Assert.Equal("1", pids[0]);
        Assert.Contains(lines, l => l.Contains("sleep", StringComparison.Ordinal));
        Assert.All(pids, p => Assert.InRange(int.Parse(p, System.Globalization.CultureInfo.InvariantCulture), 1, 20));
    }

    [Fact]
    public async Task Mounts_list_the_root_and_proc()
    {
        // Act
        RunResult result = await Guest("cat /proc/mounts");

        // Assert
        string[] mountPoints = Lines(result).Select(l => l.Split(' ')[1]).ToArray();
        Assert.Contains("/", mountPoints);
        Assert.Contains("/proc", mountPoints);
        Assert.Contains("/dev", mountPoints);
    }

    [Fact]
    public async Task Proc_lists_pid_directories_and_global_files()
    {
        // Act
        RunResult result = await Guest("ls /proc; cat /proc/sys/kernel/hostname; stat -c '%a %s %F' /proc/self/status /proc/1 /proc/self");

        // Assert
        string[] lines = Lines(result);
        Assert.Contains("1", lines);
        Assert.Contains("self", lines);
        Assert.Contains("cpuinfo", lines);
        Assert.Contains("userkernel", lines);
        Assert.Contains("444 0 regular empty file", lines);
        Assert.Contains("555 0 directory", lines);
        Assert.Contains("777 0 symbolic link", lines);
    }

    [Fact]
    public async Task Maps_name_the_program_by_its_guest_path()
    {
        // Act
        RunResult result = await Runner.GuestAsync(image.Image, "/bin/cat", "/proc/self/maps");

        // Assert
        Assert.Contains(Lines(result), l => l.EndsWith(" /bin/busybox", StringComparison.Ordinal));
        Assert.DoesNotContain("memfd:", result.StandardOutput);
    }
}
