using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using CliWrap;
using CliWrap.Buffered;
using UserKernel.TestSupport;
using Xunit;

namespace UserKernel.EndToEnd.Tests;

/// <summary>
/// The content cache as a user meets it: the first run keeps the image files its guest opened, a second run reads the
/// same bytes from them, and `image prune` removes them once the image is gone.
/// </summary>
[Collection(GuestImageCollection.Name)]
public sealed class ContentCacheTests(GuestImage image)
{
    private static async Task<BufferedCommandResult> UserKernelAsync(string cacheHome, params string[] args)
    {
        using var timeout = new CancellationTokenSource(Runner.Timeout);
        return await Cli.Wrap("dotnet").WithArguments(["exec", Runner.UserKernelDll, .. args])
            .WithEnvironmentVariables(e => e.Set("XDG_CACHE_HOME", cacheHome).Set("TERM", "dumb"))
            .WithValidation(CommandResultValidation.None)
            .ExecuteBufferedAsync(Encoding.UTF8, timeout.Token);
    }

    [Fact]
    public async Task Runs_keep_what_they_read_share_it_and_prune_removes_it_with_the_image()
    {
        using var temp = new TempDir("content-cache");
        string copy = temp.Combine("copy.img"), cacheHome = temp.Combine("cache");
        File.Copy(image.Image, copy);
        string content = Path.Combine(cacheHome, "userkernel", "content");

        BufferedCommandResult first = await UserKernelAsync(cacheHome, "run", "--image", copy, "--", "/bin/sh", "-c", "md5sum /data/text.txt");
        string[] kept = Directory.GetDirectories(content);
        long[] keptSizes = kept.SelectMany(Directory.GetFiles).Select(f => new FileInfo(f).Length).ToArray();
        BufferedCommandResult second = await UserKernelAsync(cacheHome, "run", "--image", copy, "--", "/bin/sh", "-c", "md5sum /data/text.txt");
        RunResult native = await Runner.NativeAsync(image.MountPoint, "/bin/sh", "-c", "md5sum /data/text.txt");
        File.Delete(copy);
        BufferedCommandResult prune = await UserKernelAsync(cacheHome, "image", "prune");

        Assert.True(first.ExitCode == 0, first.StandardError);
        Assert.Equal(native.StandardOutput, first.StandardOutput);
        Assert.Equal(native.StandardOutput, second.StandardOutput);
        Assert.Single(kept);
        Assert.Contains(new FileInfo(Path.Combine(image.SourceDir, "data", "text.txt")).Length, keptSizes);
        Assert.True(prune.ExitCode == 0, prune.StandardError);
        Assert.Equal($"image prune: removed 1 image directory from {content}\n", prune.StandardOutput);
        Assert.Empty(Directory.GetDirectories(content));
    }
}
