using System;
using System.Collections.Generic;
using System.Text;
using UserKernel.RootFs.Ext4;
using UserKernel.RootFs.Paths;

namespace UserKernel.RootFs.Images;

/// <summary>Where a path led inside an image: the inode and the path with every symlink resolved.</summary>
public readonly record struct ImagePath(uint Inode, string Path);

/// <summary>
/// Path resolution inside an image, for tools that read an image without booting it (image ls,
/// cat, extract). It follows path_resolution(7) with the image's root as the root: an absolute
/// symlink target starts again at the image's root and ".." at the root stays there, so no path
/// ever leads out of the image. At most <see cref="PathLimits.MaxSymlinks"/> symlinks are followed, as Linux does.
/// </summary>
public sealed class ImagePaths
{
    private readonly Ext4Reader _reader;

    public ImagePaths(Ext4Reader reader) => _reader = reader ?? throw new ArgumentNullException(nameof(reader));

    /// <summary>
    /// Resolves <paramref name="path"/> (absolute, or relative to the root). Symlinks on the way are
    /// followed; the last one too when <paramref name="followLast"/> is set or the path ends with '/'.
    /// On failure <paramref name="error"/> says why as strerror would ("No such file or directory").
    /// </summary>
    public bool TryResolve(string path, bool followLast, out ImagePath result, out string error)
    {
        result = default;
        bool mustBeDirectory = path.EndsWith('/') && path.Trim('/').Length > 0;
        followLast |= mustBeDirectory;

        var walk = new PathResolution<uint>(path, Ext4Reader.RootInode);
        while (walk.Next(out string name))
        {
            if (!_reader.ReadInode(walk.Current).IsDirectory)
            {
                error = "Not a directory";
                return false;
            }
            uint? child = _reader.Lookup(walk.Current, Encoding.UTF8.GetBytes(name));
            if (child is null)
            {
                error = "No such file or directory";
                return false;
            }
            var inode = _reader.ReadInode(child.Value);
            if (inode.IsSymlink && (!walk.AtLast || followLast))
            {
                if (!walk.Follow(Encoding.UTF8.GetString(_reader.ReadSymlink(child.Value))))
                {
                    error = "Too many levels of symbolic links";
                    return false;
                }
                continue;
            }
            walk.Enter(child.Value, name);
        }
        if (mustBeDirectory && !_reader.ReadInode(walk.Current).IsDirectory)
        {
            error = "Not a directory";
            return false;
        }
        result = new ImagePath(walk.Current, walk.WalkedPath);
        error = "";
        return true;
    }

    /// <summary>
    /// The entries of directory <paramref name="dirIno"/> other than "." and "..", sorted by name
    /// (ordinal, as ls does in the C locale). Names that no directory could hold (empty, or with
    /// '/' or NUL in them: only a corrupt or hostile image has them) are left out.
    /// </summary>
    public IReadOnlyList<(string Name, uint Inode)> Children(uint dirIno)
    {
        var children = new List<(string, uint)>();
        foreach (var entry in _reader.ReadDirectory(dirIno))
        {
            if (!IsPlainName(entry.Name))
            {
                continue;
            }
            children.Add((Encoding.UTF8.GetString(entry.Name), entry.Inode));
        }
        children.Sort((a, b) => string.CompareOrdinal(a.Item1, b.Item1));
        return children;
    }

    /// <summary>Whether a directory entry's name is an ordinary file name: not ".", "..", empty, nor holding '/' or NUL.</summary>
    public static bool IsPlainName(ReadOnlySpan<byte> name) =>
        !name.IsEmpty && !name.SequenceEqual("."u8) && !name.SequenceEqual(".."u8) && name.IndexOfAny((byte)'/', (byte)0) < 0;
}
