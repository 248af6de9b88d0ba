using System;
using System.IO;
using System.IO.Compression;
using SharpCompress.Compressors.Xz;
using ZstdSharp;

namespace UserKernel.RootFs.Sources;

/// <summary>
/// Recognises a compressed stream by its magic bytes, as tar -a and file(1) do, and wraps it in
/// the matching decompressor: gzip, xz or zstd; anything else passes through unchanged.
/// </summary>
public static class Decompression
{
    private static ReadOnlySpan<byte> Gzip => [0x1F, 0x8B];
    private static ReadOnlySpan<byte> Xz => [0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00];
    private static ReadOnlySpan<byte> Zstd => [0x28, 0xB5, 0x2F, 0xFD];

    /// <summary>The compression <paramref name="stream"/> starts with: "gzip", "xz", "zstd" or null.</summary>
    public static string? Detect(ReadOnlySpan<byte> head) =>
        head.StartsWith(Gzip) ? "gzip"
        : head.StartsWith(Xz) ? "xz"
        : head.StartsWith(Zstd) ? "zstd"
        : null;

    /// <summary>
    /// A stream of <paramref name="stream"/>'s decompressed bytes. The magic is peeked without
    /// seeking, so pipes work. Disposing the returned stream disposes <paramref name="stream"/>
    /// unless <paramref name="leaveOpen"/>.
    /// </summary>
    public static Stream Open(Stream stream, bool leaveOpen = false)
    {
        var head = new byte[6];
        int n = 0;
        while (n < head.Length)
        {
            int read = stream.Read(head, n, head.Length - n);
            if (read == 0)
            {
                break;
            }
            n += read;
        }
        Stream whole = new PrefixedStream(head.AsMemory(0, n), stream, leaveOpen);
        return Detect(head.AsSpan(0, n)) switch
        {
            "gzip" => new GZipStream(whole, CompressionMode.Decompress),
            "xz" => new XZStream(whole),
            "zstd" => new DecompressionStream(whole),
            _ => whole,
        };
    }
}
