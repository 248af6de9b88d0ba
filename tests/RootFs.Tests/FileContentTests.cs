using System;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using System.Threading.Tasks;
using UserKernel.RootFs.Ext4;
using UserKernel.RootFs.Tests.Fixtures;
using UserKernel.TestSupport;
using Xunit;

namespace UserKernel.RootFs.Tests;

[Collection(ExtImagesCollection.Name)]
public sealed class FileContentTests(ExtImages images)
{
    [Theory]
    [MemberData(nameof(ExtImages.Names), MemberType = typeof(ExtImages))]
    public void Every_regular_file_reads_back_with_the_source_sha256(string image)
    {
        // Arrange
        using var reader = Ext4Reader.Open(images.ImagePath(image));
        var files = images.Source.AllPaths().Where(p => images.Source.TypeOf(p) == InodeMode.Regular
            && !(ExtImages.Spec(image).InlineData && p == SourceTree.TrailingHoleFile)).ToList();
        Assert.True(files.Count > 4500, $"only {files.Count} regular files in the source tree");

        foreach (var path in files)
        {
            // Act
            var ino = reader.Resolve(path);
            var inode = reader.ReadInode(ino);

            // Assert
            Assert.True(inode.IsRegular, path);
            Assert.Equal((ulong)new FileInfo(images.Source.Full(path)).Length, inode.Size);
            Assert.True(ReaderExtensions.Sha256OfFile(images.Source.Full(path)) == reader.Sha256(ino), $"{path} differs in {image}");
        }
    }

    [Theory]
    [MemberData(nameof(ExtImages.Names), MemberType = typeof(ExtImages))]
    public void Reads_at_unaligned_offsets_and_lengths_match_the_source(string image)
    {
        using var reader = Ext4Reader.Open(images.ImagePath(image));
        var random = new Random(7);
        foreach (var path in new[] { SourceTree.LargeFile, SourceTree.OddSizeFile, SourceTree.SparseFile, SourceTree.DeepSparseFile, SourceTree.FarSparseFile })
        {
            var ino = reader.Resolve(path);
            using var source = File.OpenHandle(images.Source.Full(path));
            long size = RandomAccess.GetLength(source);
            for (int i = 0; i < 200; i++)
            {
                long offset = random.NextInt64(size + 10);
                var expected = new byte[random.Next(1, 70000)];
                int expectedCount = RandomAccess.Read(source, expected, offset);
                var actual = new byte[expected.Length];

                int count = reader.Read(ino, offset, actual);

                Assert.Equal(expectedCount, count);
                Assert.True(expected.AsSpan(0, count).SequenceEqual(actual.AsSpan(0, count)), $"{path} at {offset}+{expected.Length} in {image}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(ExtImages.Names), MemberType = typeof(ExtImages))]
    public void Reading_at_or_past_the_end_returns_zero_and_a_read_across_it_is_short(string image)
    {
        using var reader = Ext4Reader.Open(images.ImagePath(image));
        var ino = reader.Resolve(SourceTree.OddSizeFile);
        long size = (long)reader.ReadInode(ino).Size;
        var buffer = new byte[100];

        Assert.Equal(0, reader.Read(ino, size, buffer));
        Assert.Equal(0, reader.Read(ino, size + 4096, buffer));
        Assert.Equal(10, reader.Read(ino, size - 10, buffer));
        Assert.Equal(0, reader.Read(reader.Resolve(SourceTree.EmptyFile), 0, buffer));
        Assert.Throws<ArgumentOutOfRangeException>(() => reader.Read(ino, -1, buffer));
    }

    [Theory]
    [MemberData(nameof(ExtImages.Names), MemberType = typeof(ExtImages))]
    public void Holes_read_as_zeros_and_take_no_space(string image)
    {
        using var reader = Ext4Reader.Open(images.ImagePath(image));
        var ino = reader.Resolve(SourceTree.SparseFile);
        var inode = reader.ReadInode(ino);
        var data = reader.ReadAll(ino);

        Assert.Equal(11UL * 1024 * 1024 + 1024, inode.Size);
        Assert.True(inode.Blocks512 * 512 < inode.Size / 8, $"sparse file uses {inode.Blocks512} sectors");
        for (int mib = 0; mib < 11; mib++)
        {
            var chunk = data.AsSpan(mib * 1024 * 1024, 1024 * 1024);
            Assert.NotEqual(0, chunk[0]);
            Assert.True(chunk[1024..].IndexOfAnyExcept((byte)0) < 0, $"hole after MiB {mib} is not zeros");
        }
    }

    [Fact]
    public async Task A_file_with_hundreds_of_extents_has_an_extent_tree_of_depth_two_and_reads_correctly()
    {
        var image = images.ImagePath("ext4-1k-64bit");
        var extents = await ImageFixture.DebugfsAsync(image, $"ex /{SourceTree.DeepSparseFile}");
        int depth = Regex.Matches(extents, @"^\s*\d+/\s*(\d+)", RegexOptions.Multiline).Max(m => int.Parse(m.Groups[1].Value));
        Assert.True(depth >= 2, $"expected an extent tree of depth 2, debugfs says:\n{extents}");

        using var reader = Ext4Reader.Open(image);
        Assert.Equal(ReaderExtensions.Sha256OfFile(images.Source.Full(SourceTree.DeepSparseFile)),
            reader.Sha256(reader.Resolve(SourceTree.DeepSparseFile)));
        Assert.True(reader.InodeAt(SourceTree.DeepSparseFile).HasFlag(InodeFlags.Extents));
    }

    [Theory]
    [InlineData("ext2-1k", SourceTree.LargeFile, "(DIND)")]
    [InlineData("ext2-1k", SourceTree.FarSparseFile, "(TIND)")]
    [InlineData("ext3-1k", SourceTree.FarSparseFile, "(TIND)")]
    public async Task Block_maps_reach_through_double_and_triple_indirect_blocks(string image, string path, string marker)
    {
        var path_ = images.ImagePath(image);
        var stat = await ImageFixture.DebugfsAsync(path_, $"stat /{path}");
        Assert.Contains(marker, stat);

        using var reader = Ext4Reader.Open(path_);
        var ino = reader.Resolve(path);
        Assert.False(reader.ReadInode(ino).HasFlag(InodeFlags.Extents));
        Assert.Equal(ReaderExtensions.Sha256OfFile(images.Source.Full(path)), reader.Sha256(ino, chunk: 1 << 20));
    }

    [Theory]
    [MemberData(nameof(ExtImages.Names), MemberType = typeof(ExtImages))]
    public void A_large_file_reads_whole_in_one_call(string image)
    {
        using var reader = Ext4Reader.Open(images.ImagePath(image));
        var ino = reader.Resolve(SourceTree.LargeFile);
        var data = new byte[6 * 1024 * 1024];

        int read = reader.Read(ino, 0, data);

        Assert.Equal(5 * 1024 * 1024 + 123, read);
        Assert.Equal(ReaderExtensions.Sha256OfFile(images.Source.Full(SourceTree.LargeFile)), ReaderExtensions.Sha256OfBytes(data.AsSpan(0, read)));
    }

    [Theory]
    [InlineData("ext4-4k")]
    [InlineData("ext4-1k-64bit")]
    public async Task Unwritten_extents_read_as_zeros_whatever_their_blocks_hold(string image)
    {
        // Arrange: fill the blocks under the fallocated extent with 0xAA in a copy of the image.
        var original = images.ImagePath(image);
        var extents = await ImageFixture.DebugfsAsync(original, $"ex /{SourceTree.UnwrittenFile}");
        var match = Regex.Match(extents, @"^\s*0/\s*0\s+\d+/\s*\d+\s+(\d+)\s*-\s*(\d+)\s+(\d+)\s*-\s*(\d+)\s+\d+\s+Uninit", RegexOptions.Multiline);
        Assert.True(match.Success, $"no unwritten extent in:\n{extents}");
        long first = long.Parse(match.Groups[3].Value), last = long.Parse(match.Groups[4].Value);
        using var dir = new TempDir("unwritten");
        var copy = dir.Combine("copy.img");
        File.Copy(original, copy);
        using (var stream = new FileStream(copy, FileMode.Open, FileAccess.Write))
        {
            var junk = Enumerable.Repeat((byte)0xAA, (int)((last - first + 1) * ExtImages.Spec(image).BlockSize)).ToArray();
            stream.Position = first * ExtImages.Spec(image).BlockSize;
            stream.Write(junk);
        }

        // Act
        using var reader = Ext4Reader.Open(copy);
        var inode = reader.InodeAt(SourceTree.UnwrittenFile);
        var data = reader.ReadAll(inode.Number);

        // Assert
        Assert.True(inode.Blocks512 > 0, "the fallocated file owns no blocks");
        Assert.Equal(1024 * 1024, data.Length);
        Assert.True(data.AsSpan().IndexOfAnyExcept((byte)0) < 0, "unwritten extent did not read as zeros");
    }

    [Fact]
    public void Inline_files_read_from_i_block_and_the_system_data_attribute()
    {
        using var reader = Ext4Reader.Open(images.ImagePath("ext4-inline"));
        Assert.True(reader.Incompat.HasFlag(IncompatFeatures.InlineData));
        foreach (var name in new[] { "a", "b", "c" })
        {
            var path = $"{SourceTree.InlineDir}/{name}";
            var inode = reader.InodeAt(path);

            Assert.True(inode.HasFlag(InodeFlags.InlineData), $"{path} is not inline");
            Assert.Equal(File.ReadAllBytes(images.Source.Full(path)), reader.ReadAll(inode.Number));
        }
        Assert.True(reader.InodeAt($"{SourceTree.InlineDir}/b").Size > 60, "b should spill into system.data");
    }
}
