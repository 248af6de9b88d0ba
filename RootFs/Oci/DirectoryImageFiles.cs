using System;
using System.IO;
using UserKernel.RootFs.Image;

namespace UserKernel.RootFs.Oci;

/// <summary>The files of an image laid out in a directory (an OCI image layout, an unpacked docker save).</summary>
public sealed class DirectoryImageFiles(string directory) : IImageFiles
{
    public string Source => directory;

    public bool Exists(string path) => File.Exists(Full(path));

    public long Length(string path) => Info(path).Length;

    public Stream Open(string path)
    {
        var info = Info(path);
        return new FileStream(info.FullName, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
    }

    public void Dispose() { }

    private FileInfo Info(string path)
    {
        var info = new FileInfo(Full(path));
        if (!info.Exists)
            throw new ImageFormatException($"{directory}: {path} is missing");
        return info;
    }

    // Paths come from the image's own JSON: one that climbs out of the directory is refused.
    private string Full(string path)
    {
        foreach (var part in path.Split('/'))
            if (part is ".." || path.StartsWith('/'))
                throw new ImageFormatException($"{directory}: the image names '{path}', which is outside it");
        return Path.Combine(directory, path);
    }
}
