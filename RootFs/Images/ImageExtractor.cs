using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using Microsoft.Win32.SafeHandles;
using Mono.Unix;
using Mono.Unix.Native;
using UserKernel.RootFs.Ext4;

namespace UserKernel.RootFs.Images;

/// <summary>
/// Copies a file or a directory tree out of an image into a host directory, keeping modes,
/// times, symlinks and hard links; owners and device nodes only for root, as tar does.
/// Nothing is ever written outside the destination: every name comes from the image's
/// directories and is checked to be a plain name, every directory is created by the extractor
/// or checked to be a real directory (never a symlink) before anything is put in it, and an
/// existing non-directory is unlinked rather than opened, so a symlink in the destination or
/// one extracted from the image is never written through.
/// </summary>
public sealed class ImageExtractor
{
    private const int ChunkSize = 1 << 20;

    private readonly Ext4Reader _reader;
    private readonly Action<string> _warn;
    // Host paths of inodes extracted so far with more than one link, to link the others to.
    private readonly Dictionary<uint, string> _linked = new();
    private readonly byte[] _buffer = new byte[ChunkSize];

    /// <param name="reader">The image.</param>
    /// <param name="warn">Told, one line each, what was skipped (device nodes without root, impossible names).</param>
    public ImageExtractor(Ext4Reader reader, Action<string> warn)
    {
        _reader = reader ?? throw new ArgumentNullException(nameof(reader));
        _warn = warn ?? throw new ArgumentNullException(nameof(warn));
        bool root = Syscall.geteuid() == 0;
        RestoreOwners = root;
        MakeDevices = root;
    }

    /// <summary>Whether files get the image's owners (only root can give files away); by default when running as root.</summary>
    public bool RestoreOwners { get; init; }

    /// <summary>Whether device nodes are made (only root may); by default when running as root. Otherwise they are skipped with a warning.</summary>
    public bool MakeDevices { get; init; }

    /// <summary>How many entries were written.</summary>
    public int Extracted { get; private set; }

    /// <summary>
    /// Extracts <paramref name="imagePath"/> (symlinks on the way followed inside the image) into
    /// <paramref name="hostDirectory"/>, which is created if missing: a file or directory arrives
    /// as hostDirectory/its-name; "/" puts the image's root entries straight into hostDirectory.
    /// A path that does not resolve throws <see cref="FileNotFoundException"/>; a host failure
    /// throws <see cref="IOException"/> naming the path.
    /// </summary>
    public void Extract(string imagePath, string hostDirectory)
    {
        var paths = new ImagePaths(_reader);
        if (!paths.TryResolve(imagePath, followLast: true, out var found, out string error))
        {
            throw new FileNotFoundException($"{imagePath}: {error}");
        }
        Directory.CreateDirectory(hostDirectory);
        string destination = Path.GetFullPath(hostDirectory);
        if (found.Path == "/")
        {
            ExtractChildren(found.Inode, destination, "/");
            ApplyMetadata(_reader.ReadInode(found.Inode), destination);
            return;
        }
        string name = imagePath.TrimEnd('/');
        name = name[(name.LastIndexOf('/') + 1)..];
        if (name is "" or "." or "..")
        {
            name = found.Path[(found.Path.LastIndexOf('/') + 1)..];
        }
        ExtractEntry(found.Inode, Path.Combine(destination, name), found.Path);
    }

    private void ExtractEntry(uint ino, string host, string where)
    {
        var inode = _reader.ReadInode(ino);
        if (!inode.IsDirectory && inode.LinksCount > 1 && _linked.TryGetValue(ino, out string? first))
        {
            Unlink(host, where);
            Check(Syscall.link(first, host), "link", host);
            Extracted++;
            return;
        }
        if (inode.IsDirectory)
        {
            MakeDirectory(host);
            ExtractChildren(ino, host, where);
            // A directory's mode and times are set after its contents: writing them would change
            // the times, and a read-only mode would stop the writing.
            ApplyMetadata(inode, host);
            Extracted++;
            return;
        }
        if ((inode.IsCharDevice || inode.IsBlockDevice) && !MakeDevices)
        {
            _warn($"skipped device node {where}: only root can make device nodes");
            return;
        }
        Unlink(host, where);
        if (inode.IsRegular)
        {
            WriteFile(ino, inode, host);
        }
        else if (inode.IsSymlink)
        {
            string target = UnixEncoding.Instance.GetString(_reader.ReadSymlink(ino));
            Check(Syscall.symlink(target, host), "symlink", host);
        }
        else
        {
            ulong dev = MakeDev(inode.RdevMajor, inode.RdevMinor);
            Check(Syscall.mknod(host, (FilePermissions)(inode.Mode & 0xF000) | FilePermissions.S_IRUSR | FilePermissions.S_IWUSR, dev), "mknod", host);
        }
        ApplyMetadata(inode, host);
        if (inode.LinksCount > 1)
        {
            _linked[ino] = host;
        }
        Extracted++;
    }

    private void ExtractChildren(uint dirIno, string host, string where)
    {
        foreach (var entry in _reader.ReadDirectory(dirIno))
        {
            if (entry.Name.AsSpan().SequenceEqual("."u8) || entry.Name.AsSpan().SequenceEqual(".."u8))
            {
                continue;
            }
            // UnixEncoding keeps bytes that are not UTF-8, so the host name is the image's name exactly.
            string name = UnixEncoding.Instance.GetString(entry.Name);
            string childWhere = where == "/" ? "/" + name : where + "/" + name;
            if (!ImagePaths.IsPlainName(entry.Name))
            {
                _warn($"skipped {childWhere}: a name no directory can hold");
                continue;
            }
            ExtractEntry(entry.Inode, host + "/" + name, childWhere);
        }
    }

    /// <summary>Makes <paramref name="host"/> a real directory we can fill: an existing one is kept, anything else there is removed first.</summary>
    private static void MakeDirectory(string host)
    {
        if (Syscall.lstat(host, out var st) == 0)
        {
            if ((st.st_mode & FilePermissions.S_IFMT) == FilePermissions.S_IFDIR)
            {
                return;
            }
            Check(Syscall.unlink(host), "unlink", host);
        }
        Check(Syscall.mkdir(host, FilePermissions.S_IRWXU), "mkdir", host);
    }

    /// <summary>Removes what is at <paramref name="host"/> (a file or symlink; never followed) so a new entry can take its place.</summary>
    private static void Unlink(string host, string where)
    {
        if (Syscall.lstat(host, out var st) != 0)
        {
            return;
        }
        if ((st.st_mode & FilePermissions.S_IFMT) == FilePermissions.S_IFDIR)
        {
            throw new IOException($"{host}: is a directory on the host, but {where} is not a directory in the image");
        }
        Check(Syscall.unlink(host), "unlink", host);
    }

    /// <summary>Writes a regular file's bytes; blocks of zeros are skipped, so holes stay holes.</summary>
    private void WriteFile(uint ino, Ext4Inode inode, string host)
    {
        // O_EXCL: the name was just unlinked; if anything appeared there since, fail rather than follow it.
        int fd = Syscall.open(host, OpenFlags.O_WRONLY | OpenFlags.O_CREAT | OpenFlags.O_EXCL | OpenFlags.O_NOFOLLOW | OpenFlags.O_CLOEXEC,
            FilePermissions.S_IRUSR | FilePermissions.S_IWUSR);
        Check(fd < 0 ? -1 : 0, "open", host);
        using var stream = new FileStream(new SafeFileHandle(fd, ownsHandle: true), FileAccess.Write, bufferSize: 0);
        long offset = 0;
        while (offset < (long)inode.Size)
        {
            int n = _reader.Read(ino, offset, _buffer);
            if (n == 0)
            {
                break;
            }
            ReadOnlySpan<byte> chunk = _buffer.AsSpan(0, n);
            if (chunk.ContainsAnyExcept((byte)0))
            {
                stream.Position = offset;
                stream.Write(chunk);
            }
            offset += n;
        }
        stream.SetLength((long)inode.Size);
    }

    private void ApplyMetadata(Ext4Inode inode, string host)
    {
        // chown first: it clears set-user-ID and set-group-ID bits, which chmod then sets.
        if (RestoreOwners)
        {
            Check(Syscall.lchown(host, unchecked((int)inode.Uid), unchecked((int)inode.Gid)), "lchown", host);
        }
        if (!inode.IsSymlink)
        {
            Check(Syscall.chmod(host, (FilePermissions)(inode.Mode & 0xFFF)), "chmod", host);
        }
        SetTimes(inode, host);
    }

    private static void SetTimes(Ext4Inode inode, string host)
    {
        var times = new[]
        {
            new Timespec { tv_sec = inode.AtimeSec, tv_nsec = inode.AtimeNsec },
            new Timespec { tv_sec = inode.MtimeSec, tv_nsec = inode.MtimeNsec },
        };
        Check(Syscall.utimensat(Syscall.AT_FDCWD, host, times, AtFlags.AT_SYMLINK_NOFOLLOW), "utimensat", host);
    }

    /// <summary>glibc's makedev.</summary>
    private static ulong MakeDev(uint major, uint minor) =>
        (minor & 0xFFUL) | ((major & 0xFFFUL) << 8) | ((minor & ~0xFFUL) << 12) | ((major & ~0xFFFUL) << 32);

    private static void Check(int result, string call, string host)
    {
        if (result != 0)
        {
            throw new IOException($"{host}: {call}: {UnixMarshal.GetErrorDescription(Stdlib.GetLastError())}");
        }
    }
}
