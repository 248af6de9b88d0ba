using System;
using System.IO;
using System.IO.MemoryMappedFiles;

namespace UserKernel.RootFs.Image;

/// <summary>
/// A read-only memory mapping of an image file. Every byte of the image is reached through
/// <see cref="Slice"/>, which checks bounds, so a corrupt pointer in the image can never read
/// outside the mapping. The file is opened for reading only and is never written.
/// </summary>
/// <remarks>
/// Slices are views of the mapping: they must not outlive <see cref="Dispose"/>. Reading is
/// thread-safe. If another process shrinks the file while it is mapped, touching the lost pages
/// raises SIGBUS, as for any mapping; images are expected to stay put while mounted.
/// </remarks>
public sealed partial class MappedImage : IDisposable
{
    private readonly MemoryMappedFile _file;
    private readonly MemoryMappedViewAccessor _view;

    private MappedImage(string path, long length, MemoryMappedFile file, MemoryMappedViewAccessor view)
    {
        Path = path;
        Length = length;
        _file = file;
        _view = view;
        AcquireBase();
    }

    /// <summary>The image file's path as given to <see cref="Open"/>.</summary>
    public string Path { get; }

    /// <summary>The image file's length in bytes when it was opened.</summary>
    public long Length { get; }

    /// <summary>
    /// Maps <paramref name="path"/> read-only. A missing, unreadable or empty file gives an
    /// <see cref="ImageFormatException"/> rather than an I/O exception.
    /// </summary>
    public static MappedImage Open(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (Directory.Exists(path))
        {
            throw new ImageFormatException($"image is a directory, not a file: {path}");
        }
        // A FIFO or a character device would block the open or never end; only files and block devices hold images.
        if (FileTypeOf(path) is { } type && type is not (S_IFREG or S_IFBLK))
        {
            throw new ImageFormatException($"image is not a regular file or a block device: {path}");
        }

        FileStream stream;
        try
        {
            // FileShare.Read: others may read the image too, nobody may write it while we map it.
            stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.None);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new ImageFormatException($"image not found: {path}", e);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new ImageFormatException($"image is not readable (permission denied): {path}", e);
        }
        catch (IOException e)
        {
            throw new ImageFormatException($"cannot open image {path}: {e.Message}", e);
        }

        try
        {
            long length = stream.Length;
            if (length == 0)
            {
                throw new ImageFormatException("not an ext2/3/4 filesystem: the image is empty (0 bytes)");
            }
            var file = MemoryMappedFile.CreateFromFile(
                stream, mapName: null, capacity: 0, MemoryMappedFileAccess.Read, HandleInheritability.None, leaveOpen: false);
            try
            {
                var view = file.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
                return new MappedImage(path, length, file, view);
            }
            catch
            {
                file.Dispose();
                throw;
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            stream.Dispose();
            throw new ImageFormatException($"cannot map image {path}: {e.Message}", e);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The <paramref name="length"/> bytes at <paramref name="offset"/>. Throws
    /// <see cref="ImageFormatException"/> naming the offset when any of them lies outside the image.
    /// </summary>
    public ReadOnlySpan<byte> Slice(long offset, int length)
    {
        if (offset < 0 || length < 0 || offset > Length - length)
        {
            throw OutOfRange(offset, length);
        }
        return View(offset, length);
    }

    private ImageFormatException OutOfRange(long offset, int length) =>
        new($"image is truncated: {length} bytes at offset {offset} lie beyond its end ({ImageFormatException.FormatSize(Length)})");

    /// <summary>Unmaps the image. Slices taken earlier must no longer be used.</summary>
    public void Dispose()
    {
        ReleaseBase();
        _view.Dispose();
        _file.Dispose();
    }
}
