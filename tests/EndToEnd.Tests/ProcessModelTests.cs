using System.Threading.Tasks;
using Xunit;

namespace UserKernel.EndToEnd.Tests;

/// <summary>
/// The process model under ptrace: threads (clone and clone3, tid words, a leader that exits first, exec from a
/// thread), signals between guest processes (kill, sigqueue, rt_tgsigqueueinfo, pidfds), process groups and
/// sessions, and every wait4/waitid option. Each tests/guest program prints pids only as relations ("the pid
/// fork returned"), so its output must match a native run under chroot line for line, with glibc and with musl
/// (glibc 2.34+ creates threads with clone3, musl with clone).
/// </summary>
[Collection(GuestImageCollection.Name)]
public sealed class ProcessModelTests(GuestImage image)
{
    public static readonly TheoryData<string> Programs = new()
    {
        "/guest/threads", "/guest/threads.musl",
        "/guest/signals", "/guest/signals.musl",
        "/guest/pgrp", "/guest/pgrp.musl",
        "/guest/wait", "/guest/wait.musl",
    };

    [Theory]
    [MemberData(nameof(Programs))]
    public async Task Process_model_matches_native(string program)
    {
        // Arrange
        RunResult native = await Runner.NativeAsync(image.MountPoint, program);

        // Act
        RunResult guest = await Runner.GuestAsync(image.Image, program);

        // Assert
        Assert.True(native.ExitCode == 0, $"{program} failed natively:\n{native}");
        Assert.True(native == guest, $"{program}\n=== native ===\n{native}\n=== userkernel ===\n{guest}");
    }
}
