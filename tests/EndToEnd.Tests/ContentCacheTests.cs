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
/// same bytes from them, and `image prune` removes them once the image is gone. Runs share those files but not their
/// locks: each run is a machine of its own.
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

    [Fact]
    public async Task Locks_on_an_image_file_work_within_a_run_as_on_Linux()
    {
        using var temp = new TempDir("content-cache-flock");
        BufferedCommandResult guest = await UserKernelAsync(temp.Combine("cache"), "run", "--image", image.Image, "--", "/guest/flock", "/data/text.txt");
        RunResult native = await Runner.NativeAsync(image.MountPoint, "/guest/flock", "/data/text.txt");

        Assert.True(guest.ExitCode == 0, guest.StandardError);
        Assert.Contains("opened before, exclusive: busy\n", native.StandardOutput);
        Assert.Equal(native.StandardOutput, guest.StandardOutput);
    }

    [Fact]
    public async Task A_lock_on_an_image_file_does_not_reach_another_run_of_the_image()
    {
        using var temp = new TempDir("content-cache-runs");
        string cacheHome = temp.Combine("cache");
        using var timeout = new CancellationTokenSource(Runner.Timeout);
        var locked = new TaskCompletionSource();
        var release = new TaskCompletionSource();
        var holder = new StringBuilder();
        // The first run holds its lock until its standard input ends, which is after the second run has tried.
        Task<CommandResult> holding = Cli.Wrap("dotnet")
            .WithArguments(["exec", Runner.UserKernelDll, "run", "--image", image.Image, "--", "/guest/flock", "/data/text.txt", "hold"])
            .WithEnvironmentVariables(e => e.Set("XDG_CACHE_HOME", cacheHome).Set("TERM", "dumb"))
            .WithStandardInputPipe(PipeSource.Create(async (_, _) => await release.Task))
            .WithStandardOutputPipe(PipeTarget.ToDelegate(line =>
            {
                lock (holder) holder.AppendLine(line);
                if (line == "locked") locked.TrySetResult();
            }))
            .WithValidation(CommandResultValidation.None)
            .ExecuteAsync(timeout.Token);
        BufferedCommandResult other;
        bool stillHeld;
        try
        {
            Task first = await Task.WhenAny(locked.Task, holding, Task.Delay(Runner.Timeout, timeout.Token));
            Assert.True(first == locked.Task, $"the first run never took its lock: {holder}");
            other = await UserKernelAsync(cacheHome, "run", "--image", image.Image, "--", "/guest/flock", "/data/text.txt", "try");
            stillHeld = !holding.IsCompleted;
        }
        finally
        {
            release.TrySetResult();
        }
        CommandResult held = await holding;

        Assert.True(other.ExitCode == 0, other.StandardError);
        Assert.Equal("got it\n", other.StandardOutput);
        Assert.True(stillHeld, $"the first run ended before the second tried: {holder}");
        Assert.Equal(0, held.ExitCode);
    }

    [Fact]
    public async Task A_guest_cannot_set_the_attributes_of_a_file_other_runs_share()
    {
        using var temp = new TempDir("content-cache-attr");
        string cacheHome = temp.Combine("cache");
        BufferedCommandResult guest = await UserKernelAsync(cacheHome, "run", "--image", image.Image, "--", "/guest/fileattr", "/data/text.txt");
        string[] kept = Directory.GetFiles(Path.Combine(cacheHome, "userkernel", "content"), "*", SearchOption.AllDirectories);
        BufferedCommandResult attributes = await Cli.Wrap(HostTool.Locate("lsattr", "e2fsprogs")).WithArguments(kept)
            .WithValidation(CommandResultValidation.None).ExecuteBufferedAsync();

        Assert.True(guest.ExitCode == 0, guest.StandardError);
        Assert.Equal(
            "FS_IOC_GETFLAGS: 0\nFS_IOC_SETFLAGS: ENOTTY\nFS_IOC_FSGETXATTR: 0\nFS_IOC_FSSETXATTR: ENOTTY\nFS_IOC_SETVERSION: ENOTTY\n",
            guest.StandardOutput);
        // No kept file carries the nodump (d) or noatime (A) flag the guest asked for.
        Assert.DoesNotContain(attributes.StandardOutput.Split('\n'), line => line.Split(' ')[0].Contains('d') || line.Split(' ')[0].Contains('A'));
    }

    [Fact]
    public async Task A_cache_file_the_kernel_let_go_and_opened_again_is_still_the_images()
    {
        using var temp = new TempDir("content-cache-trim");
        string cacheHome = temp.Combine("cache");
        BufferedCommandResult guest = await UserKernelAsync(cacheHome, "run", "--image", image.Image, "--", "/guest/cache-trim", "/data/text.txt", "/data/many");
        BufferedCommandResult again = await UserKernelAsync(cacheHome, "run", "--image", image.Image, "--", "/bin/sh", "-c", "md5sum /data/text.txt");
        string[] kept = Directory.GetFiles(Path.Combine(cacheHome, "userkernel", "content"), "*", SearchOption.AllDirectories)
            .Where(f => Path.GetFileName(f) != "image").ToArray();

        Assert.True(guest.ExitCode == 0, guest.StandardError);
        Assert.Equal("pushed out by over 1100 files: yes\nfchmod: 0\nmode seen: 0\n", guest.StandardOutput);
        Assert.NotEmpty(kept);
        // The chmod stayed in the run's overlay: every kept file is still the user's read-only file, and another run reads it.
        Assert.All(kept, f => Assert.Equal(UnixFileMode.UserRead, File.GetUnixFileMode(f)));
        Assert.True(again.ExitCode == 0, again.StandardError);
    }
}
