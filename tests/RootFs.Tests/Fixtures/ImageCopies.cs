using System;
using System.Buffers.Binary;
using System.IO;
using UserKernel.TestSupport;

namespace UserKernel.RootFs.Tests.Fixtures;

/// <summary>Scratch copies of images for tests that damage them on purpose.</summary>
public sealed class ImageCopies : IDisposable
{
    private readonly TempDir _dir = new("damaged-images");
    private int _count;

    public string Copy(string image)
    {
        var copy = _dir.Combine($"{_count++}-{Path.GetFileName(image)}");
        File.Copy(image, copy);
        return copy;
    }

    public string NewFile(string name, ReadOnlySpan<byte> contents)
    {
        var path = _dir.Combine(name);
        File.WriteAllBytes(path, contents.ToArray());
        return path;
    }

    public string Combine(string name) => _dir.Combine(name);

    public static void Patch(string path, long offset, ReadOnlySpan<byte> bytes)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Write);
        stream.Position = offset;
        stream.Write(bytes);
    }

    public static void PatchUInt16(string path, long offset, ushort value)
    {
        Span<byte> bytes = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16LittleEndian(bytes, value);
        Patch(path, offset, bytes);
    }

    public static void PatchUInt32(string path, long offset, uint value)
    {
        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(bytes, value);
        Patch(path, offset, bytes);
    }

    public static uint ReadUInt32(string path, long offset)
    {
        using var stream = File.OpenRead(path);
        Span<byte> bytes = stackalloc byte[4];
        stream.Position = offset;
        stream.ReadExactly(bytes);
        return BinaryPrimitives.ReadUInt32LittleEndian(bytes);
    }

    public void Dispose() => _dir.Dispose();
}
