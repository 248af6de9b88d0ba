using System;
using System.IO;
using System.Text;
using UserKernel.Kernel.Abi;

namespace UserKernel.Kernel.Vfs;

/// <summary>
/// The bytes of image files, kept on disk between runs (~/.cache/userkernel/content/IMAGE/INODE), so that a guest's open of
/// an image file hands it a descriptor of a file made once instead of a memfd filled afresh in every run: reading a large
/// file costs the host page cache, not the kernel's memory, and a program every run executes is not copied out of the
/// image each time. An image is known by its host file's device, inode, size and change and modification times, so a
/// changed image gets a directory of its own; directories of images that are gone or changed are removed when there are
/// many, or by `userkernel image prune`. The directory is the user's own (0700); one that is not is not used.
/// </summary>
public sealed class ContentCache
{
    /// <summary>Past this many image directories, starting a run removes those whose image is gone or changed.</summary>
    public const int PruneAbove = 32;

    private const string ImageRecord = "image";

    private ContentCache(string directory) { Directory = directory; }

    /// <summary>This image's directory of cached files.</summary>
    public string Directory { get; }

    /// <summary>The user's cache root: $XDG_CACHE_HOME/userkernel/content, else ~/.cache/userkernel/content.</summary>
    public static string DefaultRoot =>
        Path.Combine(Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } xdg ? xdg
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache"), "userkernel", "content");

    /// <summary>
    /// The cache for the image at <paramref name="imagePath"/> under <paramref name="root"/>, or null when it cannot be used
    /// (the root is not a private directory of this user's, or cannot be made).
    /// </summary>
    public static ContentCache? For(string imagePath, string root)
    {
        if (!OperatingSystem.IsLinux()) return null;
        try
        {
            if (!PrivateDirectory(root)) return null;
            if (PruneNeeded(root)) Prune(root);
            string identity = Identity(imagePath);
            string directory = Path.Combine(root, NameOf(identity));
            System.IO.Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            string record = Path.Combine(directory, ImageRecord);
            if (!File.Exists(record)) File.WriteAllText(record, identity);
            // Two versions of images whose names collide share no files: the second runs without the cache.
            else if (File.ReadAllText(record) != identity) return null;
            return new ContentCache(directory);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>
    /// The path of the cached copy of file <paramref name="name"/> (an inode number), made from <paramref name="inode"/> if it
    /// is not there yet: written under a temporary name and renamed, so a run never finds half a file, and read-only.
    /// EIO if the image cannot be read, ENOSPC or EIO if the copy cannot be written.
    /// </summary>
    public Result<string> PathOf(string name, Inode inode)
    {
        if (!OperatingSystem.IsLinux()) return Errno.EOPNOTSUPP;
        string path = Path.Combine(Directory, name);
        var existing = new FileInfo(path);
        if (existing.Exists && existing.Length == inode.Size) return path;
        string temporary = path + "." + Guid.NewGuid().ToString("N")[..8] + ".part";
        try
        {
            // Another run may have pruned the directory (its image was gone when it looked): make it again.
            System.IO.Directory.CreateDirectory(Directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            using (var file = new FileStream(temporary, new FileStreamOptions
            {
                Mode = System.IO.FileMode.CreateNew,
                Access = FileAccess.Write,
                UnixCreateMode = UnixFileMode.UserRead,
            }))
            {
                byte[] chunk = new byte[1 << 20];
                for (long offset = 0; offset < inode.Size;)
                {
                    if (!inode.Read(offset, chunk).TryGet(out int n, out Errno e))
                    {
                        file.Dispose();
                        TryDelete(temporary);
                        return e;
                    }
                    if (n == 0) break;
                    file.Write(chunk, 0, (int)Math.Min(n, inode.Size - offset));
                    offset += n;
                }
            }
            File.Move(temporary, path, overwrite: true);
            return path;
        }
        catch (IOException)
        {
            TryDelete(temporary);
            return Errno.EIO;
        }
        catch (UnauthorizedAccessException)
        {
            TryDelete(temporary);
            return Errno.EIO;
        }
    }

    /// <summary>Removes the directories of images that are gone or changed; returns how many were removed.</summary>
    public static int Prune(string root)
    {
        if (!System.IO.Directory.Exists(root)) return 0;
        int removed = 0;
        foreach (string directory in System.IO.Directory.GetDirectories(root))
        {
            string? identity = null;
            try { identity = File.ReadAllText(Path.Combine(directory, ImageRecord)); }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException) { }
            string? image = identity?.Split('\n')[0];
            bool current = image != null && File.Exists(image) && Identity(image) == identity;
            // A directory another run is making has no record yet: left alone unless it is old.
            if (current || (identity == null && System.IO.Directory.GetLastWriteTimeUtc(directory) > DateTime.UtcNow.AddHours(-1))) continue;
            try
            {
                System.IO.Directory.Delete(directory, recursive: true);
                removed++;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException) { }
        }
        return removed;
    }

    /// <summary>Removes every image directory (`image prune --all`); returns how many.</summary>
    public static int RemoveAll(string root)
    {
        int removed = 0;
        foreach (string directory in System.IO.Directory.GetDirectories(root))
        {
            try
            {
                System.IO.Directory.Delete(directory, recursive: true);
                removed++;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException) { }
        }
        return removed;
    }

    /// <summary>
    /// A directory name for an image version: 128 bits of FNV-1a over its identity, in hex. Not SHA-256, whose first use
    /// loads OpenSSL and cost every run about 6 ms; the record in the directory settles any collision.
    /// </summary>
    private static string NameOf(string identity)
    {
        const ulong Prime = 0x100000001b3;
        ulong low = 0xcbf29ce484222325, high = 0x84222325cbf29ce4;
        foreach (char c in identity)
        {
            low = (low ^ c) * Prime;
            high = (high ^ c) * Prime;
            high ^= low >> 29;
        }
        return low.ToString("x16", System.Globalization.CultureInfo.InvariantCulture) + high.ToString("x16", System.Globalization.CultureInfo.InvariantCulture);
    }

    private static bool PruneNeeded(string root) => System.IO.Directory.GetDirectories(root).Length > PruneAbove;

    /// <summary>What names one version of an image: its path, then its host identity and times (a change moves ctime).</summary>
    private static string Identity(string imagePath)
    {
        string full = Path.GetFullPath(imagePath);
        var info = new FileInfo(full);
        (ulong dev, ulong ino, long ctimeNs) = HostFiles.FileIdentity(full);
        return string.Join('\n', full, dev, ino, info.Length, info.LastWriteTimeUtc.Ticks, ctimeNs) + "\n";
    }

    /// <summary>Makes the root if needed; true if it is a directory of this user's that no one else may write.</summary>
    private static bool PrivateDirectory(string root)
    {
        if (!OperatingSystem.IsLinux()) return false;
        System.IO.Directory.CreateDirectory(root, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var info = new DirectoryInfo(root);
        if (info.LinkTarget != null) return false;
        UnixFileMode others = UnixFileMode.GroupWrite | UnixFileMode.OtherWrite;
        return (info.UnixFileMode & others) == 0 && HostFiles.OwnedByMe(root);
    }

    private static void TryDelete(string path)
    {
        try { File.Delete(path); }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException) { }
    }
}
