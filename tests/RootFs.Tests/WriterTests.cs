using System;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading.Tasks;
using UserKernel.RootFs.Ext4;
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
}

/// <summary>Checks shared by the writer's tests.</summary>
public static class WriterChecks
{
    /// <summary>e2fsck -fn must exit 0 (nothing wrong); otherwise the test fails with e2fsck's report.</summary>
    public static Task<string> AssertCleanAsync(string image) =>
        HostTool.RunAsync("e2fsck", "e2fsprogs", ["-fn", image]);
}
