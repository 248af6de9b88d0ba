using System;
using System.IO;

namespace UserKernel.RootFs.Sources;

/// <summary>
/// Passes reads through and, while recording, keeps a copy of the bytes read. TarSource records
/// the header blocks of each entry to recover pax records byte for byte, which
/// System.Formats.Tar hands out only as strings (binary xattr values would be lost), and to check
/// the header blocks the reader takes on trust (<see cref="TarBlocks"/>).
/// </summary>
internal sealed class RecordingStream(Stream inner) : Stream
{
    private MemoryStream? _recorded;
    private long _position;

    public void StartRecording() => _recorded = new MemoryStream();

    public byte[] StopRecording()
    {
        var bytes = _recorded?.ToArray() ?? [];
        _recorded = null;
        return bytes;
    }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    /// <summary>Bytes read so far: the offset in the archive of the next byte.</summary>
    public override long Position { get => _position; set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        int n = inner.Read(buffer);
        _recorded?.Write(buffer[..n]);
        _position += n;
        return n;
    }

    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
