using System;
using System.Linq;
using System.Threading.Tasks;
using Xunit;

namespace UserKernel.EndToEnd.Tests;

/// <summary>
/// The C programs of tests/guest, compiled with gcc -static (and musl-gcc -static) into the image's
/// /guest, run under userkernel and natively under chroot into the same mounted image. Output must
/// match line for line, except lines starting with '@', which print pid values and are asserted on
/// their own (the guest's first process is pid 1 by design; the native one is not).
/// </summary>
[Collection(GuestImageCollection.Name)]
public sealed class GuestProgramTests(GuestImage image)
{
    public static readonly TheoryData<string> Programs = new()
    {
        "/guest/proc", "/guest/proc.musl",
        "/guest/errno", "/guest/errno.musl",
        "/guest/stat",
        "/guest/getdents", "/guest/getdents.musl",
        "/guest/paths", "/guest/paths.musl",
        "/guest/regs",
        "/guest/pidfd",
        "/guest/ptrace", "/guest/ptrace-exit",
    };

    [Theory]
    [MemberData(nameof(Programs))]
    public async Task Program_output_matches_native(string program)
    {
        // Arrange
        RunResult native = await Runner.NativeAsync(image.MountPoint, program);

        // Act
        RunResult guest = await Runner.GuestAsync(image.Image, program);

        // Assert
        Assert.True(native.ExitCode == 0, $"{program} failed natively:\n{native}");
        Assert.True(Comparable(native) == Comparable(guest), $"{program}\n=== native ===\n{native}\n=== userkernel ===\n{guest}");
        Assert.Equal(image.ImageSha256, GuestImage.Sha256Of(image.Image));
    }

    [Theory]
    [InlineData("/guest/proc")]
    [InlineData("/guest/proc.musl")]
    public async Task First_guest_process_is_pid_1_and_its_first_child_pid_2(string program)
    {
        // Act
        RunResult guest = await Runner.GuestAsync(image.Image, program);

        // Assert
        string[] pidLines = guest.StandardOutput.Split('\n').Where(l => l.StartsWith('@')).ToArray();
        Assert.Equal(["@getpid=1", "@getppid=0", "@first-child=2"], pidLines);
    }

    [Fact]
    public async Task Shell_started_by_a_guest_sees_guest_pids()
    {
        // Act: $$ of the first shell, and a child shell's parent (not the last command, which sh would exec).
        RunResult guest = await Runner.GuestAsync(image.Image, "/bin/sh", "-c", "echo $$; sh -c 'echo $PPID'; echo end");

        // Assert
        Assert.Equal("1\n1\nend\n", guest.StandardOutput);
    }

    [Fact]
    public async Task Background_jobs_are_waited_for_by_guest_pid()
    {
        // Act: natively this cannot be compared, as sh opens /dev/null for a background job's stdin
        // and the image's /dev is empty, while userkernel mounts its devfs there.
        RunResult guest = await Runner.GuestAsync(image.Image, "/bin/sh", "-c",
            "sleep 0 & wait $!; echo waited=$?; (sleep 0; exit 9) & echo pid=$!; wait $!; echo waited=$?");

        // Assert
        Assert.Equal("waited=0\npid=3\nwaited=9\n", guest.StandardOutput);
        Assert.Equal("", guest.StandardError);
    }

    private static RunResult Comparable(RunResult result) => result with
    {
        StandardOutput = string.Join('\n', result.StandardOutput.Split('\n').Where(l => !l.StartsWith('@'))),
    };
}
