using System;
using System.Collections.Generic;
using UserKernel.Kernel.Abi;
using UserKernel.Kernel.Tasks;
using UserKernel.Kernel.Vfs;

namespace UserKernel.Kernel.Extensions;

/// <summary>
/// One mount of a <see cref="FileSystemType"/>: the kernel it is for, the device number its superblock takes, the source
/// and the options (the comma-separated data of mount(2), or what follows the second colon of --mount).
/// </summary>
public sealed class MountRequest
{
    internal MountRequest(GuestKernel kernel, ulong device, string source, string options, bool byGuest, Credentials credentials,
        Dentry? cwd = null, Dentry? root = null)
    {
        this.cwd = cwd ?? kernel.Mounts.Root;
        this.root = root ?? kernel.Mounts.Root;
        Kernel = kernel;
        Device = device;
        Source = source;
        Options = options;
        ByGuest = byGuest;
        Credentials = credentials;
    }

    private readonly Dentry cwd, root;

    public GuestKernel Kernel { get; }

    /// <summary>The st_dev every inode of the new superblock reports.</summary>
    public ulong Device { get; }

    /// <summary>mount(2)'s source ("none", or the file a filesystem is read from); with --mount, the source= option.</summary>
    public string Source { get; }

    /// <summary>The options, comma-separated ("ro,size=1m"), as the user or the guest wrote them.</summary>
    public string Options { get; }

    /// <summary>
    /// Whether a guest asked for the mount (mount(2)) rather than the user (--mount). A guest's source names a file of
    /// the guest's tree, never a host path: <see cref="ReadSource"/> keeps that apart.
    /// </summary>
    public bool ByGuest { get; }

    /// <summary>Who asks: the guest process calling mount(2), or root for --mount.</summary>
    public Credentials Credentials { get; }

    /// <summary>Each option as a name and a value (null for a flag such as "ro").</summary>
    public IEnumerable<(string Name, string? Value)> ParsedOptions
    {
        get
        {
            foreach (string part in Options.Split(',', StringSplitOptions.RemoveEmptyEntries))
            {
                int eq = part.IndexOf('=');
                yield return eq < 0 ? (part, null) : (part[..eq], part[(eq + 1)..]);
            }
        }
    }

    /// <summary>
    /// The bytes of the file <see cref="Source"/> names: a file of the guest's tree when a guest mounts (read through the
    /// kernel's VFS with the caller's permissions), a host file when the user does. ENOENT, EACCES, EISDIR, EIO.
    /// </summary>
    public Result<byte[]> ReadSource()
    {
        if (ByGuest) return ReadGuestFile();
        try { return System.IO.File.ReadAllBytes(Source); }
        catch (System.IO.FileNotFoundException) { return Errno.ENOENT; }
        catch (System.IO.DirectoryNotFoundException) { return Errno.ENOENT; }
        catch (UnauthorizedAccessException) { return Errno.EACCES; }
        catch (System.IO.IOException) { return Errno.EIO; }
    }

    private Result<byte[]> ReadGuestFile()
    {
        if (!Kernel.Walk.Resolve(Credentials, cwd, Source, true, root).TryGet(out Dentry? found, out Errno e)) return e;
        Inode inode = found.Inode;
        if (inode.IsDirectory) return Errno.EISDIR;
        if (!inode.IsRegular) return Errno.EINVAL;
        if (!Permissions.May(Credentials, inode, AccessMode.R_OK)) return Errno.EACCES;
        var bytes = new List<byte>();
        byte[] chunk = new byte[65536];
        for (long offset = 0; ;)
        {
            if (!inode.Read(offset, chunk).TryGet(out int n, out e)) return e;
            if (n == 0) return bytes.ToArray();
            bytes.AddRange(chunk.AsSpan(0, n).ToArray());
            offset += n;
        }
    }
}
