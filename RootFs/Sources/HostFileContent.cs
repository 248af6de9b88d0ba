using System.IO;
using UserKernel.RootFs.Tree;

namespace UserKernel.RootFs.Sources;

/// <summary>The bytes of a host file, read only when the image is written.</summary>
public sealed class HostFileContent : FileContent
{
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
}
