using System;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using UserKernel.RootFs.Ext4;
using UserKernel.RootFs.Images;
using UserKernel.RootFs.Layers;
using UserKernel.RootFs.Oci;
using UserKernel.RootFs.Sources;
using UserKernel.RootFs.Tests.Fixtures;
using UserKernel.RootFs.Tests.Layers;
using UserKernel.RootFs.Writer;
using UserKernel.TestSupport;
using Xunit;
using static UserKernel.TestSupport.OciImageBuilder;

namespace UserKernel.RootFs.Tests.Oci;

/// <summary>
/// Imported and committed images written by the image writer read back, through the ext4
/// reader, as exactly the expected tree; ImageSource reads an image back into the same tree.
/// </summary>
public sealed class ImportedImageTests : IDisposable
{
    private readonly TempDir _dir = new("oci-image");

    public void Dispose() => _dir.Dispose();

    private string ImportToImage(string name)
    {
        string layout = _dir.CreateDirectory("layout-" + name);
        TestImage.Build().WriteLayout(layout);
        string output = _dir.Combine(name + ".img");
        using var image = ContainerImage.Open(layout);
        using var tar = new TarSource();
        ImageWriter.Write(ContainerImageImporter.Import(image, tar), output);
        return output;
    }

    [Fact]
    public async Task An_imported_image_reads_back_as_exactly_the_expected_tree_with_its_config()
    {
        string output = ImportToImage("imported");
        await HostTool.RunAsync("e2fsck", "e2fsprogs", ["-fn", output]);

        using var reader = Ext4Reader.Open(output);
        Assert.Equal(TreeListing.Lines(TestImage.Expected), ImageListing.Of(reader));
        Assert.Equal(reader.Resolve("/bin/busybox"), reader.Resolve("/bin/sh"));
        var stored = reader.ReadXattrs(Ext4Reader.RootInode).Single(x => x.Name == ImageConfig.XattrName);
        var config = ImageConfig.Parse(stored.Value);
        Assert.Equal("/app", config.WorkingDir);
        Assert.Equal(["/bin/sh", "-c", "echo $GREETING"], config.Cmd);
    }

    [Fact]
    public void ImageSource_reads_an_image_back_into_the_tree_it_was_written_from()
    {
        string output = ImportToImage("source");

        using var reader = Ext4Reader.Open(output);
        var tree = ImageSource.Read(reader);
        tree.Remove("lost+found");

        Assert.Equal(TreeListing.Lines(TestImage.Expected), TreeListing.Of(tree));
        Assert.Same(tree.Lookup("bin/busybox"), tree.Lookup("bin/sh"));
        Assert.Equal("/app", ImageConfig.Read(tree.Root)!.WorkingDir);
        Assert.Equal(new TreeNodeTimes(2024, 1, 2), TreeNodeTimes.Of(tree.Lookup("etc/app.conf")!));
    }

    [Fact]
    public async Task A_commit_of_base_and_layers_is_the_base_with_the_layers_applied()
    {
        string base_ = ImportToImage("base");
        var layer1 = new Layer(Compression.Gzip)
            .Dir("app").Whiteout("app/.wh.run.sh").File("app/new", "new")
            .Dir("usr/share").Whiteout("usr/share/.wh.doc");
        var layer2 = new Layer(Compression.None)
            .File("etc/os-release", "v4").HardLink("etc/os-link", "etc/os-release").Whiteout("app/.wh..wh..opq").File("app/kept", "k");
        string committed = _dir.Combine("committed.img");

        using (var reader = Ext4Reader.Open(base_))
        {
            var tree = ImageSource.Read(reader);
            using var tar = new TarSource();
            foreach (var layer in new[] { layer1, layer2 })
                LayerApplier.ApplyTar(tree, new MemoryStream(layer.Blob()), tar);
            ImageWriter.Write(tree, committed);
        }

        await HostTool.RunAsync("e2fsck", "e2fsprogs", ["-fn", committed]);
        using var result = Ext4Reader.Open(committed);
        var expected = TestImage.Expected
            .Where(l => !l.StartsWith("/app/", StringComparison.Ordinal) && !l.StartsWith("/usr/share/doc", StringComparison.Ordinal))
            .Select(l => l.Replace("/app 0700 1000:1000", "/app 0755 0:0", StringComparison.Ordinal)
                .Replace("/etc/os-release 0644 0:0 file 'v3'", "/etc/os-release 0644 0:0 file 'v4'", StringComparison.Ordinal))
            .Append("/app/kept 0644 0:0 file 'k'")
            .Append("/etc/os-link 0644 0:0 file 'v4'")
            .ToArray();
        Assert.Equal(TreeListing.Lines(expected), ImageListing.Of(result));
        Assert.Equal(result.Resolve("/etc/os-release"), result.Resolve("/etc/os-link"));
        Assert.Equal(result.Resolve("/bin/busybox"), result.Resolve("/bin/sh"));
    }

    [Theory]
    [InlineData(Compression.Gzip)]
    [InlineData(Compression.Zstd)]
    public void A_damaged_compressed_layer_tar_is_an_image_format_error(Compression compression)
    {
        byte[] blob = new Layer(compression).File("a", new string('x', 5000)).File("b", "b").Blob();
        blob[^5] ^= 0xFF;

        using var tar = new TarSource();
        var error = Assert.Throws<RootFs.Image.ImageFormatException>(() => LayerApplier.ApplyTar(new RootFs.Tree.FileTree(), new MemoryStream(blob), tar));

        Assert.Contains("corrupt", error.Message);
    }

    /// <summary>The date part of a node's mtime, to see that times survive the round trip.</summary>
    private readonly record struct TreeNodeTimes(int Year, int Month, int Day)
    {
        public static TreeNodeTimes Of(RootFs.Tree.TreeNode node)
        {
            var when = node.Mtime.ToDateTimeOffset();
            return new TreeNodeTimes(when.Year, when.Month, when.Day);
        }
    }
}
