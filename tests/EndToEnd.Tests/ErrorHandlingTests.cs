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

    /// <summary>Where an image cannot be written, or a file cannot be one, the image verbs say so in one line and write nothing.</summary>
    [Theory]
    [InlineData("missing directory")]
    [InlineData("output is a directory")]
    [InlineData("size over 16 TiB")]
    [InlineData("a FIFO as image")]
    [InlineData("a directory as layer")]
    public async Task Image_verbs_refuse_impossible_outputs_in_one_line(string what)
    {
        // Arrange
        using var dir = new UserKernel.TestSupport.TempDir("bad-output");
        string source = dir.CreateDirectory("src");
        await File.WriteAllTextAsync(Path.Combine(source, "f"), "x\n");
        string fifo = dir.Combine("fifo");
        if (what == "a FIFO as image" && Mono.Unix.Native.Syscall.mkfifo(fifo, Mono.Unix.Native.FilePermissions.DEFFILEMODE) != 0)
            throw new InvalidOperationException("mkfifo failed");
        string[] arguments = what switch
        {
            "missing directory" => ["image", "build", source, "-o", dir.Combine("no", "such", "x.img")],
            "output is a directory" => ["image", "build", source, "-o", source],
            "size over 16 TiB" => ["image", "build", source, "-o", dir.Combine("x.img"), "--size", "17T"],
            "a FIFO as image" => ["image", "info", fifo],
            _ => ["run", "--image", image.Image, "--layer", source, "--", "/bin/true"],
        };

        // Act
        RunResult result = await Runner.UserKernelAsync(arguments);

        // Assert
        Assert.Equal(RunnerError, result.ExitCode);
        Assert.Matches("^userkernel: [^\n]+\n$", result.StandardError);
        Assert.False(File.Exists(dir.Combine("x.img")));
        Assert.Equal("f", Path.GetFileName(Assert.Single(Directory.GetFileSystemEntries(source))));
    }
}
