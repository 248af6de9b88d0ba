using System;
using System.IO;
using System.Security.Cryptography;
using UserKernel.RootFs.Image;

namespace UserKernel.RootFs.Oci;

/// <summary>
/// Reads a blob while hashing it; <see cref="Verify"/> reads what is left and compares the digest
/// (and the size, when known) with what the manifest promised. A layer is applied while it
/// streams, so a mismatch is found at its end and the whole import fails before any image is written.
/// </summary>
public sealed class VerifyingStream : Stream
{
    private readonly Stream _inner;
    private readonly Digest _expected;
    private readonly long? _expectedSize;
    private readonly string _what;
    private readonly IncrementalHash _hash;
    private long _read;

    /// <param name="what">Names the blob in errors: "layer 2 of alpine.tar (blobs/sha256/ab...)".</param>
    public VerifyingStream(Stream inner, Digest expected, long? expectedSize, string what)
    {
        _inner = inner;
        _expected = expected;
        _expectedSize = expectedSize;
        _what = what;
        _hash = expected.NewHash();
    }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => _read; set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        int n = _inner.Read(buffer);
        _hash.AppendData(buffer[..n]);
        _read += n;
        return n;
    }

    /// <summary>Reads to the end and throws <see cref="ImageFormatException"/> unless size and digest match.</summary>
    public void Verify()
    {
        CopyTo(Null);
        if (_expectedSize is long size && size != _read)
            throw new ImageFormatException($"{_what}: {_read} bytes, but the manifest says {size}");
        string actual = Convert.ToHexStringLower(_hash.GetHashAndReset());
        if (actual != _expected.Hex)
            throw new ImageFormatException($"{_what}: digest mismatch: the content is {_expected.Algorithm}:{actual}, not {_expected}");
    }

    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _inner.Dispose();
            _hash.Dispose();
        }
        base.Dispose(disposing);
    }
}
