using System.Diagnostics;
using System.Threading.Tasks;
using UserKernel.TestSupport;
using Xunit;

namespace UserKernel.EndToEnd.Tests;

/// <summary>
/// run --net: host (the default) forwards sockets to the host; none leaves the guest AF_UNIX sockets only.
/// (busybox wget is not used: the static Debian busybox's wget crashes natively as well.)
/// </summary>
[Collection(GuestImageCollection.Name)]
public sealed class NetworkTests(GuestImage image)
{
    [Fact]
    public async Task Net_none_refuses_every_family_but_unix_and_a_socketpair_still_works()
    {
        // Act
        RunResult guest = await Runner.UserKernelAsync(["run", "--read-only", "--net", "none", "--image", image.Image, "--", "/guest/sockets"]);

        // Assert
        Assert.True(guest.ExitCode == 0, guest.ToString());
        Assert.Equal("socketpair: 4 4 ping\nunix: ok\ninet: EAFNOSUPPORT\ninet6: EAFNOSUPPORT\nnetlink: EAFNOSUPPORT\n", guest.StandardOutput);
    }

    [Fact]
    public async Task Net_host_makes_sockets_as_natively()
    {
        // Act
        RunResult native = await Runner.NativeAsync(image.MountPoint, "/guest/sockets");
        RunResult guest = await Runner.GuestAsync(image.Image, "/guest/sockets");

        // Assert
        Assert.Equal(native.ToString(), guest.ToString());
    }

    [Fact]
    public async Task Net_none_makes_nc_fail_at_once()
    {
        // Arrange
        var clock = Stopwatch.StartNew();

        // Act
        RunResult guest = await Runner.UserKernelAsync(["run", "--read-only", "--net", "none", "--image", image.Image, "--",
            "/bin/sh", "-c", "nc 127.0.0.1 80 </dev/null"]);

        // Assert
        Assert.NotEqual(0, guest.ExitCode);
        Assert.Contains("Address family not supported by protocol", guest.StandardError, System.StringComparison.Ordinal);
        Assert.True(clock.Elapsed.TotalSeconds < 20, $"took {clock.Elapsed}");
    }

    [Fact]
    public async Task Net_wants_host_or_none()
    {
        // Act
        RunResult guest = await Runner.UserKernelAsync(["run", "--net", "bridge", "--image", image.Image, "--", "/bin/true"]);

        // Assert
        Assert.Equal(125, guest.ExitCode);
        Assert.Equal("userkernel: run: --net wants host or none, not 'bridge'\n", guest.StandardError);
    }

    [Fact]
    public async Task Unix_sockets_bound_to_paths_behave_as_natively()
    {
        // Act
        (RunResult native, RunResult guest) = await image.NativeAndWritableGuestAsync("/guest/unixsockets");

        // Assert
        Assert.Contains("read: 5 'hello'", native.StandardOutput);
        Assert.Equal(native.ToString(), guest.ToString());
    }
}
