using System;
using System.IO;
using Microsoft.Win32.SafeHandles;

namespace UserKernel.RootFs.Sources;

/// <summary>Reads up to a buffer's length at an offset, as pread does; returns how many bytes it read.</summary>
public delegate int PositionalRead(long offset, Span<byte> buffer);

/// <summary>
/// A read-only, seekable stream of <c>length</c> bytes that keeps only its own position and reads
/// through a pread-like function (a slice of an open file, an image's inode, a kernel inode). Many
/// such streams over one source can be read at once, since none moves a shared position.
/// Reads stop at <c>length</c>, even if the source has grown since, so a length told in advance
/// (a tar header's size) stays true.
/// </summary>
public sealed class PositionalReadStream(long length, PositionalRead readAt) : Stream
{
    private long _position;

    /// <summary>Bytes [start, start+length) of an open file, read with pread (RandomAccess).</summary>
    public static PositionalReadStream Slice(SafeFileHandle file, long start, long length) =>
        new(length, (offset, buffer) => RandomAccess.Read(file, buffer, start + offset));

    public override bool CanRead => true;
    public override bool CanSeek => true;
    public override bool CanWrite => false;
    public override long Length => length;

    public override long Position
    {
        get => _position;
        set => _position = Math.Clamp(value, 0, length);
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        int want = (int)Math.Min(buffer.Length, length - _position);
        if (want <= 0)
        {
            return 0;
        }
        int n = readAt(_position, buffer[..want]);
        _position += n;
        return n;
    }

    public override long Seek(long offset, SeekOrigin origin) => Position = origin switch
    {
        SeekOrigin.Begin => offset,
        SeekOrigin.Current => _position + offset,
        _ => length + offset,
    };

    public override void Flush() { }
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
