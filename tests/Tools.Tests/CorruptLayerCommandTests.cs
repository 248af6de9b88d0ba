using System;
using System.Collections.Generic;
using System.Formats.Tar;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using System.Threading.Tasks;
using UserKernel.TestSupport;
using Xunit;

namespace UserKernel.Tools.Tests;

/// <summary>A base image made once by `image build`, for the corrupt layer tests.</summary>
public sealed class CorruptLayerBase : IAsyncLifetime, IDisposable
{
    public TempDir Dir { get; } = new("corrupt-layers");

    public string Image => Dir.Combine("base.img");

    public async Task InitializeAsync()
    {
        string source = Dir.CreateDirectory("src");
        Directory.CreateDirectory(Path.Combine(source, "etc"));
        File.WriteAllText(Path.Combine(source, "etc", "hostname"), "base\n");
        var build = await UserKernelRun.StartAsync("image", "build", source, "-o", Image);
        if (build.ExitCode != 0) throw new InvalidOperationException("image build failed: " + build);
    }

    public Task DisposeAsync() => Task.CompletedTask;

    public void Dispose() => Dir.Dispose();
}

/// <summary>
/// `run --layer`, `image commit` and `image import` refuse a corrupt layer tar: exactly one line on stderr naming
/// the file and what is wrong, exit status 125, no output file (nor a partial or temporary one) and the input
/// unchanged. Before, System.Formats.Tar read a header with an empty checksum, or a zero block followed by
/// anything, as the end of the archive, so such a layer was an empty layer, and a bad checksum went unnoticed.
/// </summary>
public sealed class CorruptLayerCommandTests(CorruptLayerBase fixture) : IClassFixture<CorruptLayerBase>, IDisposable
{
    private readonly TempDir dir = new("corrupt-layer-run");

    public void Dispose() => dir.Dispose();

    private static byte[] GoodTar()
    {
        var output = new MemoryStream();
        using (var writer = new TarWriter(output, TarEntryFormat.Pax, leaveOpen: true))
        {
            writer.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, "etc/added") { DataStream = new MemoryStream(Enumerable.Repeat((byte)'x', 1000).ToArray()) });
            writer.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, "etc/.wh.hostname") { DataStream = new MemoryStream() });
        }
        return output.ToArray();
    }

    private static byte[] Gzip(byte[] data)
    {
        var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
            gzip.Write(data);
        return output.ToArray();
    }

    /// <summary>A damaged layer and what the message must say about it.</summary>
    private static (byte[] Layer, string Expected) Damaged(string kind)
    {
        byte[] tar = GoodTar();
        switch (kind)
        {
            case "bad checksum":
                tar[2] ^= 1;
                return (tar, "corrupt tar archive: the header at offset 0 has a bad checksum");
            case "empty checksum":
                tar.AsSpan(148, 8).Clear();
                return (tar, "corrupt tar archive: the header at offset 0 has no checksum");
            case "zero block then garbage":
                tar.AsSpan(0, 512).Clear();
                return (tar, "corrupt tar archive: the zero block at offset 0 is not followed by a second one");
            case "zero-length":
                return ([], "corrupt tar archive: the archive is empty (0 bytes)");
            case "truncated":
                return (tar[..1300], "corrupt tar archive: truncated: it ends at offset 1300");
            case "size not octal":
                // The pax header's size field, with its checksum made right again.
                "000000009z9\0"u8.CopyTo(tar.AsSpan(124));
                tar.AsSpan(148, 8).Fill((byte)' ');
                Encoding.ASCII.GetBytes(Convert.ToString(tar.AsSpan(0, 512).ToArray().Sum(b => (int)b), 8).PadLeft(6, '0') + "\0 ").CopyTo(tar, 148);
                return (tar, "its size field (\"000000009z9\\0\") is not an octal number");
            case "damaged gzip":
            {
                byte[] gz = Gzip(tar);
                for (int i = gz.Length / 2; i < gz.Length / 2 + 6; i++)
                    gz[i] ^= 0xA5;
                return (gz, "corrupt gzip data: ");
            }
            case "truncated gzip":
                return (Gzip(tar)[..^5], "corrupt gzip data: the stream is cut short");
            default:
                throw new ArgumentException(kind);
        }
    }

    public static TheoryData<string> Kinds() =>
        new("bad checksum", "empty checksum", "zero block then garbage", "zero-length", "truncated", "size not octal", "damaged gzip", "truncated gzip");

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task Run_refuses_a_corrupt_layer(string kind)
    {
        // Arrange
        var (layer, expected) = Damaged(kind);
        string bad = dir.Combine("bad.tar");
        File.WriteAllBytes(bad, layer);
        string persist = dir.Combine("changes.tar");
        string before = Sha256(fixture.Image);

        // Act
        var run = await UserKernelRun.StartAsync("run", "--image", fixture.Image, "--layer", bad, "--persist", persist, "--", "/bin/true");

        // Assert
        Assert.True(run.ExitCode == 125, run.ToString());
        string line = OneLine(run);
        Assert.StartsWith($"userkernel: --layer {bad}: ", line);
        Assert.Contains(expected, line);
        Assert.False(File.Exists(persist), run.ToString());
        Assert.Equal(["bad.tar"], Names(dir.Path));
        Assert.Equal(before, Sha256(fixture.Image));
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task Commit_refuses_a_corrupt_layer_and_writes_nothing(string kind)
    {
        // Arrange: a good layer first, so the bad one is found after work has been done.
        var (layer, expected) = Damaged(kind);
        string good = dir.Combine("good.tar"), bad = dir.Combine("bad.tar"), output = dir.Combine("out.img");
        File.WriteAllBytes(good, GoodTar());
        File.WriteAllBytes(bad, layer);
        string before = Sha256(fixture.Image);

        // Act
        var run = await UserKernelRun.StartAsync("image", "commit", fixture.Image, good, bad, "-o", output);

        // Assert
        Assert.True(run.ExitCode == 125, run.ToString());
        string line = OneLine(run);
        Assert.StartsWith($"userkernel: image commit: {bad}: ", line);
        Assert.Contains(expected, line);
        Assert.Equal(["bad.tar", "good.tar"], Names(dir.Path)); // no out.img, no temporary or spool file beside it
        Assert.Equal(before, Sha256(fixture.Image));
    }

    [Fact]
    public async Task Commit_of_a_good_layer_and_an_empty_one_works()
    {
        string good = dir.Combine("good.tar"), empty = dir.Combine("empty.tar"), output = dir.Combine("out.img");
        File.WriteAllBytes(good, GoodTar());
        File.WriteAllBytes(empty, new byte[10240]);

        var run = await UserKernelRun.StartAsync("image", "commit", fixture.Image, good, empty, "-o", output);

        Assert.True(run.ExitCode == 0, run.ToString());
        var ls = await UserKernelRun.StartAsync("image", "ls", output, "/etc");
        Assert.Equal(["added"], ls.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Theory]
    [InlineData("layout", "bad checksum")]
    [InlineData("layout", "zero block then garbage")]
    [InlineData("layout", "damaged gzip")]
    [InlineData("docker-save", "bad checksum")]
    [InlineData("docker-save", "empty checksum")]
    [InlineData("docker-save", "zero-length")]
    [InlineData("docker-save", "truncated gzip")]
    [InlineData("oci-archive", "truncated")]
    [InlineData("oci-archive", "size not octal")]
    public async Task Import_refuses_an_image_whose_layer_is_corrupt_though_its_digest_matches(string form, string kind)
    {
        // Arrange
        var (layer, expected) = Damaged(kind);
        string inputs = dir.CreateDirectory("in");
        string source = form == "layout" ? Path.Combine(inputs, "layout") : Path.Combine(inputs, "image.tar");
        if (form == "docker-save")
        {
            RawLayerImages.WriteDockerSave(source, layer, repoTag: "damaged:latest");
        }
        else
        {
            string layout = Path.Combine(inputs, "layout");
            RawLayerImages.WriteLayout(layout, layer);
            if (form == "oci-archive")
                TarFile.CreateFromDirectory(layout, source, includeBaseDirectory: false);
        }
        string before = form == "layout" ? "" : Sha256(source);
        string output = dir.Combine("out.img");

        // Act
        var run = await UserKernelRun.StartAsync("image", "import", source, "-o", output);

        // Assert
        Assert.True(run.ExitCode == 125, run.ToString());
        string line = OneLine(run);
        Assert.StartsWith($"userkernel: {source}: layer 1 (blobs/sha256/{RawLayerImages.Sha256(layer)}): ", line);
        Assert.Contains(expected, line);
        Assert.Equal(["in"], Names(dir.Path)); // no out.img, no temporary or spool file beside it
        if (form != "layout")
            Assert.Equal(before, Sha256(source));
    }

    /// <summary>The one line of stderr (with its newline), and nothing on stdout.</summary>
    private static string OneLine(UserKernelRun run)
    {
        Assert.True(run.StandardError.EndsWith('\n') && run.StandardError.IndexOf('\n') == run.StandardError.Length - 1, run.ToString());
        Assert.True(run.StandardOutput.Length == 0, run.ToString());
        return run.StandardError.TrimEnd('\n');
    }

    private static string[] Names(string directory) =>
        Directory.EnumerateFileSystemEntries(directory).Select(p => Path.GetFileName(p)).Order(StringComparer.Ordinal).ToArray();

    private static string Sha256(string path)
    {
        using var file = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(file));
    }
}
