using System;
using System.IO;

namespace UserKernel.RootFs.Oci;

/// <summary>
/// The files of a container image on disk, by '/'-separated path relative to its top
/// ("index.json", "blobs/sha256/HEX", "abc/layer.tar"): a directory, or a tar archive of one.
/// </summary>
public interface IImageFiles : IDisposable
{
    /// <summary>The source as the user named it, for messages.</summary>
    string Source { get; }

    bool Exists(string path);

    /// <summary>The file's size in bytes; throws <see cref="Image.ImageFormatException"/> when it is missing.</summary>
    long Length(string path);

    /// <summary>A stream of the file's bytes; throws <see cref="Image.ImageFormatException"/> when it is missing.</summary>
    Stream Open(string path);
}
