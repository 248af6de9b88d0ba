using System.Collections.Generic;
using UserKernel.Kernel.Abi;

namespace UserKernel.Kernel.Vfs;

/// <summary>
/// One entry of a directory listing, as getdents64 reports it. <paramref name="Position"/> is the
/// directory cursor at which the entry is read and <paramref name="NextPosition"/> its d_off, the
/// cursor after it; positions rise through a listing. A filesystem without positions of its own
/// numbers entries 0, 1, 2 … (<see cref="InListOrder"/>).
/// </summary>
public readonly record struct DirectoryEntry(string Name, ulong Ino, byte Type, long Position = 0, long NextPosition = 0)
{
    /// <summary>The entries with positions by index: entry i is at i and its d_off is i + 1.</summary>
    public static DirectoryEntry[] InListOrder(IReadOnlyList<DirectoryEntry> entries)
    {
        var list = new DirectoryEntry[entries.Count];
        for (int i = 0; i < list.Length; i++) list[i] = entries[i] with { Position = i, NextPosition = i + 1 };
        return list;
    }
}

/// <summary>
/// A file-system object: metadata, and for directories lookup and listing.
/// Names are kept as Latin-1 strings, which map bytes one to one, so no file name is ever mangled.
/// </summary>
public abstract partial class Inode
{
    protected Inode(SuperBlock superBlock, ulong ino) { SuperBlock = superBlock; Ino = ino; }

    public SuperBlock SuperBlock { get; }
    public ulong Ino { get; }

    public abstract uint Mode { get; }
    public virtual uint Uid => 0;
    public virtual uint Gid => 0;
    public virtual ulong LinkCount => 1;
    public virtual long Size => 0;
    public virtual long Blocks512 => 0;
    public virtual Timespec Atime => default;
    public virtual Timespec Mtime => default;
    public virtual Timespec Ctime => default;
    /// <summary>Creation time, when the filesystem records one.</summary>
    public virtual Timespec? Btime => null;
    public virtual ulong Rdev => 0;

    /// <summary>The st_dev stat reports: the filesystem's, unless the inode shows a host object under its own identity.</summary>
    public virtual ulong StatDevice => SuperBlock.Device;

    /// <summary>statx's stx_attributes that come from the filesystem (immutable, append-only...).</summary>
    public virtual ulong StatxAttributes => 0;

    /// <summary>Which stx_attributes bits this filesystem knows about.</summary>
    public virtual ulong StatxAttributesMask => 0;

    public bool IsDirectory => FileMode.IsDir(Mode);
    public bool IsSymlink => FileMode.IsLnk(Mode);
    public bool IsRegular => FileMode.IsReg(Mode);

    /// <summary>Finds a child of a directory. ENOENT if absent; ENOTDIR if this is no directory; EIO if the image is corrupt.</summary>
    public virtual Result<Inode> Lookup(string name) => Errno.ENOTDIR;

    /// <summary>Lists a directory, "." and ".." included. ENOTDIR if this is no directory.</summary>
    public virtual Result<IReadOnlyList<DirectoryEntry>> ReadDirectory() => Errno.ENOTDIR;

    /// <summary>The target of a symlink. EINVAL if this is no symlink.</summary>
    public virtual Result<byte[]> ReadLink() => Errno.EINVAL;

    /// <summary>Reads file content; returns bytes read, 0 at the end.</summary>
    public virtual Result<int> Read(long offset, System.Span<byte> buffer) => Errno.EINVAL;

    /// <summary>
    /// For a magic link (/proc/PID/fd/N of a pipe, a socket or an unlinked file): where it leads, which no path
    /// names. The path walk jumps there instead of reading the link's text, as Linux's nd_jump_link does.
    /// </summary>
    public virtual Dentry? LinkedObject => null;

    /// <summary>
    /// For a regular file whose bytes are kept on disk between runs (an image's, <see cref="ContentCache"/>): the path of the
    /// kernel's copy, made on first use, which guests' opens get instead of a memfd filled in each run. Null when the file
    /// has no such copy; an errno when it cannot be made.
    /// </summary>
    public virtual Result<string>? CachedContent => null;

    /// <summary>For device nodes backed by a host device: the host path the guest's open is forwarded to.</summary>
    public virtual string? HostDevicePath => null;

    /// <summary>
    /// Content made when the file is opened (procfs): every open gets a memfd of its own, rendered then,
    /// which the kernel closes once the guest holds it, instead of one memfd per inode kept for good.
    /// </summary>
    public virtual bool IsVolatile => false;
}
