using System;
using System.IO;
using UserKernel.RootFs.Ext4;
using UserKernel.RootFs.Image;
using UserKernel.RootFs.Tests.Fixtures;
using Xunit;

namespace UserKernel.RootFs.Tests;

/// <summary>Images that must be refused at open, with one clear line, leaving the file untouched.</summary>
[Collection(ExtImagesCollection.Name)]
public sealed class BadImageTests(ExtImages images) : IDisposable
{
    private const int SuperBlockAt = 1024;
    private const int IncompatAt = SuperBlockAt + 0x60;
    private readonly ImageCopies _copies = new();

    public void Dispose() => _copies.Dispose();

    [Fact]
    public void A_missing_file_is_named()
    {
        var path = _copies.Combine("no-such.img");

        var error = OpenFails(path);

        Assert.Equal($"image not found: {path}", error.Message);
        Assert.Equal($"image not found: /nonexistent-dir/x.img", OpenFails("/nonexistent-dir/x.img").Message);
    }

    [Fact]
    public void An_empty_file_is_refused()
    {
        var error = OpenFails(_copies.NewFile("empty.img", []));

        Assert.Equal("not an ext2/3/4 filesystem: the image is empty (0 bytes)", error.Message);
    }

    [Fact]
    public void A_file_too_small_for_a_superblock_is_refused()
    {
        var error = OpenFails(_copies.NewFile("small.img", new byte[1500]));

        Assert.Equal("not an ext2/3/4 filesystem: the image is 1.5 KiB, too small to hold a superblock", error.Message);
    }

    [Fact]
    public void A_directory_is_refused()
    {
        var error = OpenFails(images.Dir.Path);

        Assert.StartsWith("image is a directory", error.Message);
    }

    [Fact]
    public void Random_bytes_are_not_a_filesystem()
    {
        var bytes = new byte[1024 * 1024];
        new Random(99).NextBytes(bytes);
        var error = OpenFails(_copies.NewFile("random.img", bytes));

        Assert.Matches("^not an ext2/3/4 filesystem: bad superblock magic 0x[0-9A-F]{4}$", error.Message);
    }

    [Theory]
    [MemberData(nameof(ExtImages.Names), MemberType = typeof(ExtImages))]
    public void An_image_truncated_to_half_is_refused(string image)
    {
        var copy = _copies.Copy(images.ImagePath(image));
        using (var stream = new FileStream(copy, FileMode.Open, FileAccess.Write))
        {
            stream.SetLength(stream.Length / 2);
        }

        var error = OpenFails(copy);

        Assert.StartsWith("image is truncated: the superblock says ", error.Message);
        Assert.EndsWith("(128 MiB) but the file is 64 MiB", error.Message);
    }

    [Fact]
    public void A_zeroed_magic_is_refused()
    {
        var copy = _copies.Copy(images.ImagePath("ext4-4k"));
        ImageCopies.PatchUInt16(copy, SuperBlockAt + 0x38, 0);

        var error = OpenFails(copy);

        Assert.Equal("not an ext2/3/4 filesystem: bad superblock magic 0x0000", error.Message);
    }

    [Theory]
    [InlineData(0x10000u, "unsupported ext4 feature: encrypt")]
    [InlineData(0x1u, "unsupported ext4 feature: compression")]
    [InlineData(0x8u, "unsupported ext4 feature: journal_dev")]
    [InlineData(0x1000u, "unsupported ext4 feature: dirdata")]
    [InlineData(0x80000000u, "unsupported ext4 feature: unknown incompat 0x80000000")]
    [InlineData(0x10001u, "unsupported ext4 features: compression, encrypt")]
    public void An_incompat_feature_we_cannot_read_is_named(uint bits, string message)
    {
        var copy = _copies.Copy(images.ImagePath("ext4-4k"));
        ImageCopies.PatchUInt32(copy, IncompatAt, ImageCopies.ReadUInt32(copy, IncompatAt) | bits);

        var error = OpenFails(copy);

        Assert.Equal(message, error.Message);
    }

    [Fact]
    public void Needs_recovery_and_casefold_are_read_anyway()
    {
        var copy = _copies.Copy(images.ImagePath("ext4-4k"));
        ImageCopies.PatchUInt32(copy, IncompatAt, ImageCopies.ReadUInt32(copy, IncompatAt) | 0x4 | 0x20000);

        using var reader = Ext4Reader.Open(copy);

        Assert.True(reader.Incompat.HasFlag(IncompatFeatures.Recover));
        Assert.Equal("hello, ext4\n"u8.ToArray(), reader.ReadAll(reader.Resolve(SourceTree.SmallFile)));
    }

    [Theory]
    [InlineData(0x18, 20u, "corrupt superblock: block size 2^(10+20) is out of range")]
    [InlineData(0x00, 12345u, "corrupt superblock: inode count 12345 is not")]
    [InlineData(0x28, 0u, "corrupt superblock: 0 inodes per group")]
    [InlineData(0x20, 0u, "corrupt superblock: 0 blocks per group")]
    [InlineData(0x4C, 7u, "unsupported ext2/3/4 revision level 7")]
    public void Nonsense_geometry_is_refused(int field, uint value, string message)
    {
        var copy = _copies.Copy(images.ImagePath("ext2-1k"));
        ImageCopies.PatchUInt32(copy, SuperBlockAt + field, value);

        var error = OpenFails(copy);

        Assert.StartsWith(message, error.Message);
    }

    [Theory]
    [InlineData("ext2-1k")]
    [InlineData("ext4-4k")]
    public void A_group_descriptor_pointing_outside_the_filesystem_is_refused(string image)
    {
        var copy = _copies.Copy(images.ImagePath(image));
        uint blockSize = ExtImages.Spec(image).BlockSize;
        long descriptors = (blockSize == 1024 ? 2 : 1) * blockSize;
        ImageCopies.PatchUInt32(copy, descriptors + 32 * 0 + 0x8, 0xFFFFFF00);

        var error = OpenFails(copy);

        Assert.StartsWith("corrupt group descriptor 0: inode table at block ", error.Message);
    }

    [Theory]
    [MemberData(nameof(ExtImages.Names), MemberType = typeof(ExtImages))]
    public void Opening_and_reading_everything_leaves_the_image_unchanged(string image)
    {
        var path = images.ImagePath(image);
        var before = ReaderExtensions.Sha256OfFile(path);
        var mtime = File.GetLastWriteTimeUtc(path);

        using (var reader = Ext4Reader.Open(path))
        {
            foreach (var entry in reader.ReadDirectory(Ext4Reader.RootInode))
            {
                reader.Sha256(entry.Inode);
            }
        }

        Assert.Equal(before, ReaderExtensions.Sha256OfFile(path));
        Assert.Equal(mtime, File.GetLastWriteTimeUtc(path));
    }

    private static ImageFormatException OpenFails(string path)
    {
        var before = File.Exists(path) ? ReaderExtensions.Sha256OfFile(path) : null;

        var error = Assert.Throws<ImageFormatException>(() => Ext4Reader.Open(path).Dispose());

        Assert.DoesNotContain('\n', error.Message);
        if (before != null)
        {
            Assert.Equal(before, ReaderExtensions.Sha256OfFile(path));
        }
        return error;
    }
}
