using System.Threading.Tasks;
using Xunit;

namespace UserKernel.EndToEnd.Tests;

/// <summary>
/// The guest's /dev beyond the plain devices: the links into /proc/self/fd, which are magic links to objects
/// with no path (pipes, the host's stdin), ptmx and pts, and tmpfs on /dev/shm.
/// </summary>
public sealed class DevTests(ProcImage image) : IClassFixture<ProcImage>
{
    [Fact]
    public async Task Dev_stdout_stderr_and_stdin_reach_the_pipes_the_guest_holds()
    {
        RunResult r = await Runner.GuestAsync(image.Image, "/bin/sh", "-c",
            "echo out > /dev/stdout; echo err > /dev/stderr; echo through-a-pipe | cat /dev/stdin; cat /dev/fd/0 < /data/text.txt | wc -c");

        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal("out\nthrough-a-pipe\n1178\n", r.StandardOutput);
        Assert.Equal("err\n", r.StandardError);
    }

    [Fact]
    public async Task A_pipe_opened_through_proc_is_the_same_pipe()
    {
        RunResult r = await Runner.GuestAsync(image.Image, "/bin/sh", "-c",
            "stat -L -c %F /proc/self/fd/0; echo hello | (read line < /proc/self/fd/0; echo got $line)");

        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal("fifo\ngot hello\n", r.StandardOutput);
    }

    [Fact]
    public async Task Dev_lists_ptmx_pts_and_a_writable_shm()
    {
        // A writable root (no --read-only), which mounts tmpfs on /dev/shm.
        RunResult r = await Runner.UserKernelAsync(["run", "--image", image.Image, "--", "/bin/sh", "-c",
            "ls /dev; test -c /dev/ptmx && test -d /dev/pts && echo x > /dev/shm/f && cat /dev/shm/f"]);

        Assert.True(r.ExitCode == 0, r.ToString());
        foreach (string name in new[] { "fd", "full", "null", "ptmx", "pts", "random", "shm", "stderr", "stdin", "stdout", "tty", "urandom", "zero" })
            Assert.Contains(name + "\n", r.StandardOutput);
        Assert.EndsWith("x\n", r.StandardOutput);
    }
}
