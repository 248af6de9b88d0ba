using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using System.Threading.Tasks;
using UserKernel.TestSupport;
using Xunit;

namespace UserKernel.EndToEnd.Tests;

/// <summary>The test tree as ext2, ext3 and ext4 images with 1 KiB blocks (so the fragmented file has many extents).</summary>
public sealed class ExtFlavourImages : ImageFixture, IAsyncLifetime
{
    public ExtFlavourImages() : base("e2e-flavours")
    {
    }

    public string SourceDir => Dir.Combine("tree");

    /// <summary>sha256 of every regular file of the tree, computed on the host.</summary>
    public IReadOnlyDictionary<string, string> SourceHashes { get; private set; } = new Dictionary<string, string>();

    /// <summary>Image path by file-system type.</summary>
    public Dictionary<string, string> Images { get; } = new(StringComparer.Ordinal);

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(SourceDir);
        await TestTree.BuildAsync(SourceDir, withGuestPrograms: false);
        SourceHashes = await TestTree.Sha256OfRegularFilesAsync(SourceDir);
        foreach (string type in new[] { "ext2", "ext3", "ext4" })
        {
            Images[type] = await MakeExtImageAsync($"{type}.img", SourceDir, type, "64M", "-b", "1024");
            // mke2fs -d links entries linearly; e2fsck -D builds the htree index of the large directories.
            await E2fsckAsync(Images[type], "-D");
        }
    }

    public Task DisposeAsync() => Task.CompletedTask;
}

/// <summary>Every regular file in the image, read by the guest, has the bytes of the source file.</summary>
public sealed class FileContentTests(ExtFlavourImages images) : IClassFixture<ExtFlavourImages>
{
    [Theory]
    [InlineData("ext2")]
    [InlineData("ext3")]
    [InlineData("ext4")]
    public async Task Guest_sha256_of_every_regular_file_matches_the_source(string type)
    {
        // Arrange
        string image = images.Images[type];
        string before = GuestImage.Sha256Of(image);

        // Act
        RunResult guest = await Runner.GuestAsync(image, "/bin/sh", "-c", "find / -xdev -type f -exec sha256sum {} +");

        // Assert
        Assert.True(guest.ExitCode == 0 && guest.StandardError.Length == 0, guest.ToString());
        var seen = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (Match m in Regex.Matches(guest.StandardOutput, @"^([0-9a-f]{64})  (.+)$", RegexOptions.Multiline))
        {
            seen[m.Groups[2].Value] = m.Groups[1].Value;
        }
        var expected = images.SourceHashes.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Value}  {kv.Key}");
        var actual = seen.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Value}  {kv.Key}");
        Assert.Equal(string.Join('\n', expected), string.Join('\n', actual));
        Assert.Contains("/data/fragmented.bin", seen.Keys);
        Assert.Equal(TestTree.ManyFiles, seen.Keys.Count(k => k.StartsWith("/data/many/", StringComparison.Ordinal)));
        Assert.Equal(before, GuestImage.Sha256Of(image));
    }

    [Fact]
    public async Task Ext4_image_holds_a_file_of_more_than_four_extents_and_a_hashed_directory()
    {
        // Act
        string extents = await ImageFixture.DebugfsAsync(images.Images["ext4"], "ex /data/fragmented.bin");
        string many = await ImageFixture.DebugfsAsync(images.Images["ext4"], "htree /data/many");

        // Assert: debugfs prints one line per extent-tree entry, "LEVEL/DEPTH ..."; leaves have LEVEL == DEPTH.
        int leaves = Regex.Matches(extents, @"^\s*(\d+)/\s*(\d+)\s", RegexOptions.Multiline)
            .Count(m => m.Groups[1].Value == m.Groups[2].Value);
        Assert.True(leaves > 4, $"expected more than 4 extents:\n{extents}");
        Assert.Contains("Root node dump", many);
    }
}
