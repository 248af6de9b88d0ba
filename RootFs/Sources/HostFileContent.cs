using System.Collections.Generic;
using System.IO;
using Tmds.Linux;
using UserKernel.RootFs.Tree;

namespace UserKernel.RootFs.Sources;

/// <summary>
/// A host file's bytes, read when the image is written. Its data ranges come from
/// lseek(SEEK_DATA/SEEK_HOLE), so a sparse file's holes stay holes.
/// </summary>
internal sealed class HostFileContent(string path, long length) : FileContent
{
    private const int SEEK_DATA = 3;
    private const int SEEK_HOLE = 4;

    public override long Length => length;

    public override Stream Open() => new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1, FileOptions.SequentialScan);

    public override IEnumerable<(long Offset, long Length)> DataRanges()
    {
        using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        int fd = (int)handle.DangerousGetHandle();
        long offset = 0;
        var ranges = new List<(long, long)>();
        while (offset < length)
        {
            // -1 here is ENXIO: no data at or after offset.
            long data = LibC.lseek(fd, offset, SEEK_DATA);
            if (data < 0 || data >= length)
            {
                break;
            }
            long hole = LibC.lseek(fd, data, SEEK_HOLE);
            if (hole < 0 || hole > length)
            {
                hole = length;
            }
            ranges.Add((data, hole - data));
            offset = hole;
        }
        return ranges;
    }
}
