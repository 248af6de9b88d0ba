using System;
using System.IO;
using System.Threading.Tasks;
using Xunit;

namespace UserKernel.EndToEnd.Tests;

/// <summary>
/// Failures of userkernel itself (bad images, bad command lines, a command the image lacks) print
/// exactly one line, "userkernel: …", on stderr and exit with 125; no run changes the image file.
/// </summary>
[Collection(GuestImageCollection.Name)]
public sealed class ErrorHandlingTests(GuestImage image)
{
    private const int RunnerError = 125;

    [Fact]
    public async Task Corrupt_image_is_one_line_and_125()
    {
        // Arrange
        string corrupt = image.Dir.Combine("corrupt.img");
        var bytes = new byte[4 * 1024 * 1024];
        new Random(125).NextBytes(bytes);
        await File.WriteAllBytesAsync(corrupt, bytes);
        string before = GuestImage.Sha256Of(corrupt);

        // Act
        RunResult result = await Runner.GuestAsync(corrupt, "/bin/true");

        // Assert
        AssertRunnerError(result);
        Assert.Equal(before, GuestImage.Sha256Of(corrupt));
    }

    [Theory]
    [InlineData(1024)]
    [InlineData(64 * 1024)]
    [InlineData(8 * 1024 * 1024)]
    public async Task Truncated_image_is_one_line_and_125(int length)
    {
        // Arrange
        string truncated = image.Dir.Combine($"truncated-{length}.img");
        await using (var source = File.OpenRead(image.Image))
        await using (var target = File.Create(truncated))
        {
            var buffer = new byte[length];
            await source.ReadExactlyAsync(buffer);
            await target.WriteAsync(buffer);
        }
        string before = GuestImage.Sha256Of(truncated);

        // Act
        RunResult result = await Runner.GuestAsync(truncated, "/bin/sh", "-c", "find / -xdev -type f -exec cat {} + >/dev/null");

        // Assert
        AssertRunnerError(result);
        Assert.Equal(before, GuestImage.Sha256Of(truncated));
    }

    [Fact]
    public async Task Missing_image_is_one_line_and_125()
    {
        // Act
        RunResult result = await Runner.GuestAsync(image.Dir.Combine("no-such.img"), "/bin/true");

        // Assert
        AssertRunnerError(result);
    }

    [Theory]
    [InlineData("run", "--no-such-option", "--image", "IMG", "--", "/bin/true")]
    [InlineData("run", "--image", "IMG")]
    [InlineData("run", "--image")]
    [InlineData("frobnicate")]
    [InlineData("run", "--env", "NOEQUALS", "--image", "IMG", "--", "/bin/true")]
    public async Task Bad_command_line_is_one_line_and_125(params string[] args)
    {
        // Act
        RunResult result = await Runner.UserKernelAsync(Array.ConvertAll(args, a => a == "IMG" ? image.Image : a));

        // Assert
        AssertRunnerError(result);
        Assert.Equal(image.ImageSha256, GuestImage.Sha256Of(image.Image));
    }

    [Theory]
    [InlineData("no-such-command")]
    [InlineData("/no/such/program")]
    [InlineData("/data")]
    [InlineData("/data/text.txt")]
    public async Task Command_not_in_the_image_is_one_line_and_125(string command)
    {
        // Act
        RunResult result = await Runner.GuestAsync(image.Image, command);

        // Assert
        AssertRunnerError(result);
        Assert.Equal(image.ImageSha256, GuestImage.Sha256Of(image.Image));
    }

    [Fact]
    public async Task Guest_writes_leave_the_image_file_unchanged()
    {
        // Act
        RunResult result = await Runner.GuestAsync(image.Image, "/bin/sh", "-c",
            "echo x > /data/text.txt; echo x >> /data/new; mkdir /data/d; rm -rf /data; chmod 777 /bin/busybox; exit 0");

        // Assert
        Assert.Equal(0, result.ExitCode);
        Assert.Equal(image.ImageSha256, GuestImage.Sha256Of(image.Image));
    }

    private static void AssertRunnerError(RunResult result)
    {
        Assert.True(result.ExitCode == RunnerError, $"expected exit status 125:\n{result}");
        Assert.True(result.StandardError.StartsWith("userkernel: ", StringComparison.Ordinal), $"expected 'userkernel: ...':\n{result}");
        Assert.True(result.StandardError.EndsWith('\n') && result.StandardError.IndexOf('\n') == result.StandardError.Length - 1,
            $"expected exactly one line on stderr:\n{result}");
        Assert.Equal("", result.StandardOutput);
    }
}
