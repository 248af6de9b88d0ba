using System;
using System.IO;
using UserKernel.RootFs.Image;
using UserKernel.TestSupport;
using Xunit;

namespace UserKernel.RootFs.Tests;

public sealed class MappedImageTests : IDisposable
{
    private readonly TempDir _dir = new("mapped-image");

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Slices_show_the_file_bytes()
    {
        var path = _dir.Combine("bytes.img");
        File.WriteAllBytes(path, [1, 2, 3, 4, 5, 6, 7, 8]);
        using var image = MappedImage.Open(path);

        Assert.Equal(8, image.Length);
        Assert.Equal(new byte[] { 3, 4, 5 }, image.Slice(2, 3).ToArray());
        Assert.Equal(0, image.Slice(8, 0).Length);
        Assert.Equal(8, image.Slice(0, 8).Length);
    }

    [Fact]
    public void A_fifo_or_a_character_device_is_refused_without_being_opened()
    {
        // Arrange: opening a FIFO that has no writer would block, and /dev/zero would never end.
        string fifo = _dir.Combine("pipe.img");
        Assert.Equal(0, Mono.Unix.Native.Syscall.mkfifo(fifo, Mono.Unix.Native.FilePermissions.S_IRUSR | Mono.Unix.Native.FilePermissions.S_IWUSR));

        // Act
        var fromFifo = Assert.Throws<ImageFormatException>(() => MappedImage.Open(fifo));
        var fromDevice = Assert.Throws<ImageFormatException>(() => MappedImage.Open("/dev/zero"));

        // Assert
        Assert.Equal($"image is not a regular file or a block device: {fifo}", fromFifo.Message);
        Assert.Equal("image is not a regular file or a block device: /dev/zero", fromDevice.Message);
    }

    [Theory]
    [InlineData(5, 4)]
    [InlineData(9, 0)]
    [InlineData(-1, 1)]
    [InlineData(long.MaxValue, 8)]
    [InlineData(0, -1)]
    public void A_slice_outside_the_image_names_the_offset(long offset, int length)
    {
        var path = _dir.Combine("small.img");
        File.WriteAllBytes(path, new byte[8]);
        using var image = MappedImage.Open(path);

        var error = Assert.Throws<ImageFormatException>(() => image.Slice(offset, length).Length);

        Assert.Equal($"image is truncated: {length} bytes at offset {offset} lie beyond its end (8 bytes)", error.Message);
    }

    [Fact]
    public void Others_may_read_the_image_while_it_is_mapped()
    {
        var path = _dir.Combine("shared.img");
        File.WriteAllBytes(path, new byte[4096]);
        using var image = MappedImage.Open(path);

        using (var reader = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite))
        {
            Assert.Equal(4096, reader.Length);
        }
        Assert.Equal(4096, image.Length);
    }

    [Fact]
    public void A_disposed_image_refuses_slices()
    {
        var path = _dir.Combine("gone.img");
        File.WriteAllBytes(path, new byte[16]);
        var image = MappedImage.Open(path);
        image.Dispose();

        Assert.Throws<ObjectDisposedException>(() => image.Slice(0, 1).Length);
    }

    [Theory]
    [InlineData(700, "700 bytes")]
    [InlineData(1536, "1.5 KiB")]
    [InlineData(8L * 1024 * 1024, "8 MiB")]
    [InlineData(3L * 1024 * 1024 * 1024 * 1024, "3 TiB")]
    public void Sizes_print_in_binary_units(long bytes, string text) =>
        Assert.Equal(text, ImageFormatException.FormatSize(bytes));
}
