using System;
using System.Collections.Generic;
using System.Formats.Tar;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using CliWrap;
using UserKernel.TestSupport;
using Xunit;

namespace UserKernel.EndToEnd.Tests;

/// <summary>
/// run --persist saves the overlay's upper layer as an OCI layer tar; run --layer stacks saved layers under a
/// fresh upper layer. A layer applied to the image must give the tree a native run of the same script gives a
/// writable copy of the image's source tree; the image file never changes.
/// </summary>
[Collection(GuestImageCollection.Name)]
public sealed class LayerTests(GuestImage image)
{
    /// <summary>Every kind of change: new, changed, deleted (a file and a tree), hard and symbolic links, modes and owners.</summary>
    private const string Changes =
        "echo new > /newfile; ln /newfile /newlink; ln -s /data/text.txt /sym; " +
        "echo changed >> /data/nested/top.txt; touch -d '2001-02-03 04:05:06' /data/nested/top.txt; " +
        "rm /data/words; rm -r /data/nested/a; " +
        "chmod 640 /data/text.txt; chown 12:34 /data/text.txt; " +
        "mkdir /newdir; mkfifo /newdir/fifo; chown 7:8 /newdir";

    /// <summary>
    /// The tree as stat and md5sum see it, mount points and lost+found (which only the image has) left out.
    /// Directories without link count and size, which differ between ext4 and a layer stack; no times, since
    /// the native run and the guest's made their files at different moments.
    /// </summary>
    private const string Listing =
        "cd /; P='( -path ./proc -o -path ./sys -o -path ./dev -o -path ./tmp -o -path ./lost+found ) -prune -o'; " +
        "find . $P ! -type d -exec stat -c '%n %a %u %g %s %F %h %N' {} + | sort; " +
        "find . $P -type d -exec stat -c '%n %a %u %g %F' {} + | sort; " +
        "find . $P -type f -exec md5sum {} + | sort";

    [Fact]
    public async Task Persist_writes_every_change_as_a_layer_entry_with_whiteouts()
    {
        // Arrange
        using var dir = new TempDir("persist");
        string layer = dir.Combine("changes.tar");

        // Act
        RunResult run = await PersistAsync(layer, [], Changes + "; exit 3");

        // Assert
        Assert.True(run.ExitCode == 3, run.ToString());
        Dictionary<string, TarEntrySummary> entries = ReadLayer(layer);
        Assert.Equal(
            ["data/", "data/.wh.words", "data/hardlink.txt", "data/nested/", "data/nested/.wh.a", "data/nested/top.txt",
             "data/text.txt", "newdir/", "newdir/fifo", "newfile", "newlink", "sym"],
            entries.Keys.Order(StringComparer.Ordinal));
        Assert.Equal((TarEntryType.RegularFile, 0x1A4, 0, 0, "new\n"), Describe(entries["newfile"]));
        Assert.Equal(TarEntryType.HardLink, entries["newlink"].Type);
        Assert.Equal("newfile", entries["newlink"].LinkName);
        Assert.Equal((TarEntryType.SymbolicLink, "/data/text.txt"), (entries["sym"].Type, entries["sym"].LinkName));
        Assert.Equal("top\nchanged\n", entries["data/nested/top.txt"].Content);
        Assert.Equal(new DateTimeOffset(2001, 2, 3, 4, 5, 6, TimeSpan.Zero), entries["data/nested/top.txt"].ModificationTime);
        // The image's second name of text.txt was never used, but the layer must keep the two names one file.
        string text = await File.ReadAllTextAsync(Path.Combine(image.SourceDir, "data", "text.txt"));
        Assert.Equal((TarEntryType.RegularFile, 0x1A0, 12, 34, text), Describe(entries["data/hardlink.txt"]));
        Assert.Equal((TarEntryType.HardLink, "data/hardlink.txt"), (entries["data/text.txt"].Type, entries["data/text.txt"].LinkName));
        Assert.Equal(TarEntryType.RegularFile, entries["data/.wh.words"].Type);
        Assert.Equal(TarEntryType.Fifo, entries["newdir/fifo"].Type);
        Assert.Equal((TarEntryType.Directory, 7, 8), (entries["newdir/"].Type, entries["newdir/"].Uid, entries["newdir/"].Gid));
        Assert.Empty(Directory.GetFiles(dir.Path, ".*"));
        Assert.Equal(image.ImageSha256, GuestImage.Sha256Of(image.Image));
    }

    [Fact]
    public async Task A_saved_layer_gives_the_tree_a_native_run_of_the_same_changes_gives()
    {
        // Arrange
        using var dir = new TempDir("layer");
        string layer = dir.Combine("changes.tar");
        using TempDir copy = await image.WritableCopyAsync("layer-native");
        RunResult nativeChanges = await Runner.NativeAsync(copy.Path, "/bin/sh", "-c", Changes);
        RunResult persisted = await PersistAsync(layer, [], Changes);

        // Act
        RunResult native = await Runner.NativeAsync(copy.Path, "/bin/sh", "-c", Listing);
        RunResult guest = await Runner.UserKernelAsync(["run", "--image", image.Image, "--layer", layer, "--", "/bin/sh", "-c", Listing]);

        // Assert
        Assert.True(nativeChanges.ExitCode == 0 && persisted.ExitCode == 0, nativeChanges + "\n" + persisted);
        Assert.Contains("./newfile 644 0 0 4 regular file 2", native.StandardOutput);
        Assert.Equal(native.ToString(), guest.ToString());
        Assert.Equal(image.ImageSha256, GuestImage.Sha256Of(image.Image));
    }

    [Fact]
    public async Task Stacked_layers_apply_in_order_and_commit_flattens_them_to_the_same_tree()
    {
        // Arrange: the second layer removes what the first added and makes a directory anew.
        // A file with names in two directories, changed through one in the second run, stays one file.
        const string First = "mkdir -p /added/sub; echo one > /added/sub/x; echo f > /first; echo more >> /data/nested/top.txt; " +
            "mkdir /x /y; echo 1 > /x/a; ln /x/a /y/b";
        const string Second = "rm -r /added; rm /first; rm -rf /data/nested; mkdir /data/nested; echo fresh > /data/nested/only; echo 2 >> /x/a";
        using var dir = new TempDir("stack");
        string one = dir.Combine("one.tar"), two = dir.Combine("two.tar");
        using TempDir copy = await image.WritableCopyAsync("stack-native");
        RunResult nativeChanges = await Runner.NativeAsync(copy.Path, "/bin/sh", "-c", First + "; " + Second);
        RunResult firstRun = await PersistAsync(one, [], First);
        RunResult secondRun = await PersistAsync(two, [one], Second);

        // Act
        RunResult native = await Runner.NativeAsync(copy.Path, "/bin/sh", "-c", Listing);
        RunResult guest = await Runner.UserKernelAsync(["run", "--image", image.Image, "--layer", one, "--layer", two, "--", "/bin/sh", "-c", Listing]);
        string next = dir.Combine("next.img");
        RunResult commit = await Runner.UserKernelAsync(["image", "commit", image.Image, one, two, "-o", next]);
        RunResult committed = await Runner.UserKernelAsync(["run", "--image", next, "--", "/bin/sh", "-c", Listing]);

        // Assert
        Assert.True(nativeChanges.ExitCode == 0 && firstRun.ExitCode == 0 && secondRun.ExitCode == 0, firstRun + "\n" + secondRun);
        Assert.True(commit.ExitCode == 0, commit.ToString());
        Assert.Equal(native.ToString(), committed.ToString());
        await HostTool.RunAsync("e2fsck", "e2fsprogs", ["-fn", next]);
        Dictionary<string, TarEntrySummary> second = ReadLayer(two);
        Assert.Contains(".wh.added", second.Keys);
        Assert.Contains(".wh.first", second.Keys);
        Assert.Contains("data/nested/.wh..wh..opq", second.Keys);
        Assert.Equal("fresh\n", second["data/nested/only"].Content);
        Assert.Equal((TarEntryType.HardLink, "x/a"), (second["y/b"].Type, second["y/b"].LinkName));
        Assert.Equal(native.ToString(), guest.ToString());
        Assert.Equal(image.ImageSha256, GuestImage.Sha256Of(image.Image));
    }

    [Fact]
    public async Task Persist_saves_the_layer_when_userkernel_gets_SIGINT()
    {
        // Arrange
        using var dir = new TempDir("sigint");
        string layer = dir.Combine("changes.tar");
        var ready = new TaskCompletionSource();
        using var timeout = new CancellationTokenSource(Runner.Timeout);
        CommandTask<CommandResult> run = Cli.Wrap("dotnet")
            .WithArguments(["exec", Runner.UserKernelDll, "run", "--image", image.Image, "--persist", layer, "--",
                "/bin/sh", "-c", "echo kept > /kept; echo ready; sleep 30"])
            .WithStandardOutputPipe(PipeTarget.ToDelegate(line => { if (line == "ready") ready.TrySetResult(); }))
            .WithValidation(CommandResultValidation.None)
            .ExecuteAsync(timeout.Token);
        await ready.Task.WaitAsync(Runner.Timeout);

        // Act: SIGINT to userkernel itself, as Ctrl-C sends it where the kernel has the terminal (the guest has its own group).
        await HostTool.RunAsync("sh", "dash", ["-c", "kill -INT " + run.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        CommandResult result = await run;

        // Assert
        Assert.Equal(128 + 2, result.ExitCode);
        Assert.True(result.RunTime < TimeSpan.FromSeconds(25), $"the run took {result.RunTime}: the guest's sleep was not cut short");
        Assert.Equal("kept\n", ReadLayer(layer)["kept"].Content);
        Assert.Empty(Directory.GetFiles(dir.Path, ".*"));
        Assert.Equal(image.ImageSha256, GuestImage.Sha256Of(image.Image));
    }

    [Fact]
    public async Task Persist_saves_the_layer_when_the_guest_is_killed_by_a_signal()
    {
        // Arrange
        using var dir = new TempDir("crash");
        string layer = dir.Combine("changes.tar");

        // Act
        RunResult run = await PersistAsync(layer, [], "echo before > /crash; kill -SEGV $$; echo after > /after");

        // Assert
        Assert.True(run.ExitCode == 128 + 11, run.ToString());
        Dictionary<string, TarEntrySummary> entries = ReadLayer(layer);
        Assert.Equal("before\n", entries["crash"].Content);
        Assert.DoesNotContain("after", entries.Keys);
    }

    [Fact]
    public async Task Bind_mounts_and_tmpfs_are_not_part_of_the_layer()
    {
        // Arrange
        using var dir = new TempDir("bind-layer");
        using var host = new TempDir("bind-host");
        string layer = dir.Combine("changes.tar");

        // Act
        RunResult run = await Runner.UserKernelAsync(["run", "--image", image.Image, "--bind", host.Path + ":/data/nested/empty",
            "--persist", layer, "--", "/bin/sh", "-c", "echo b > /data/nested/empty/b; echo t > /tmp/t; echo o > /o"]);

        // Assert
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal(["o"], ReadLayer(layer).Keys);
        Assert.Equal("b\n", File.ReadAllText(Path.Combine(host.Path, "b")));
    }

    [Fact]
    public async Task Persist_keeps_extended_attributes()
    {
        // Arrange
        using var dir = new TempDir("xattr-layer");
        string layer = dir.Combine("changes.tar");

        // Act
        RunResult run = await Runner.UserKernelAsync(["run", "--image", image.Image, "--persist", layer, "--", "/guest/xattr"]);

        // Assert
        // The program sets user.a on /data/nested/top.txt, then renames it to /moved; it sets trusted.t on the symlink /link.
        Assert.Contains("get /moved user.a = 'three'", run.StandardOutput);
        var pax = new Dictionary<string, IReadOnlyDictionary<string, string>>(StringComparer.Ordinal);
        using FileStream stream = File.OpenRead(layer);
        using var reader = new TarReader(stream);
        for (TarEntry? e; (e = reader.GetNextEntry()) != null;)
            pax[e.Name] = ((PaxTarEntry)e).ExtendedAttributes;
        Assert.Equal("three", pax["moved"]["SCHILY.xattr.user.a"]);
        Assert.Equal("x", pax["link"]["SCHILY.xattr.trusted.t"]);
        Assert.Contains("data/nested/.wh.top.txt", pax.Keys);
    }

    [Fact]
    public async Task A_corrupt_layer_is_one_line_and_exit_125()
    {
        // Arrange
        using var dir = new TempDir("corrupt-layer");
        string garbage = dir.Combine("garbage.tar"), truncated = dir.Combine("truncated.tar"), layer = dir.Combine("good.tar");
        await File.WriteAllTextAsync(garbage, new string('x', 3000));
        await PersistAsync(layer, [], "head -c 100000 /dev/urandom > /big");
        byte[] good = await File.ReadAllBytesAsync(layer);
        await File.WriteAllBytesAsync(truncated, good[..(good.Length / 2)]);

        foreach (string bad in new[] { garbage, truncated })
        {
            // Act
            RunResult run = await Runner.UserKernelAsync(["run", "--image", image.Image, "--layer", bad, "--", "/bin/true"]);

            // Assert
            Assert.True(run.ExitCode == 125, run.ToString());
            Assert.StartsWith("userkernel: --layer " + bad + ": ", run.StandardError);
            Assert.Single(run.StandardError.TrimEnd('\n').Split('\n'));
        }
    }

    [Fact]
    public async Task Persist_with_a_read_only_root_is_a_usage_error()
    {
        // Act
        RunResult run = await Runner.UserKernelAsync(["run", "--read-only", "--persist", "/tmp/never.tar", "--image", image.Image, "--", "/bin/true"]);

        // Assert
        Assert.Equal(125, run.ExitCode);
        Assert.Contains("--persist", run.StandardError);
        Assert.False(File.Exists("/tmp/never.tar"));
    }

    private Task<RunResult> PersistAsync(string layer, string[] lowerLayers, string script) =>
        Runner.UserKernelAsync(["run", "--image", image.Image, .. lowerLayers.SelectMany(l => new[] { "--layer", l }),
            "--persist", layer, "--", "/bin/sh", "-c", script]);

    /// <summary>What a test checks of one tar entry.</summary>
    private sealed record TarEntrySummary(TarEntryType Type, int Mode, int Uid, int Gid, string Content, string LinkName, DateTimeOffset ModificationTime);

    private static (TarEntryType, int, int, int, string) Describe(TarEntrySummary e) => (e.Type, e.Mode, e.Uid, e.Gid, e.Content);

    private static Dictionary<string, TarEntrySummary> ReadLayer(string path)
    {
        var entries = new Dictionary<string, TarEntrySummary>(StringComparer.Ordinal);
        using FileStream stream = File.OpenRead(path);
        using var reader = new TarReader(stream);
        for (TarEntry? e; (e = reader.GetNextEntry()) != null;)
        {
            string content = "";
            if (e.DataStream != null)
            {
                using var text = new StreamReader(e.DataStream, Encoding.UTF8);
                content = text.ReadToEnd();
            }
            entries.Add(e.Name, new TarEntrySummary(e.EntryType, (int)e.Mode, e.Uid, e.Gid, content, e.LinkName, e.ModificationTime));
        }
        return entries;
    }
}
