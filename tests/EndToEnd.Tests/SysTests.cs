using System.IO;
using System.Threading.Tasks;
using UserKernel.TestSupport;
using Xunit;

namespace UserKernel.EndToEnd.Tests;

/// <summary>The test tree with a /sys directory, where userkernel mounts its sysfs.</summary>
public sealed class SysImage : ImageFixture, IAsyncLifetime
{
    public SysImage() : base("e2e-sys")
    {
    }

    /// <summary>The ext4 image.</summary>
    public string Image { get; private set; } = "";

    public async Task InitializeAsync()
    {
        string tree = Dir.Combine("tree");
        Directory.CreateDirectory(tree);
        await TestTree.BuildAsync(tree, withGuestPrograms: false);
        Directory.CreateDirectory(Path.Combine(tree, "sys"));
        Image = await MakeExtImageAsync("root.ext4", tree, "ext4", "64M");
    }

    public Task DisposeAsync() => Task.CompletedTask;
}

/// <summary>
/// The guest's /sys: the host's CPU counts, which get_nprocs and nproc read, with sysfs's modes. The native
/// chroot has no sysfs mounted, so the guest is compared with the host itself.
/// </summary>
public sealed class SysTests(SysImage image) : IClassFixture<SysImage>
{
    [Fact]
    public async Task Nproc_and_the_cpu_lists_are_the_hosts()
    {
        // Arrange
        RunResult host = await Runner.NativeAsync("/", "/bin/sh", "-c",
            "nproc; cat /sys/devices/system/cpu/online /sys/devices/system/cpu/possible /sys/devices/system/cpu/present");

        // Act
        RunResult guest = await Runner.GuestAsync(image.Image, "/bin/sh", "-c",
            "nproc; cat /sys/devices/system/cpu/online /sys/devices/system/cpu/possible /sys/devices/system/cpu/present");

        // Assert
        Assert.Equal(0, host.ExitCode);
        Assert.Equal(host.ToString(), guest.ToString());
    }

    [Fact]
    public async Task Sysfs_has_linux_modes_and_refuses_writes()
    {
        // Act
        RunResult guest = await Runner.GuestAsync(image.Image, "/bin/sh", "-c",
            "stat -c '%n %a %u %g %s %F' /sys /sys/kernel /sys/devices/system/cpu /sys/devices/system/cpu/online; " +
            "ls /sys; stat -f -c %T /sys; echo 0 > /sys/devices/system/cpu/online");

        // Assert
        Assert.Equal(
            "/sys 555 0 0 0 directory\n/sys/kernel 755 0 0 0 directory\n/sys/devices/system/cpu 755 0 0 0 directory\n" +
            "/sys/devices/system/cpu/online 444 0 0 4096 regular file\ndevices\nkernel\nsysfs\n", guest.StandardOutput);
        Assert.Contains("Read-only file system", guest.StandardError, System.StringComparison.Ordinal);
    }
}
