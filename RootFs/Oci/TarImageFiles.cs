using System;
using System.Collections.Generic;
using System.Formats.Tar;
using System.IO;
using Microsoft.Win32.SafeHandles;
using UserKernel.RootFs.Image;
using UserKernel.RootFs.Sources;

namespace UserKernel.RootFs.Oci;

/// <summary>
/// The files of an image packed as a tar archive (an OCI layout archive, a docker save): the
/// archive is scanned once for where each regular file's bytes lie, and each file is then read
/// in place, so a layer is never copied out of the archive.
/// </summary>
public sealed class TarImageFiles : IImageFiles
{
    private readonly SafeFileHandle _handle;
    private readonly Dictionary<string, (long Offset, long Length)> _files;

    private TarImageFiles(string source, SafeFileHandle handle, Dictionary<string, (long, long)> files)
    {
        Source = source;
        _handle = handle;
        _files = files;
    }

    public string Source { get; }

    /// <summary>Scans the archive at <paramref name="path"/>; one that is not a tar is an <see cref="ImageFormatException"/>.</summary>
    public static TarImageFiles OpenArchive(string path)
    {
        var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read);
        try
        {
            return new TarImageFiles(path, handle, Scan(path, handle));
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    public bool Exists(string path) => _files.ContainsKey(Normalize(path));

    public long Length(string path) => Find(path).Length;

    public Stream Open(string path)
    {
        var (offset, length) = Find(path);
        return PositionalReadStream.Slice(_handle, offset, length);
    }

    public void Dispose() => _handle.Dispose();

    private (long Offset, long Length) Find(string path) =>
        _files.TryGetValue(Normalize(path), out var where) ? where
            : throw new ImageFormatException($"{Source}: {path} is missing from the archive");

    private static Dictionary<string, (long, long)> Scan(string path, SafeFileHandle handle)
    {
        var files = new Dictionary<string, (long, long)>(StringComparer.Ordinal);
        var symlinks = new Dictionary<string, string>(StringComparer.Ordinal);
        long length = RandomAccess.GetLength(handle);
        try
        {
            using var stream = PositionalReadStream.Slice(handle, 0, length);
            using var reader = new TarReader(stream);
            while (true)
            {
                long start = stream.Position;
                TarEntry? entry;
                try
                {
                    entry = reader.GetNextEntry();
                }
                catch (Exception e) when (e is InvalidDataException or FormatException or EndOfStreamException or ArgumentException or OverflowException)
                {
                    // Garbage read as a header says more by its checksum than by the field the reader choked on.
                    var header = new byte[TarBlocks.Size];
                    if (RandomAccess.Read(handle, header, start) == header.Length && !TarBlocks.IsZero(header))
                        TarBlocks.CheckHeader(header, start);
                    throw;
                }
                // The reader checks no checksum, and takes a header with an empty one for the end: the blocks it
                // read (headers and pax records; it seeks over file data) are checked here.
                long headersEnd = entry is null ? stream.Position : entry.DataOffset;
                // Pax records of a megabyte or more are not read again: the entry's own header is checked then.
                long span = Math.Max(headersEnd - start, 0);
                var blocks = new byte[span <= 1 << 20 ? span : TarBlocks.Size];
                RandomAccess.Read(handle, blocks, headersEnd - blocks.Length);
                TarBlocks.Walk(blocks, headersEnd - blocks.Length, out int zeroBlock);
                if (entry is null)
                {
                    if (zeroBlock < 0)
                        throw TarBlocks.Corrupt(blocks.Length == 0
                            ? $"truncated: it ends at offset {headersEnd}, without the two zero blocks that end a tar archive"
                            : $"it ends at offset {headersEnd} after a header with no entry");
                    long zeroOffset = headersEnd - blocks.Length + zeroBlock;
                    using var rest = PositionalReadStream.Slice(handle, zeroOffset + TarBlocks.Size, length - zeroOffset - TarBlocks.Size);
                    TarBlocks.CheckEnd(zeroOffset, [], rest);
                    break;
                }
                if (entry.EntryType is TarEntryType.RegularFile or TarEntryType.V7RegularFile or TarEntryType.ContiguousFile)
                    files[Normalize(entry.Name)] = (entry.DataOffset, entry.Length);
                else if (entry.EntryType == TarEntryType.SymbolicLink)
                    symlinks[Normalize(entry.Name)] = entry.LinkName;
                else if (entry.EntryType == TarEntryType.HardLink)
                    symlinks[Normalize(entry.Name)] = "/" + entry.LinkName; // named from the top of the archive
            }
        }
        catch (ImageFormatException e)
        {
            throw new ImageFormatException($"{path}: {e.Message}", e);
        }
        catch (Exception e) when (e is InvalidDataException or FormatException or EndOfStreamException or ArgumentException or OverflowException)
        {
            throw new ImageFormatException($"{path}: not a tar archive of an image: {e.Message}");
        }
        // Newer docker saves name each legacy ID/layer.tar as a link to its blob.
        foreach (var (name, target) in symlinks)
        {
            string directory = name.Contains('/') ? name[..name.LastIndexOf('/')] : "";
            string resolved = Resolve(directory, target);
            if (!files.ContainsKey(name) && files.TryGetValue(resolved, out var where))
                files[name] = where;
        }
        if (files.Count == 0)
            throw new ImageFormatException($"{path}: neither an image directory nor a tar archive of one");
        return files;
    }

    /// <summary>A link target relative to the link's directory (or the top, when absolute), ".." stopping at the top.</summary>
    private static string Resolve(string directory, string target)
    {
        var parts = new List<string>();
        if (!target.StartsWith('/'))
            parts.AddRange(directory.Split('/', StringSplitOptions.RemoveEmptyEntries));
        foreach (var part in target.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            if (part == "..")
            {
                if (parts.Count > 0)
                    parts.RemoveAt(parts.Count - 1);
            }
            else if (part != ".")
                parts.Add(part);
        }
        return string.Join('/', parts);
    }

    // "./index.json" and "index.json" are the same file.
    private static string Normalize(string path) =>
        string.Join('/', Array.FindAll(path.Split('/'), p => p.Length > 0 && p != "."));
}
