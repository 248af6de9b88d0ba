using System;
using System.Formats.Tar;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Text;
using UserKernel.RootFs.Image;
using UserKernel.RootFs.Oci;
using UserKernel.RootFs.Sources;
using UserKernel.TestSupport;
using Xunit;

namespace UserKernel.RootFs.Tests.Oci;

/// <summary>
/// A container image whose layer blob is damaged but matches its digest (and its diff_id: the image was made
/// from the damaged blob) is refused by the tar checks, with one line naming the image and the layer; so is an
/// image archive (OCI archive, docker save) whose own tar headers are damaged.
/// </summary>
public sealed class CorruptLayerImportTests : IDisposable
{
    private readonly TempDir _dir = new("corrupt-import");

    public void Dispose() => _dir.Dispose();

    /// <summary>A good layer: two files, the first ending inside a block.</summary>
    private static byte[] LayerTar()
    {
        var output = new MemoryStream();
        using (var writer = new TarWriter(output, TarEntryFormat.Pax, leaveOpen: true))
        {
            writer.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, "etc/a") { DataStream = new MemoryStream(Enumerable.Repeat((byte)'a', 1000).ToArray()) });
            writer.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, "etc/b") { DataStream = new MemoryStream("b"u8.ToArray()) });
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

    public static TheoryData<string, bool, string> Damages() => new()
    {
        { "bad header checksum", false, "corrupt tar archive: the header at offset 0 has a bad checksum" },
        { "bad header checksum", true, "corrupt tar archive: the header at offset 0 has a bad checksum" },
        { "empty checksum", false, "corrupt tar archive: the header at offset 0 has no checksum" },
        { "zero block then garbage", false, "corrupt tar archive: the zero block at offset 0 is not followed by a second one" },
        { "zero-length blob", false, "corrupt tar archive: the archive is empty (0 bytes)" },
        { "truncated", false, "corrupt tar archive: truncated" },
        { "damaged gzip stream", true, "corrupt gzip data: " },
        { "truncated gzip stream", true, "corrupt gzip data: the stream is cut short" },
    };

    private static (byte[] Blob, string MediaType) Blob(string damage, bool gzip)
    {
        byte[] tar = LayerTar();
        switch (damage)
        {
            case "bad header checksum":
                tar[1] ^= 1;
                break;
            case "empty checksum":
                tar.AsSpan(148, 8).Clear();
                break;
            case "zero block then garbage":
                tar.AsSpan(0, 512).Clear();
                break;
            case "zero-length blob":
                tar = [];
                break;
            case "truncated":
                tar = tar[..1800];
                break;
        }
        byte[] blob = gzip ? Gzip(tar) : tar;
        if (damage == "damaged gzip stream")
            for (int i = blob.Length / 2; i < blob.Length / 2 + 6; i++)
                blob[i] ^= 0xA5;
        if (damage == "truncated gzip stream")
            blob = blob[..^6];
        return (blob, gzip ? "application/vnd.oci.image.layer.v1.tar+gzip" : "application/vnd.oci.image.layer.v1.tar");
    }

    [Theory]
    [MemberData(nameof(Damages))]
    public void A_damaged_layer_in_an_oci_layout_is_one_error_naming_the_layer(string damage, bool gzip, string expected)
    {
        // Arrange
        var (blob, mediaType) = Blob(damage, gzip);
        string layout = _dir.CreateDirectory("layout");
        RawLayerImages.WriteLayout(layout, blob, mediaType);
        string digest = RawLayerImages.Sha256(blob);

        // Act
        using var image = ContainerImage.Open(layout);
        using var source = new TarSource();
        var error = Assert.Throws<ImageFormatException>(() => ContainerImageImporter.Import(image, source));

        // Assert
        Assert.StartsWith($"{layout}: layer 1 (blobs/sha256/{digest}): {expected}", error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Theory]
    [MemberData(nameof(Damages))]
    public void A_damaged_layer_in_a_docker_save_is_one_error_naming_the_layer(string damage, bool gzip, string expected)
    {
        // Arrange
        var (blob, _) = Blob(damage, gzip);
        string archive = _dir.Combine("saved.tar");
        RawLayerImages.WriteDockerSave(archive, blob);

        // Act
        using var image = ContainerImage.Open(archive);
        using var source = new TarSource();
        var error = Assert.Throws<ImageFormatException>(() => ContainerImageImporter.Import(image, source));

        // Assert
        Assert.StartsWith($"{archive}: layer 1 (blobs/sha256/{RawLayerImages.Sha256(blob)}): {expected}", error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public void A_good_layer_through_the_same_writers_imports()
    {
        string archive = _dir.Combine("good.tar");
        byte[] tar = LayerTar();
        RawLayerImages.WriteDockerSave(archive, Gzip(tar), RawLayerImages.Sha256(tar));

        using var image = ContainerImage.Open(archive);
        using var source = new TarSource();
        var tree = ContainerImageImporter.Import(image, source);

        Assert.Equal(1000, tree.Lookup("etc/a")!.Content!.Length);
    }

    /// <summary>The image archive itself: a header of it damaged, or zeroed, is refused when it is opened.</summary>
    [Theory]
    [InlineData("bad checksum of the first header", "the header at offset 0 has a bad checksum")]
    [InlineData("bad checksum of a later header", "has a bad checksum")]
    [InlineData("first header zeroed", "the zero block at offset 0 is not followed by a second one")]
    [InlineData("data after the end", "after the end of the archive")]
    [InlineData("cut at a header", "truncated")]
    public void A_damaged_image_archive_is_one_error_naming_it(string damage, string expected)
    {
        // Arrange
        string good = _dir.Combine("good.tar");
        RawLayerImages.WriteDockerSave(good, LayerTar());
        byte[] archive = File.ReadAllBytes(good);
        int lastHeader = HeaderOffsets(archive).Last();
        switch (damage)
        {
            case "bad checksum of the first header": archive[3] ^= 1; break;
            case "bad checksum of a later header": archive[lastHeader + 3] ^= 1; break;
            case "first header zeroed": archive.AsSpan(0, 512).Clear(); break;
            case "data after the end": archive = archive[..lastHeader].Concat(new byte[1024]).Concat(archive[lastHeader..]).ToArray(); break;
            case "cut at a header": archive = archive[..lastHeader]; break;
        }
        string path = _dir.Combine("damaged.tar");
        File.WriteAllBytes(path, archive);

        // Act
        var error = Assert.Throws<ImageFormatException>(() => ContainerImage.Open(path).Dispose());

        // Assert
        Assert.StartsWith($"{path}: corrupt tar archive: ", error.Message);
        Assert.Contains(expected, error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }

    /// <summary>Where the headers of a plain ustar archive of regular files lie.</summary>
    private static int[] HeaderOffsets(byte[] archive)
    {
        var offsets = new System.Collections.Generic.List<int>();
        int at = 0;
        while (at + 512 <= archive.Length && archive.AsSpan(at, 512).ContainsAnyExcept((byte)0))
        {
            offsets.Add(at);
            long size = Convert.ToInt64(Encoding.ASCII.GetString(archive, at + 124, 11).Trim('\0', ' '), 8);
            at += 512 + (int)((size + 511) / 512 * 512);
        }
        return offsets.ToArray();
    }
}
