using System;
using System.Collections.Generic;
using System.IO;

namespace UserKernel.RootFs.Tree;

/// <summary>
/// The bytes of a regular file in a <see cref="FileTree"/>, read only when an image is written,
/// so a tree of a large directory or tarball costs no memory for contents. <see cref="DataRanges"/>
/// names the parts that hold data; the rest is a hole, so sparse files stay sparse.
/// </summary>
public abstract class FileContent
{
    public abstract long Length { get; }

    /// <summary>A readable stream of all <see cref="Length"/> bytes (holes read as zeros).</summary>
    public abstract Stream Open();

    /// <summary>The byte ranges holding data, in order; by default the whole file.</summary>
    public virtual IEnumerable<(long Offset, long Length)> DataRanges()
    {
        if (Length > 0)
            yield return (0, Length);
    }

    public static FileContent FromBytes(byte[] bytes) => new BytesContent(bytes);

    private sealed class BytesContent : FileContent
    {
        private readonly byte[] _bytes;

        public BytesContent(byte[] bytes) => _bytes = bytes ?? throw new ArgumentNullException(nameof(bytes));

        public override long Length => _bytes.Length;

        public override Stream Open() => new MemoryStream(_bytes, writable: false);
    }
}
