using System.Linq;
using System.Threading.Tasks;
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
}
