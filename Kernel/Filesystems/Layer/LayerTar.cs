using System;
using System.Collections.Generic;
using System.Formats.Tar;
using System.IO;
using System.Text;
using UserKernel.Kernel.Abi;
using UserKernel.Kernel.Filesystems.Overlay;
using UserKernel.Kernel.Vfs;
using FileMode = UserKernel.Kernel.Abi.FileMode;

namespace UserKernel.Kernel.Filesystems.Layer;

/// <summary>
/// Saves an overlay's upper layer as an OCI layer: a pax tar of its changes (<see cref="UpperLayer"/>), with
/// modes, owners, modification times (to the 100 ns System.Formats.Tar keeps), symlinks, hard links, FIFOs and
/// device nodes, extended attributes, and ".wh." whiteouts and opaque markers. Sockets have no tar form and are
/// left out. An attribute whose value is UTF-8 text is a "SCHILY.xattr." record (GNU tar's); any other value is
/// a "LIBARCHIVE.xattr." record (bsdtar's, base64), since a pax record written here must be text.
/// </summary>
public static class LayerTar
{
    /// <summary>
    /// Writes the layer to <paramref name="path"/> through a temporary file beside it, renamed over it at the end,
    /// so the path holds either the old file or the whole new layer. Throws <see cref="IOException"/> or
    /// <see cref="UnauthorizedAccessException"/> when it cannot.
    /// </summary>
    public static void Save(OverlaySuperBlock overlay, string path)
    {
        IReadOnlyList<LayerChange> changes = UpperLayer.Of(overlay);
        string full = Path.GetFullPath(path);
        string temp = Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.{Environment.ProcessId}.tmp");
        try
        {
            using (var file = new FileStream(temp, System.IO.FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                Write(changes, file);
                file.Flush(flushToDisk: true);
            }
            File.Move(temp, full, overwrite: true);
        }
        catch
        {
            File.Delete(temp);
            throw;
        }
    }

    /// <summary>Writes <paramref name="changes"/> as a pax tar to <paramref name="output"/>.</summary>
    public static void Write(IReadOnlyList<LayerChange> changes, Stream output)
    {
        using var tar = new TarWriter(output, TarEntryFormat.Pax, leaveOpen: true);
        foreach (LayerChange change in changes)
        {
            if (EntryFor(change) is not { } entry) continue;
            using (entry.DataStream) tar.WriteEntry(entry);
        }
    }

    private static PaxTarEntry? EntryFor(LayerChange change)
    {
        string name = TarName(change.Path);
        switch (change.Kind)
        {
            case LayerChangeKind.Whiteout or LayerChangeKind.Opaque:
                return new PaxTarEntry(TarEntryType.RegularFile, name) { Mode = (UnixFileMode)0x1A4, ModificationTime = DateTimeOffset.UnixEpoch };
            case LayerChangeKind.HardLink:
                return WithMetadata(new PaxTarEntry(TarEntryType.HardLink, name) { LinkName = TarName(change.LinkTarget!) }, change.Inode!);
        }

        Inode inode = change.Inode!;
        Dictionary<string, string> xattrs = XattrRecords(inode, change.Path);
        switch (inode.Mode & FileMode.S_IFMT)
        {
            case FileMode.S_IFDIR:
                return WithMetadata(new PaxTarEntry(TarEntryType.Directory, name + "/", xattrs), inode);
            case FileMode.S_IFREG:
                return WithMetadata(new PaxTarEntry(TarEntryType.RegularFile, name, xattrs) { DataStream = new InodeStream(inode) }, inode);
            case FileMode.S_IFLNK:
                if (!inode.ReadLink().TryGet(out byte[]? target, out Errno e)) throw new IOException($"/{change.Path}: {ErrnoNames.Message(e)}");
                return WithMetadata(new PaxTarEntry(TarEntryType.SymbolicLink, name, xattrs) { LinkName = FromBytes(target) }, inode);
            case FileMode.S_IFIFO:
                return WithMetadata(new PaxTarEntry(TarEntryType.Fifo, name, xattrs), inode);
            case FileMode.S_IFCHR or FileMode.S_IFBLK:
                var kind = (inode.Mode & FileMode.S_IFMT) == FileMode.S_IFCHR ? TarEntryType.CharacterDevice : TarEntryType.BlockDevice;
                var device = new PaxTarEntry(kind, name, xattrs) { DeviceMajor = (int)Major(inode.Rdev), DeviceMinor = (int)Minor(inode.Rdev) };
                return WithMetadata(device, inode);
            default:
                return null; // a socket: tar has no entry for one
        }
    }

    private static Dictionary<string, string> XattrRecords(Inode inode, string path)
    {
        var records = new Dictionary<string, string>(StringComparer.Ordinal);
        if (!inode.ListXattrs().TryGet(out KeyValuePair<string, byte[]>[]? xattrs, out Errno e)) throw new IOException($"/{path}: {ErrnoNames.Message(e)}");
        foreach ((string name, byte[] value) in xattrs)
        {
            if (IsText(value)) records["SCHILY.xattr." + name] = Encoding.UTF8.GetString(value);
            else records["LIBARCHIVE.xattr." + Uri.EscapeDataString(name)] = Convert.ToBase64String(value);
        }
        return records;
    }

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Whether the bytes are UTF-8 without NULs, so a pax record carries them unchanged.</summary>
    private static bool IsText(byte[] value)
    {
        if (Array.IndexOf(value, (byte)0) >= 0) return false;
        try { StrictUtf8.GetCharCount(value); return true; }
        catch (DecoderFallbackException) { return false; }
    }

    private static PaxTarEntry WithMetadata(PaxTarEntry entry, Inode inode)
    {
        entry.Mode = (UnixFileMode)(inode.Mode & 0xFFF);
        entry.Uid = (int)inode.Uid;
        entry.Gid = (int)inode.Gid;
        Timespec m = inode.Mtime;
        entry.ModificationTime = DateTimeOffset.UnixEpoch.AddTicks(m.Seconds * TimeSpan.TicksPerSecond + m.Nanoseconds / 100);
        return entry;
    }

    // glibc's major() and minor() of a dev_t.
    private static uint Major(ulong dev) => (uint)(((dev >> 8) & 0xfff) | ((dev >> 32) & 0xfffff000));
    private static uint Minor(ulong dev) => (uint)((dev & 0xff) | ((dev >> 12) & 0xffffff00));

    /// <summary>A VFS name (Latin-1, one char per byte) as the UTF-8 text a pax header holds.</summary>
    private static string TarName(string vfsPath) => FromBytes(Encoding.Latin1.GetBytes(vfsPath));

    private static string FromBytes(byte[] bytes) => Encoding.UTF8.GetString(bytes);
}
