using System;
using System.IO;
using UserKernel.RootFs.Image;
using UserKernel.RootFs.Images;
using UserKernel.RootFs.Oci;
using UserKernel.RootFs.Sources;
using UserKernel.RootFs.Tests.Layers;
using UserKernel.RootFs.Tree;
using UserKernel.TestSupport;
using Xunit;

namespace UserKernel.RootFs.Tests.Oci;

/// <summary>Container images made by the tests flatten to exactly the expected tree, from every form they come in.</summary>
public sealed class ContainerImageTests : IDisposable
{
    private readonly TempDir _dir = new("oci");

    public void Dispose() => _dir.Dispose();

    private static FileTree Import(string source, Platform? platform = null)
    {
        using var image = ContainerImage.Open(source, platform);
        // The spool outlives the test's reads only while the source is open: read everything here.
        using var tar = new TarSource();
        var tree = ContainerImageImporter.Import(image, tar);
        var listing = TreeListing.Of(tree);
        Assert.Equal(TreeListing.Lines(TestImage.Expected), listing);
        return tree;
    }

    [Fact]
    public void An_oci_layout_flattens_to_the_expected_tree_with_its_config()
    {
        string layout = _dir.CreateDirectory("layout");
        TestImage.Build().WriteLayout(layout);

        var tree = Import(layout);

        Assert.Same(tree.Lookup("bin/busybox"), tree.Lookup("bin/sh"));
        var config = ImageConfig.Read(tree.Root);
        Assert.NotNull(config);
        Assert.Equal(["PATH=/usr/bin:/bin", "GREETING=hello from the config"], config.Env);
        Assert.Equal("/app", config.WorkingDir);
        Assert.Equal(["/bin/sh", "-c", "echo $GREETING"], config.Cmd);
        Assert.Null(config.Entrypoint);
        Assert.Null(config.User);
    }

    [Fact]
    public void The_same_layout_packed_as_a_tar_archive_flattens_the_same()
    {
        string layout = _dir.CreateDirectory("layout");
        TestImage.Build().WriteLayout(layout);
        string archive = _dir.Combine("layout.tar");
        OciImageBuilder.PackDirectory(layout, archive);

        Import(archive);
    }

    [Fact]
    public void A_docker_save_tarball_flattens_the_same()
    {
        string archive = _dir.Combine("saved.tar");
        TestImage.Build().WriteDockerSave(archive);

        var tree = Import(archive);

        Assert.Equal("/app", ImageConfig.Read(tree.Root)!.WorkingDir);
    }

    [Fact]
    public void A_nested_index_is_searched_and_platform_picks_among_its_manifests()
    {
        string layout = _dir.CreateDirectory("layout");
        TestImage.Build().WriteLayout(layout, ["linux/arm64", "linux/amd64"], nested: true);

        using var arm = ContainerImage.Open(layout, Platform.TryParse("linux/arm64"));
        using var amd = ContainerImage.Open(layout);

        Assert.Equal("linux/arm64", arm.Platform.ToString());
        Assert.Equal("linux/amd64", amd.Platform.ToString());
        Assert.Contains("\"arm64\"", System.Text.Encoding.UTF8.GetString(arm.ConfigJson));
    }

    [Fact]
    public void Manifests_of_other_platforms_are_never_read()
    {
        // As `crane pull --platform` or a partial copy leaves it: the index names a manifest whose blob is absent.
        string layout = _dir.CreateDirectory("layout");
        TestImage.Build().WriteLayout(layout, ["linux/arm64", "linux/amd64"]);
        var index = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(layout, "index.json")))!;
        string arm = index["manifests"]![0]!["digest"]!.GetValue<string>()["sha256:".Length..];
        File.Delete(Path.Combine(layout, "blobs", "sha256", arm));

        Import(layout);
    }

    [Fact]
    public void A_missing_platform_is_an_error_naming_the_platforms_present()
    {
        string layout = _dir.CreateDirectory("layout");
        TestImage.Build().WriteLayout(layout, ["linux/arm64", "linux/arm/v7"]);

        var error = Assert.Throws<ImageFormatException>(() => ContainerImage.Open(layout));
        var s390 = Assert.Throws<ImageFormatException>(() => ContainerImage.Open(layout, Platform.TryParse("linux/s390x")));

        Assert.Contains("no image for linux/amd64", error.Message);
        Assert.Contains("it has linux/arm/v7, linux/arm64", error.Message);
        Assert.Contains("no image for linux/s390x", s390.Message);
    }

    [Fact]
    public void A_docker_save_of_another_platform_is_an_error()
    {
        string archive = _dir.Combine("saved.tar");
        TestImage.Build().WriteDockerSave(archive);

        var error = Assert.Throws<ImageFormatException>(() => ContainerImage.Open(archive, Platform.TryParse("linux/arm64")));

        Assert.Contains("no image for linux/arm64", error.Message);
        Assert.Contains("it has linux/amd64", error.Message);
    }

    [Theory]
    [InlineData(2)] // plain: the tar still reads, only the digest tells
    [InlineData(0)] // gzip: the damage breaks decompression first, the digest is still what is reported
    [InlineData(1)] // zstd: likewise, through the zstd decoder's own exception
    public void A_layer_whose_bytes_do_not_match_its_digest_is_refused(int layer)
    {
        string layout = _dir.CreateDirectory("layout");
        var builder = TestImage.Build();
        builder.WriteLayout(layout);
        string blob = Path.Combine(layout, "blobs", "sha256", OciImageBuilder.Sha256(builder.Layers[layer].Blob()));
        byte[] bytes = File.ReadAllBytes(blob);
        int at = layer == 2 ? System.Text.Encoding.ASCII.GetString(bytes).IndexOf("v3", StringComparison.Ordinal) : bytes.Length - 5;
        bytes[at] ^= 0x01;
        File.WriteAllBytes(blob, bytes);

        using var image = ContainerImage.Open(layout);
        using var tar = new TarSource();
        var error = Assert.Throws<ImageFormatException>(() => ContainerImageImporter.Import(image, tar));

        Assert.Contains($"layer {layer + 1}", error.Message);
        Assert.Contains("digest mismatch", error.Message);
    }

    [Fact]
    public void A_damaged_manifest_is_refused_by_its_digest()
    {
        string layout = _dir.CreateDirectory("layout");
        TestImage.Build().WriteLayout(layout);
        string index = File.ReadAllText(Path.Combine(layout, "index.json"));
        string manifest = index.Split("sha256:")[1][..64];
        string path = Path.Combine(layout, "blobs", "sha256", manifest);
        File.WriteAllText(path, File.ReadAllText(path).Replace("\"schemaVersion\":2", "\"schemaVersion\":3", StringComparison.Ordinal));

        var error = Assert.Throws<ImageFormatException>(() => ContainerImage.Open(layout));

        Assert.Contains("digest mismatch", error.Message);
    }

    [Fact]
    public void A_source_that_is_no_image_is_an_error()
    {
        string empty = _dir.CreateDirectory("empty");

        var error = Assert.Throws<ImageFormatException>(() => ContainerImage.Open(empty));

        Assert.Contains("neither an OCI image layout", error.Message);
        Assert.Throws<ImageFormatException>(() => ContainerImage.Open(_dir.Combine("missing")));
    }
}
