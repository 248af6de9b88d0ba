using System;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using CliWrap;
using CliWrap.Buffered;
using UserKernel.TestSupport;
using Xunit;

namespace UserKernel.EndToEnd.Tests;

/// <summary>Starting guests over and over, concurrently, as the test suites do.</summary>
[Collection(GuestImageCollection.Name)]
public sealed class StartupTests(GuestImage image)
{
    /// <summary>
    /// Regression: posix_spawn can return before the stub's exec has finished, so the seize first saw
    /// PTRACE_EVENT_EXEC; the injected prctl then failed ("-9"), and after a first fix the start could
    /// hang in pause(). About one start in fifty hit it under load.
    /// </summary>
    [Fact]
    public async Task Guest_start_survives_seizing_the_stub_mid_exec()
    {
        // Act: 48 starts, 8 at a time.
        var results = new System.Collections.Generic.List<RunResult>();
        for (int round = 0; round < 6; round++)
        {
            results.AddRange(await Task.WhenAll(Enumerable.Range(0, 8)
                .Select(i => Runner.GuestAsync(image.Image, "/bin/sh", "-c", $"echo {i}; exit {i}"))));
        }

        // Assert
        for (int i = 0; i < results.Count; i++)
        {
            RunResult expected = new(i % 8, $"{i % 8}\n", "");
            Assert.True(expected == results[i], $"start {i}:\n{results[i]}");
        }
    }

    /// <summary>
    /// A run checks whether its program is older than its sources beside its first steps (Tools/LauncherBuild.cs), but
    /// before its guest starts: a stale program hands the same words to the launcher, whose status is the run's, and no
    /// guest has run; a fresh one runs the guest.
    /// </summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_run_of_a_stale_program_hands_over_to_the_launcher_before_its_guest_starts(bool stale)
    {
        // Arrange: a source tree with a launcher that only says what it was asked, and a build stamp older or newer
        using var root = new TempDir("launcher-run");
        Directory.CreateDirectory(root.Combine("Kernel"));
        File.WriteAllText(root.Combine("Kernel/Inode.cs"), "");
        Directory.CreateDirectory(root.Combine(".build/userkernel"));
        File.WriteAllText(root.Combine(".build/userkernel/.sources-checked"), "");
        DateTime sources = DateTime.UtcNow.AddMinutes(-10);
        File.SetLastWriteTimeUtc(root.Combine("Kernel/Inode.cs"), sources);
        Directory.SetLastWriteTimeUtc(root.Combine("Kernel"), sources);
        File.SetLastWriteTimeUtc(root.Combine(".build/userkernel/.sources-checked"), stale ? sources.AddMinutes(-1) : sources.AddMinutes(1));
        string launcher = root.Combine("userkernel");
        File.WriteAllText(launcher, "echo \"launcher: $USERKERNEL_STALE $*\"\nexit 42\n");

        // Act
        BufferedCommandResult run = await Cli.Wrap("dotnet")
            .WithArguments(["exec", Runner.UserKernelDll, "run", "--read-only", "--image", image.Image, "--", "/bin/sh", "-c", "echo the guest ran"])
            .WithEnvironmentVariables(e => e.Set("USERKERNEL_LAUNCHER", launcher))
            .WithValidation(CommandResultValidation.None)
            .ExecuteBufferedAsync();

        // Assert
        if (stale)
        {
            Assert.Equal(42, run.ExitCode);
            Assert.Equal($"launcher: 1 run --read-only --image {image.Image} -- /bin/sh -c echo the guest ran\n", run.StandardOutput);
        }
        else
        {
            Assert.Equal(0, run.ExitCode);
            Assert.Equal("the guest ran\n", run.StandardOutput);
        }
    }
}
