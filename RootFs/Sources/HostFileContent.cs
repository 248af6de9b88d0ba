using System.Collections.Generic;
using System.IO;
using Tmds.Linux;
using UserKernel.RootFs.Tree;

namespace UserKernel.RootFs.Sources;

/// <summary>
/// The bytes of a host file, read only when the image is written. Its data ranges come from
/// lseek(SEEK_DATA/SEEK_HOLE), so a sparse file's holes stay holes.
/// </summary>
public sealed class HostFileContent : FileContent
{
    private const int SEEK_DATA = 3;
    private const int SEEK_HOLE = 4;

    private readonly string _path;

    /// <param name="path">The host file.</param>
    /// <param name="length">Its size when the tree was made; the image gets exactly this many bytes.</param>
    public HostFileContent(string path, long length)
    {
        _path = path;
        Length = length;
    }

    public override long Length { get; }

    public override Stream Open() => new FileStream(_path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 16);

    public override IEnumerable<(long Offset, long Length)> DataRanges()
    {
        using var handle = File.OpenHandle(_path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        int fd = (int)handle.DangerousGetHandle();
        long offset = 0;
        var ranges = new List<(long, long)>();
        while (offset < Length)
        {
            // -1 here is ENXIO: no data at or after offset.
            long data = LibC.lseek(fd, offset, SEEK_DATA);
            if (data < 0 || data >= Length)
            {
                break;
            }
            long hole = LibC.lseek(fd, data, SEEK_HOLE);
            if (hole < 0 || hole > Length)
            {
                hole = Length;
            }
            ranges.Add((data, hole - data));
            offset = hole;
        }
        return ranges;
    }
}
