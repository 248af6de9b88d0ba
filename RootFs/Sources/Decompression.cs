using System;
using System.IO;
using System.IO.Compression;
using SharpCompress.Compressors.Xz;
using UserKernel.RootFs.Image;
using ZstdSharp;

namespace UserKernel.RootFs.Sources;

/// <summary>
/// Recognises a compressed stream by its magic bytes, as tar -a and file(1) do, and wraps it in
/// the matching decompressor: gzip, xz or zstd; anything else passes through unchanged. A damaged
/// compressed stream is an <see cref="ImageFormatException"/> naming the compression, whichever
/// exception its decoder throws.
/// </summary>
public static class Decompression
{
    private static ReadOnlySpan<byte> Gzip => [0x1F, 0x8B];
    private static ReadOnlySpan<byte> Xz => [0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00];
    private static ReadOnlySpan<byte> Zstd => [0x28, 0xB5, 0x2F, 0xFD];

    static Decompression()
    {
        // Without it, a gzip stream cut short (its CRC and length trailer gone, or more) reads as a shorter stream
        // and not as an error. Read once per process by DeflateStream, before its first use.
        AppContext.SetSwitch("System.IO.Compression.UseStrictValidation", true);
    }

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
        string? kind = Detect(head.AsSpan(0, n));
        return kind switch
        {
            "gzip" => new Checked(new GZipStream(whole, CompressionMode.Decompress), kind),
            "xz" => new Checked(new XZStream(whole), kind),
            "zstd" => new Checked(new DecompressionStream(whole), kind),
            _ => whole,
        };
    }

    /// <summary>
    /// When <paramref name="stream"/> is a decompressor made here, reads it to its end, so that damage its decoder
    /// finds later (a bad block, gzip's CRC, xz's and zstd's checks) is reported instead of what the damage made of
    /// the data first (a tar header with a bad checksum): throws that <see cref="ImageFormatException"/>. Any other
    /// failure while reading on is left alone; so is any other stream.
    /// </summary>
    public static void ThrowIfDamaged(Stream stream)
    {
        if (stream is not Checked)
            return;
        try
        {
            stream.CopyTo(Stream.Null);
        }
        catch (Exception e) when (e is not ImageFormatException)
        {
        }
    }

    /// <summary>A decompressor whose errors for damaged data are <see cref="ImageFormatException"/>s.</summary>
    private sealed class Checked(Stream decompressor, string kind) : Stream
    {
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            try
            {
                return decompressor.Read(buffer);
            }
            catch (Exception e) when (e is InvalidDataException or EndOfStreamException or FormatException
                or ArgumentException or IndexOutOfRangeException or OverflowException or InvalidOperationException
                or ZstdException or SharpCompress.Common.SharpCompressException
                && e is not ObjectDisposedException)
            {
                // GZipStream calls every kind of damage "an unsupported compression method".
                string what = kind == "gzip" && e is InvalidDataException
                    ? e.Message.Contains("truncated", StringComparison.OrdinalIgnoreCase) ? "the stream is cut short"
                        : "its deflate data, a header or a CRC is damaged"
                    : e.Message;
                throw new ImageFormatException($"corrupt {kind} data: {what}", e);
            }
        }

        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
                decompressor.Dispose();
            base.Dispose(disposing);
        }
    }
}
