using System;
using System.Linq;
using System.Text.RegularExpressions;
using System.Threading.Tasks;
using UserKernel.RootFs.Ext4;
using UserKernel.RootFs.Image;
using UserKernel.RootFs.Tests.Fixtures;
using UserKernel.TestSupport;
using Xunit;

namespace UserKernel.RootFs.Tests;

/// <summary>
/// Damage deep inside an image that opens fine: found when read, reported as
/// <see cref="ImageFormatException"/> (the kernel answers EIO), never a hang or a wild read.
/// </summary>
[Collection(ExtImagesCollection.Name)]
public sealed class CorruptionTests(ExtImages images) : IDisposable
{
    private const int IBlock = 0x28;
    private readonly ImageCopies _copies = new();

    public void Dispose() => _copies.Dispose();

    [Fact]
    public async Task A_bad_extent_header_fails_the_read_not_the_open()
    {
        var copy = _copies.Copy(images.ImagePath("ext4-4k"));
        var inode = await InodeOffsetAsync(copy, SourceTree.LargeFile, 4096);
        ImageCopies.PatchUInt16(copy, inode + IBlock, 0x1234);
        using var reader = Ext4Reader.Open(copy);
        var ino = reader.Resolve(SourceTree.LargeFile);

        var error = await FailsQuicklyAsync(() => reader.Read(ino, 0, new byte[4096]));

        Assert.Equal($"corrupt extent tree in inode {ino}: bad extent header magic 0x1234", error.Message);
        Assert.Equal("hello, ext4\n"u8.ToArray(), reader.ReadAll(reader.Resolve(SourceTree.SmallFile)));
    }

    [Fact]
    public async Task An_extent_index_that_points_at_its_own_node_does_not_loop()
    {
        var copy = _copies.Copy(images.ImagePath("ext4-1k-64bit"));
        var extents = await ImageFixture.DebugfsAsync(copy, $"ex /{SourceTree.DeepSparseFile}");
        var match = Regex.Match(extents, @"^\s*0/\s*2\s+\d+/\s*\d+\s+\d+\s*-\s*\d+\s+(\d+)", RegexOptions.Multiline);
        Assert.True(match.Success, $"no depth-2 tree:\n{extents}");
        long node = long.Parse(match.Groups[1].Value);
        // First index entry of the depth-1 node: ei_leaf_lo at +4, ei_leaf_hi at +8.
        ImageCopies.PatchUInt32(copy, node * 1024 + 12 + 4, (uint)node);
        ImageCopies.PatchUInt16(copy, node * 1024 + 12 + 8, 0);
        using var reader = Ext4Reader.Open(copy);
        var ino = reader.Resolve(SourceTree.DeepSparseFile);

        var error = await FailsQuicklyAsync(() => reader.Read(ino, 0, new byte[1024]));

        Assert.Contains("node at depth 1 where depth 0 was expected", error.Message);
    }

    [Fact]
    public async Task An_extent_tree_deeper_than_five_is_refused()
    {
        var copy = _copies.Copy(images.ImagePath("ext4-1k-64bit"));
        var inode = await InodeOffsetAsync(copy, SourceTree.DeepSparseFile, 1024);
        ImageCopies.PatchUInt16(copy, inode + IBlock + 6, 6);
        using var reader = Ext4Reader.Open(copy);

        var error = await FailsQuicklyAsync(() => reader.Read(reader.Resolve(SourceTree.DeepSparseFile), 0, new byte[1024]));

        Assert.EndsWith("extent tree depth 6 exceeds 5", error.Message);
    }

    [Fact]
    public async Task An_extent_beyond_the_filesystem_is_refused()
    {
        var copy = _copies.Copy(images.ImagePath("ext4-4k"));
        var inode = await InodeOffsetAsync(copy, SourceTree.SmallFile, 4096);
        // The single extent in i_block: ee_start_hi at +12+6, ee_start_lo at +12+8.
        ImageCopies.PatchUInt16(copy, inode + IBlock + 12 + 6, 0xFFFF);
        using var reader = Ext4Reader.Open(copy);

        var error = await FailsQuicklyAsync(() => reader.Read(reader.Resolve(SourceTree.SmallFile), 0, new byte[16]));

        Assert.Contains("lies outside the filesystem's", error.Message);
    }

    [Fact]
    public async Task A_block_pointer_beyond_the_filesystem_is_refused()
    {
        var copy = _copies.Copy(images.ImagePath("ext2-1k"));
        var inode = await InodeOffsetAsync(copy, SourceTree.LargeFile, 1024);
        ImageCopies.PatchUInt32(copy, inode + IBlock + 13 * 4, 0xFFFFFFF0);
        using var reader = Ext4Reader.Open(copy);
        var ino = reader.Resolve(SourceTree.LargeFile);
        Assert.Equal(1024, reader.Read(ino, 0, new byte[1024]));

        var error = await FailsQuicklyAsync(() => reader.Read(ino, 2L * 1024 * 1024, new byte[1024]));

        Assert.Equal($"corrupt block map in inode {ino}: indirect block 4294967280 lies outside the filesystem's {reader.BlocksCount} blocks", error.Message);
    }

    [Theory]
    [InlineData("ext4-4k", 0, "rec_len 0 is invalid")]
    [InlineData("ext2-1k", 0, "rec_len 0 is invalid")]
    [InlineData("ext4-4k", 6, "rec_len 6 is invalid")]
    [InlineData("ext4-4k", 60000, "rec_len 60000 runs past the end of the block")]
    public async Task A_bad_rec_len_fails_the_directory_read_without_looping(string image, ushort recLen, string message)
    {
        var copy = _copies.Copy(images.ImagePath(image));
        var blocks = await ImageFixture.DebugfsAsync(copy, "blocks /links");
        long block = long.Parse(blocks.Split(' ', StringSplitOptions.RemoveEmptyEntries)[0]);
        ImageCopies.PatchUInt16(copy, block * ExtImages.Spec(image).BlockSize + 4, recLen);
        using var reader = Ext4Reader.Open(copy);
        var dir = reader.Resolve("links");

        var listing = await FailsQuicklyAsync(() => reader.ReadDirectory(dir));
        var lookup = await FailsQuicklyAsync(() => reader.Lookup(dir, "fast"u8));
        var parsedLookup = await FailsQuicklyAsync(() => reader.Lookup(reader.ReadInode(dir), "fast"u8));

        Assert.Equal($"corrupt directory inode {dir}, block 0, offset 0: {message}", listing.Message);
        Assert.Equal(listing.Message, lookup.Message);
        Assert.Equal(listing.Message, parsedLookup.Message);
    }

    [Fact]
    public async Task A_directory_with_a_bad_extent_header_fails_both_lookups()
    {
        var copy = _copies.Copy(images.ImagePath("ext4-4k"));
        var inode = await InodeOffsetAsync(copy, "links", 4096);
        ImageCopies.PatchUInt16(copy, inode + IBlock, 0x1234);
        using var reader = Ext4Reader.Open(copy);
        var dir = reader.Resolve("links");

        var byNumber = await FailsQuicklyAsync(() => reader.Lookup(dir, "fast"u8));
        var parsed = await FailsQuicklyAsync(() => reader.Lookup(reader.ReadInode(dir), "fast"u8));

        Assert.Equal($"corrupt extent tree in inode {dir}: bad extent header magic 0x1234", byNumber.Message);
        Assert.Equal(byNumber.Message, parsed.Message);
    }

    [Fact]
    public async Task A_directory_entry_naming_an_impossible_inode_is_refused()
    {
        var copy = _copies.Copy(images.ImagePath("ext4-4k"));
        var blocks = await ImageFixture.DebugfsAsync(copy, "blocks /links");
        long block = long.Parse(blocks.Split(' ', StringSplitOptions.RemoveEmptyEntries)[0]);
        ImageCopies.PatchUInt32(copy, block * 4096, 0xFFFFFFFE);
        using var reader = Ext4Reader.Open(copy);

        var error = await FailsQuicklyAsync(() => reader.ReadDirectory(reader.Resolve("links")));

        Assert.EndsWith($"inode 4294967294 is beyond the last inode {reader.InodesCount}", error.Message);
    }

    [Fact]
    public async Task An_inode_with_a_bad_extra_size_is_refused()
    {
        var copy = _copies.Copy(images.ImagePath("ext4-4k"));
        var inode = await InodeOffsetAsync(copy, SourceTree.SmallFile, 4096);
        ImageCopies.PatchUInt16(copy, inode + 0x80, 250);
        using var reader = Ext4Reader.Open(copy);

        var error = await FailsQuicklyAsync(() => reader.InodeAt(SourceTree.SmallFile));

        Assert.EndsWith("has i_extra_isize 250, which does not fit a 256-byte inode", error.Message);
    }

    private static async Task<long> InodeOffsetAsync(string image, string path, uint blockSize)
    {
        var (block, offset) = await ImageFixture.InodeLocationAsync(image, "/" + path);
        return block * blockSize + offset;
    }

    private static async Task<ImageFormatException> FailsQuicklyAsync(Func<object?> action)
    {
        var run = Task.Run(() => Record.Exception(() => action()));
        var exception = await run.WaitAsync(TimeSpan.FromSeconds(20));
        return Assert.IsType<ImageFormatException>(exception);
    }
}
