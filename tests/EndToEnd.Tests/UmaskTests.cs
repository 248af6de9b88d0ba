using System.Threading.Tasks;
using Xunit;

namespace UserKernel.EndToEnd.Tests;

/// <summary>umask(2) is the kernel's: every file it creates takes the process's mask, which a fork inherits and a subshell's change does not leak out of.</summary>
[Collection(GuestImageCollection.Name)]
public sealed class UmaskTests(GuestImage image)
{
    [Fact]
    public async Task The_mask_applies_to_what_the_kernel_creates_and_is_inherited_by_forks_only()
    {
        RunResult r = await Runner.WritableGuestAsync(image.Image, "/bin/sh", "-c",
            "umask 027; mkdir /tmp/d; touch /tmp/f; mkfifo /tmp/p; (umask 077; touch /tmp/g); touch /tmp/h; " +
            "stat -c '%a %n' /tmp/d /tmp/f /tmp/p /tmp/g /tmp/h; sh -c umask; umask 0; touch /tmp/z; stat -c '%a' /tmp/z");

        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal("750 /tmp/d\n640 /tmp/f\n640 /tmp/p\n600 /tmp/g\n640 /tmp/h\n0027\n666\n", r.StandardOutput);
    }
}
