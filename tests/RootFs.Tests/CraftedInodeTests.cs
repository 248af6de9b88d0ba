using System;
using System.Threading.Tasks;
using UserKernel.RootFs.Ext4;
using UserKernel.RootFs.Image;
using UserKernel.RootFs.Tests.Fixtures;
using UserKernel.TestSupport;
using Xunit;

namespace UserKernel.RootFs.Tests;

/// <summary>Inode fields mke2fs never sets, written into copies of real images.</summary>
[Collection(ExtImagesCollection.Name)]
public sealed class CraftedInodeTests(ExtImages images) : IDisposable
{
    private const int IBlocksLo = 0x1C;
    private const int IFlags = 0x20;
    private const int ISizeHigh = 0x6C;
    private const int IBlocksHigh = 0x74;
    private const int ILinksCount = 0x1A;
    private readonly ImageCopies _copies = new();

    public void Dispose() => _copies.Dispose();

    [Fact]
    public async Task Huge_file_i_blocks_has_high_bits_and_may_count_filesystem_blocks()
    {
        var copy = _copies.Copy(images.ImagePath("ext4-4k"));
        var inode = await InodeOffsetAsync(copy, SourceTree.LargeFile, 4096);
        ulong lo = ImageCopies.ReadUInt32(copy, inode + IBlocksLo);
        ImageCopies.PatchUInt16(copy, inode + IBlocksHigh, 1);
        using (var reader = Ext4Reader.Open(copy))
        {
            Assert.True(reader.RoCompat.HasFlag(RoCompatFeatures.HugeFile));
            Assert.Equal((1UL << 32) | lo, reader.InodeAt(SourceTree.LargeFile).Blocks512);
        }

        ImageCopies.PatchUInt32(copy, inode + IFlags, ImageCopies.ReadUInt32(copy, inode + IFlags) | (uint)InodeFlags.HugeFile);
        using (var reader = Ext4Reader.Open(copy))
        {
            Assert.Equal(((1UL << 32) | lo) * 8, reader.InodeAt(SourceTree.LargeFile).Blocks512);
        }
    }

    [Fact]
    public async Task Without_huge_file_the_high_bits_of_i_blocks_are_ignored()
    {
        var copy = _copies.Copy(images.ImagePath("ext2-1k"));
        var inode = await InodeOffsetAsync(copy, SourceTree.LargeFile, 1024);
        ulong lo = ImageCopies.ReadUInt32(copy, inode + IBlocksLo);
        ImageCopies.PatchUInt16(copy, inode + IBlocksHigh, 1);

        using var reader = Ext4Reader.Open(copy);

        Assert.False(reader.RoCompat.HasFlag(RoCompatFeatures.HugeFile));
        Assert.Equal(lo, reader.InodeAt(SourceTree.LargeFile).Blocks512);
    }

    [Fact]
    public async Task I_size_high_counts_for_regular_files_and_not_for_directories()
    {
        var copy = _copies.Copy(images.ImagePath("ext4-4k"));
        ImageCopies.PatchUInt32(copy, await InodeOffsetAsync(copy, SourceTree.SmallFile, 4096) + ISizeHigh, 1);
        ImageCopies.PatchUInt32(copy, await InodeOffsetAsync(copy, "links", 4096) + ISizeHigh, 1);
        using var reader = Ext4Reader.Open(copy);
        var file = reader.InodeAt(SourceTree.SmallFile);
        var buffer = new byte[64];

        Assert.Equal((1UL << 32) + 12, file.Size);
        Assert.Equal(12, reader.Read(file.Number, 0, buffer.AsSpan(0, 12)));
        Assert.Equal("hello, ext4\n"u8.ToArray(), buffer[..12]);
        Assert.Equal(64, reader.Read(file.Number, 1L << 31, buffer));
        Assert.All(buffer, b => Assert.Equal(0, b));
        Assert.Equal(4096UL, reader.InodeAt("links").Size);
        Assert.Equal(6, reader.ReadDirectory(reader.Resolve("links")).Count);
    }

    [Fact]
    public async Task A_fast_symlink_with_the_extents_flag_still_reads_from_i_block()
    {
        var copy = _copies.Copy(images.ImagePath("ext4-4k"));
        var inode = await InodeOffsetAsync(copy, SourceTree.FastSymlink, 4096);
        Assert.Equal(0u, ImageCopies.ReadUInt32(copy, inode + IFlags) & (uint)InodeFlags.Extents);
        ImageCopies.PatchUInt32(copy, inode + IFlags, ImageCopies.ReadUInt32(copy, inode + IFlags) | (uint)InodeFlags.Extents);

        using var reader = Ext4Reader.Open(copy);

        Assert.Equal("../small.txt"u8.ToArray(), reader.ReadSymlink(reader.Resolve(SourceTree.FastSymlink)));
    }

    [Fact]
    public async Task An_inode_with_no_links_is_not_in_use()
    {
        var copy = _copies.Copy(images.ImagePath("ext4-4k"));
        ImageCopies.PatchUInt16(copy, await InodeOffsetAsync(copy, SourceTree.SmallFile, 4096) + ILinksCount, 0);
        using var reader = Ext4Reader.Open(copy);
        var ino = reader.Resolve(SourceTree.SmallFile);

        var error = Assert.Throws<ImageFormatException>(() => reader.ReadInode(ino));

        Assert.Equal($"corrupt filesystem: inode {ino} is not in use", error.Message);
        Assert.Throws<ImageFormatException>(() => reader.Read(ino, 0, new byte[4]));
    }

    private static async Task<long> InodeOffsetAsync(string image, string path, uint blockSize)
    {
        var (block, offset) = await ImageFixture.InodeLocationAsync(image, "/" + path);
        return block * blockSize + offset;
    }
}
