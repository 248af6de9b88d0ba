using System;
using System.IO;
using UserKernel.Kernel.Abi;
using UserKernel.Kernel.Vfs;

namespace UserKernel.Kernel.Filesystems.Layer;

/// <summary>A regular file's bytes as a read-only stream, read through the inode (an image file or a memfd).</summary>
internal sealed class InodeStream : Stream
{
    private readonly Inode inode;
    private readonly long length;
    private long position;

    public InodeStream(Inode inode)
    {
        this.inode = inode;
        length = inode.Size;
    }

    public override bool CanRead => true;
    public override bool CanSeek => true;
    public override bool CanWrite => false;
    public override long Length => length;

    public override long Position
    {
        get => position;
        set => position = value is >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(value));
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    /// <summary>Reads up to the length the file had when the stream was made, so a tar header's size stays true.</summary>
    public override int Read(Span<byte> buffer)
    {
        if (position >= length) return 0;
        Span<byte> wanted = buffer[..(int)Math.Min(buffer.Length, length - position)];
        if (!inode.Read(position, wanted).TryGet(out int n, out Errno e)) throw new IOException($"reading a file of the upper layer: {ErrnoNames.Message(e)}");
        if (n == 0) throw new IOException("a file of the upper layer shrank while it was being saved");
        position += n;
        return n;
    }

    public override long Seek(long offset, SeekOrigin origin) => Position = origin switch
    {
        SeekOrigin.Begin => offset,
        SeekOrigin.Current => position + offset,
        _ => length + offset,
    };

    public override void Flush() { }
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
