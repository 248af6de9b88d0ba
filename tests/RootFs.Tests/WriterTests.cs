using System;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading.Tasks;
using UserKernel.RootFs.Ext4;
using UserKernel.RootFs.Image;
using UserKernel.RootFs.Sources;
using UserKernel.RootFs.Tests.Fixtures;
using UserKernel.RootFs.Tree;
using UserKernel.RootFs.Writer;
using UserKernel.TestSupport;
using Xunit;

namespace UserKernel.RootFs.Tests;

/// <summary>Images made by ImageWriter from trees built in memory: e2fsck finds them clean and the reader finds the tree.</summary>
public sealed class WriterTests
{
    [Theory]
    [InlineData(ImageFormat.Ext4)]
    [InlineData(ImageFormat.Ext2)]
    public async Task A_small_tree_makes_a_clean_image_that_reads_back(ImageFormat format)
    {
        // Arrange
        using var dir = new TempDir("writer");
        var tree = new FileTree();
        tree.Add("etc/hostname", TreeNode.File(FileContent.FromBytes("userkernel\n"u8.ToArray())));
        tree.Add("bin/sh", TreeNode.Symlink("busybox"));
        tree.Add("usr/share/long", TreeNode.Symlink(string.Concat(Enumerable.Repeat("abcdefghij/", 20))));
        tree.Add("empty", TreeNode.File(FileContent.FromBytes([])));
        var image = dir.Combine("out.img");

        // Act
        ImageWriter.Write(tree, image, new ImageWriterOptions { Format = format, Label = "small" });

        // Assert
        await WriterChecks.AssertCleanAsync(image);
        using var reader = Ext4Reader.Open(image);
        Assert.Equal("userkernel\n", Encoding.UTF8.GetString(reader.ReadAll(reader.Resolve("etc/hostname"))));
        Assert.Equal("busybox", Encoding.UTF8.GetString(reader.ReadSymlink(reader.Resolve("bin/sh"))));
        Assert.Equal(string.Concat(Enumerable.Repeat("abcdefghij/", 20)), Encoding.UTF8.GetString(reader.ReadSymlink(reader.Resolve("usr/share/long"))));
        Assert.Equal("small", reader.VolumeName);
        Assert.True(reader.InodeAt("lost+found").IsDirectory);
    }

    [Theory]
    [InlineData(ImageFormat.Ext4)]
    [InlineData(ImageFormat.Ext2)]
    public async Task A_directory_with_every_kind_of_file_round_trips(ImageFormat format)
    {
        // Arrange
        using var dir = new TempDir("writer-dir");
        var root = dir.CreateDirectory("root");
        RichTree.Make(root);
        var image = dir.Combine("out.img");

        // Act
        ImageWriter.Write(DirectorySource.Read(root), image, new ImageWriterOptions { Format = format });

        // Assert
        await WriterChecks.AssertCleanAsync(image);
        using var reader = Ext4Reader.Open(image);
        HostComparison.AssertSame(root, reader);
        Assert.Equal(RichTree.BigDirEntries, reader.ReadDirectory(reader.Resolve(RichTree.BigDir)).Count - 2);
        var sparse = reader.InodeAt(RichTree.Sparse);
        Assert.True(sparse.Blocks512 < 64 * 8, $"sparse file uses {sparse.Blocks512} sectors: its holes were filled");
        var debugfs = await ImageFixture.DebugfsAsync(image, $"stat /{RichTree.HardB}");
        Assert.Contains("Links: 2", debugfs);
    }

    [Theory]
    [InlineData(ImageFormat.Ext4)]
    [InlineData(ImageFormat.Ext2)]
    public async Task A_sparse_file_over_4_GiB_keeps_its_size_and_data(ImageFormat format)
    {
        using var dir = new TempDir("writer-huge");
        var root = dir.CreateDirectory("root");
        long far = 4L * 1024 * 1024 * 1024 + 123 * 4096 + 17;
        using (var file = File.Create(Path.Combine(root, "huge")))
        {
            file.Write("head"u8);
            file.Position = far;
            file.Write("tail"u8);
        }
        var image = dir.Combine("out.img");

        ImageWriter.Write(DirectorySource.Read(root), image, new ImageWriterOptions { Format = format });

        await WriterChecks.AssertCleanAsync(image);
        using var reader = Ext4Reader.Open(image);
        uint ino = reader.Resolve("huge");
        Assert.Equal((ulong)far + 4, reader.ReadInode(ino).Size);
        var tail = new byte[4];
        Assert.Equal(4, reader.Read(ino, far, tail));
        Assert.Equal("tail", Encoding.ASCII.GetString(tail));
        var middle = new byte[8];
        reader.Read(ino, 2L * 1024 * 1024 * 1024, middle);
        Assert.All(middle, b => Assert.Equal(0, b));
        Assert.True(new FileInfo(image).Length < 64L * 1024 * 1024, "the image itself is small");
    }

    [Theory]
    [InlineData(null)]
    [InlineData("gzip")]
    [InlineData("xz")]
    [InlineData("zstd")]
    public async Task A_tarball_round_trips(string? compressor)
    {
        using var dir = new TempDir("writer-tar");
        var root = dir.CreateDirectory("root");
        TarFixtures.MakeTree(root);
        var tarball = await TarFixtures.MakeTarballAsync(root, dir.Combine("t.tar"), compressor);
        var image = dir.Combine("out.img");

        using (var source = new TarSource())
        using (var stream = File.OpenRead(tarball))
        {
            ImageWriter.Write(source.Read(stream), image);
        }

        await WriterChecks.AssertCleanAsync(image);
        using var reader = Ext4Reader.Open(image);
        HostComparison.AssertSame(root, reader, compareCtime: false);
    }

    [Fact]
    public void Contents_larger_than_the_size_asked_for_fail_and_leave_no_file()
    {
        using var dir = new TempDir("writer-full");
        var tree = new FileTree();
        tree.Add("big", TreeNode.File(FileContent.FromBytes(Enumerable.Repeat((byte)1, 12 * 1024 * 1024).ToArray())));
        var image = dir.Combine("out.img");

        var error = Assert.Throws<ImageFormatException>(() =>
            ImageWriter.Write(tree, image, new ImageWriterOptions { SizeBytes = 8 * 1024 * 1024 }));

        Assert.Contains("too small", error.Message);
        Assert.Empty(Directory.GetFileSystemEntries(dir.Path));
    }

    [Fact]
    public async Task A_fixed_size_is_the_image_size()
    {
        using var dir = new TempDir("writer-size");
        var tree = new FileTree();
        tree.Add("f", TreeNode.File(FileContent.FromBytes("x"u8.ToArray())));
        var image = dir.Combine("out.img");

        ImageWriter.Write(tree, image, new ImageWriterOptions { SizeBytes = 300L * 1024 * 1024 });

        Assert.Equal(300L * 1024 * 1024, new FileInfo(image).Length);
        await WriterChecks.AssertCleanAsync(image);
        using var reader = Ext4Reader.Open(image);
        Assert.True(reader.FreeBlocksCount * 4096 > 250L * 1024 * 1024);
    }
}


/// <summary>Checks shared by the writer's tests.</summary>
public static class WriterChecks
{
    /// <summary>e2fsck -fn must exit 0 (nothing wrong); otherwise the test fails with e2fsck's report.</summary>
    public static Task<string> AssertCleanAsync(string image) =>
        HostTool.RunAsync("e2fsck", "e2fsprogs", ["-fn", image]);
}
