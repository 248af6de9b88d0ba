using System;
using System.Collections.Generic;
using System.Formats.Tar;
using System.IO;
using System.Linq;
using UserKernel.RootFs.Image;
using UserKernel.RootFs.Tree;

namespace UserKernel.RootFs.Sources;

/// <summary>
/// Reads tar archives (ustar, pax, GNU; plain, gzip, xz or zstd) into a <see cref="FileTree"/>.
/// File contents are copied to a spool file and the tree refers to slices of it, so nothing is
/// held in memory; the tree's contents stay readable until this source is disposed.
/// Entries are applied as tar extracts them: later entries replace earlier ones, hard links
/// share their target's node, missing parents are created. Whiteouts (".wh.*") are kept as
/// ordinary entries: interpreting them is the job of whoever stacks layers.
/// </summary>
public sealed partial class TarSource : IDisposable
{
    private readonly SpoolFile _spool;

    /// <param name="spoolDirectory">Where the spool file lives; the system temp directory by default.</param>
    public TarSource(string? spoolDirectory = null) => _spool = new SpoolFile(spoolDirectory);

    /// <summary>Bytes of file contents spooled so far.</summary>
    public long SpooledBytes => _spool.Length;

    /// <summary>A new tree holding the archive's entries.</summary>
    public FileTree Read(Stream tar)
    {
        var tree = new FileTree();
        Apply(tree, tar);
        return tree;
    }

    /// <summary>
    /// Applies the archive's entries onto <paramref name="tree"/>, in order. Reads
    /// <paramref name="tar"/> to its end but does not dispose it. A corrupt archive or a hostile
    /// entry (a ".." component, a hard link to a missing file) throws <see cref="ImageFormatException"/>:
    /// every header's checksum and numeric fields are checked, the archive must end with its two zero
    /// blocks and hold nothing but zeros after them, and a compressed stream must pass its own checks
    /// (<see cref="TarBlocks"/>), so a damaged archive is never read as a shorter or an empty one.
    /// </summary>
    /// <param name="entryRead">Called with each entry's path, for progress reports.</param>
    public void Apply(FileTree tree, Stream tar, Action<string>? entryRead = null)
    {
        using var decompressed = Decompression.Open(tar, leaveOpen: true);
        try
        {
            ReadEntries(tree, decompressed, entryRead);
        }
        catch (Exception e) when (e is ImageFormatException or NotSupportedException || IsReaderError(e))
        {
            // A damaged compressed stream often decodes to garbage before its decoder notices: the decoder's own
            // error says what really happened. (The stream given may be a decompressor already: a layer's.)
            Decompression.ThrowIfDamaged(decompressed);
            Decompression.ThrowIfDamaged(tar);
            if (e is ImageFormatException)
                throw;
            if (e is NotSupportedException)
                // GNU's old sparse entries (type 'S', tar --sparse) and other kinds the reader does not know.
                throw new ImageFormatException($"unsupported tar archive: {e.Message} (an archive made with tar --sparse?)", e);
            // What else the tar reader throws for a damaged archive.
            throw new ImageFormatException($"corrupt tar archive: {e.Message}", e);
        }
    }

    private void ReadEntries(FileTree tree, Stream decompressed, Action<string>? entryRead)
    {
        var recorder = new RecordingStream(decompressed);
        using var reader = new TarReader(recorder, leaveOpen: true);
        while (true)
        {
            long start = recorder.Position;
            recorder.StartRecording();
            TarEntry? entry;
            try
            {
                entry = reader.GetNextEntry(copyData: false);
            }
            catch (Exception e) when (IsReaderError(e))
            {
                throw Explain(recorder, start, e);
            }
            byte[] headers = recorder.StopRecording();
            // System.Formats.Tar checks no checksum and takes a block with an empty checksum for the end.
            var blocks = TarBlocks.Walk(headers, start, out int zeroBlock);
            if (entry is null)
            {
                if (zeroBlock < 0)
                    throw TarBlocks.Corrupt($"it ends at offset {recorder.Position} after a header with no entry");
                // Reading on to the end also checks a compressed stream's trailer (gzip's CRC, xz's and zstd's checks).
                TarBlocks.CheckEnd(start + zeroBlock, headers.AsSpan(zeroBlock + TarBlocks.Size), recorder);
                return;
            }
            try
            {
                ApplyEntry(tree, entry, headers, blocks);
                entryRead?.Invoke(entry.Name);
                // Skipping unread data must not be recorded as the next entry's header.
                entry.DataStream?.CopyTo(Stream.Null);
            }
            catch (EndOfStreamException)
            {
                throw TarBlocks.Corrupt($"truncated: it ends at offset {recorder.Position}, inside the {entry.Length}-byte data of '{entry.Name}'");
            }
        }
    }

    private static bool IsReaderError(Exception e) =>
        e is InvalidDataException or FormatException or EndOfStreamException or InvalidOperationException
            or ArgumentException or OverflowException or ZstdSharp.ZstdException or SharpCompress.Common.SharpCompressException
        && e is not ObjectDisposedException;

    /// <summary>
    /// What is wrong, when the tar reader failed to read an entry: the blocks it read say it best (a bad checksum
    /// where garbage was read as a header, a numeric field that is not a number, a truncation), else its own error.
    /// </summary>
    private static Exception Explain(RecordingStream recorder, long start, Exception e)
    {
        byte[] read = recorder.StopRecording();
        TarBlocks.Walk(read, start, out _); // throws for a bad header among the whole blocks read
        if (e is not EndOfStreamException)
            return TarBlocks.Corrupt($"the entry at offset {start + TarBlocks.PaddingAt(start)}: {e.Message}", e);
        long end = recorder.Position;
        string what = end == 0 ? "the archive is empty (0 bytes), but even an empty tar archive has its two zero blocks"
            : read.Length <= TarBlocks.PaddingAt(start) ? $"truncated: it ends at offset {end}, without the two zero blocks that end a tar archive"
            : $"truncated: it ends at offset {end}, inside a header";
        return TarBlocks.Corrupt(what, e);
    }

    public void Dispose() => _spool.Dispose();

    private void ApplyEntry(FileTree tree, TarEntry entry, byte[] headers, List<TarBlocks.Header> blocks)
    {
        // GNU's sparse files in pax form keep their map in GNU.sparse.* records under a made-up name
        // (GNUSparseFile.N/...); read as a plain file they would be wrong, so they are refused.
        if (entry is PaxTarEntry pax && pax.ExtendedAttributes.Keys.Any(k => k.StartsWith("GNU.sparse.", StringComparison.Ordinal)))
            throw new ImageFormatException($"tar entry '{entry.Name}' is a sparse file (tar --sparse), which is not supported; make the archive without --sparse");
        string path = CheckedPath(entry.Name, entry.Name);
        if (path.Length == 0 && entry.EntryType is not (TarEntryType.Directory or TarEntryType.GlobalExtendedAttributes))
            throw TarBlocks.Corrupt($"an entry of type {entry.EntryType} "
                + (entry.Name.Length == 0 ? "has an empty name" : $"is named '{entry.Name}', which is the root directory"));
        TreeNode? node = entry.EntryType switch
        {
            TarEntryType.Directory => DirectoryFor(tree, path),
            TarEntryType.RegularFile or TarEntryType.V7RegularFile or TarEntryType.ContiguousFile =>
                TreeNode.File(entry.DataStream is null ? FileContent.FromBytes([]) : _spool.Append(entry.DataStream, entry.Length)),
            TarEntryType.SymbolicLink => entry.LinkName.Length > 0
                ? TreeNode.Symlink(entry.LinkName)
                : throw new ImageFormatException($"tar entry '{entry.Name}': a symlink with an empty target"),
            TarEntryType.HardLink => HardLinkTarget(tree, entry),
            TarEntryType.CharacterDevice => Device(NodeKind.CharDevice, entry),
            TarEntryType.BlockDevice => Device(NodeKind.BlockDevice, entry),
            TarEntryType.Fifo => TreeNode.Fifo(),
            TarEntryType.GlobalExtendedAttributes => null,
            _ => throw new ImageFormatException(
                $"tar entry '{entry.Name}': entry type {entry.EntryType} is not supported"),
        };
        if (node is null)
        {
            return;
        }
        if (entry.EntryType == TarEntryType.HardLink)
        {
            // A hard link is its target's inode under one more name: the target's metadata stands.
            tree.Add(path, node);
            return;
        }
        SetMetadata(node, entry, headers, blocks);
        if (path.Length > 0 && !ReferenceEquals(tree.Lookup(path), node))
        {
            tree.Add(path, node);
        }
    }

    private static TreeNode DirectoryFor(FileTree tree, string path)
    {
        var existing = tree.Lookup(path);
        return existing is { Kind: NodeKind.Directory } ? existing : TreeNode.Directory();
    }

    private static TreeNode Device(NodeKind kind, TarEntry entry) => entry is PosixTarEntry posix
        ? TreeNode.Device(kind, (uint)posix.DeviceMajor, (uint)posix.DeviceMinor)
        : throw new ImageFormatException($"tar entry '{entry.Name}': a device in a format without device numbers");

    private static TreeNode HardLinkTarget(FileTree tree, TarEntry entry)
    {
        string target = CheckedPath(entry.LinkName, entry.Name);
        var node = tree.Lookup(target)
            ?? throw new ImageFormatException($"tar entry '{entry.Name}': hard link to '{entry.LinkName}', which the archive has not made");
        if (node.Kind == NodeKind.Directory)
        {
            throw new ImageFormatException($"tar entry '{entry.Name}': hard link to the directory '{entry.LinkName}'");
        }
        return node;
    }

    /// <summary>The entry's path relative to the root ("" for the root), refusing "..".</summary>
    private static string CheckedPath(string name, string entryName)
    {
        var parts = new List<string>();
        foreach (var part in name.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            if (part == "..")
            {
                throw new ImageFormatException($"tar entry '{entryName}': path '{name}' climbs out of the root with '..'");
            }
            if (part != ".")
            {
                parts.Add(part);
            }
        }
        return string.Join('/', parts);
    }
}
