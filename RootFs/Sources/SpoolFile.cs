using System;
using System.IO;
using Microsoft.Win32.SafeHandles;
using UserKernel.RootFs.Tree;

namespace UserKernel.RootFs.Sources;

/// <summary>
/// A temporary file that holds the bytes of streamed sources (tar entries) so a tree can refer to
/// them without keeping them in memory. The file is unlinked as soon as it is created, so it
/// vanishes when disposed or when the process dies, whatever happens.
/// </summary>
public sealed class SpoolFile : IDisposable
{
    private readonly SafeFileHandle _handle;
    private long _end;

    public SpoolFile(string? directory = null)
    {
        var path = Path.Combine(directory ?? Path.GetTempPath(), $".userkernel-spool-{Guid.NewGuid():N}");
        _handle = File.OpenHandle(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, FileOptions.DeleteOnClose);
        File.Delete(path);
    }

    /// <summary>Bytes spooled so far.</summary>
    public long Length => _end;

    /// <summary>Copies <paramref name="length"/> bytes of <paramref name="data"/> to the end of the spool and returns them as content.</summary>
    public FileContent Append(Stream data, long length)
    {
        long start = _end;
        var buffer = new byte[(int)Math.Min(1 << 20, Math.Max(length, 1))];
        long left = length;
        while (left > 0)
        {
            int n = data.Read(buffer, 0, (int)Math.Min(buffer.Length, left));
            if (n == 0)
            {
                throw new EndOfStreamException($"the source ended {left} bytes before the end of a {length}-byte file");
            }
            RandomAccess.Write(_handle, buffer.AsSpan(0, n), _end);
            _end += n;
            left -= n;
        }
        return new SliceContent(_handle, start, length);
    }

    public void Dispose() => _handle.Dispose();

    /// <summary>A run of the spool file.</summary>
    private sealed class SliceContent(SafeFileHandle handle, long start, long length) : FileContent
    {
        public override long Length => length;

        public override Stream Open() => PositionalReadStream.Slice(handle, start, length);
    }
}
