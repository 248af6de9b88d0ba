using System;
using UserKernel.Kernel.Abi;
using UserKernel.Kernel.Vfs;

namespace UserKernel.Kernel.Filesystems.Overlay;

/// <summary>
/// An inode of the overlay: a lower inode seen through the upper layer, or one made in the upper layer.
/// Metadata (mode, owner, link count, times) is the overlay's own from the start, copied from the lower
/// inode, so chmod or chown never touch the lower layer. A regular file's bytes stay the lower file's until
/// the first write, which copies them into a file of the <see cref="ContentStore"/> (copy-up); from then on size
/// and times come from it, since guests write to it natively.
/// </summary>
public sealed partial class OverlayInode : Inode
{
    private const int CopyChunk = 1 << 16;

    private readonly OverlaySuperBlock fs;
    private readonly Inode? lower;
    private uint mode, uid, gid;
    private ulong links;
    private Timespec atime, mtime, ctime;
    private readonly Timespec? btime;
    private StoredFile? content;
    private readonly byte[]? target;
    private ulong rdev; // a device node made by mknod in the upper layer

    /// <summary>The overlay's view of <paramref name="lower"/>, with its number and metadata.</summary>
    internal OverlayInode(OverlaySuperBlock fs, Inode lower) : base(fs, lower.Ino)
    {
        this.fs = fs;
        this.lower = lower;
        (mode, uid, gid, links) = (lower.Mode, lower.Uid, lower.Gid, lower.LinkCount);
        (atime, mtime, ctime, btime) = (lower.Atime, lower.Mtime, lower.Ctime, lower.Btime);
        if (IsDirectory) lowerDir = lower;
    }

    /// <summary>A new inode of the upper layer; a directory starts empty (which makes it opaque).</summary>
    internal OverlayInode(OverlaySuperBlock fs, ulong ino, uint mode, uint uid, uint gid, byte[]? target = null) : base(fs, ino)
    {
        this.fs = fs;
        (this.mode, this.uid, this.gid) = (mode, uid, gid);
        links = IsDirectory ? 2UL : 1UL;
        atime = mtime = ctime = Timespec.Now();
        btime = atime;
        this.target = target;
    }

    public override uint Mode => mode;
    public override uint Uid => uid;
    public override uint Gid => gid;
    public override ulong LinkCount => links;
    public override Timespec? Btime => btime;
    public override ulong Rdev => lower?.Rdev ?? rdev;
    public override string? HostDevicePath => lower?.HostDevicePath;
    public override ulong StatxAttributes => lower?.StatxAttributes ?? 0;
    public override ulong StatxAttributesMask => lower?.StatxAttributesMask ?? 0;
    public override string? ContentPath => content?.Path;

    // Until the copy-up, the bytes are the lower file's, and so is its kept copy.
    public override Result<string>? CachedContent => content == null ? lower?.CachedContent : null;

    public override long Size =>
        content != null ? content.Stat().Size : target != null ? target.Length : lower?.Size ?? (IsDirectory ? 4096 : 0);

    public override long Blocks512 => content != null ? content.Stat().Blocks512 : lower?.Blocks512 ?? (IsDirectory ? 8 : 0);
    public override Timespec Atime => content != null ? content.Stat().Atime : atime;
    public override Timespec Mtime => content != null ? content.Stat().Mtime : mtime;
    // A guest's write moves the stored file's mtime and ctime together; its ctime alone also moves with what the kernel
    // does to the stored file (the copy-up, a link for inotify), which changes nothing the guest sees. An mtime the
    // kernel set itself (utimensat, perhaps in the future) is no write: ctime is then the kernel's, from that change.
    public override Timespec Ctime => content == null ? ctime
        : content.Stat().Mtime is var written && written != mtimeSet ? Timespec.Max(written, ctime) : ctime;

    /// <summary>The stored file's mtime as the kernel last set it (utimensat), until a guest's write moves it.</summary>
    private Timespec? mtimeSet;

    public override Result<int> Read(long offset, Span<byte> buffer)
    {
        if (content != null) return content.Read(offset, buffer);
        return lower != null ? lower.Read(offset, buffer) : 0;
    }

    public override Result<byte[]> ReadLink()
    {
        if (!IsSymlink) return Errno.EINVAL;
        return target ?? lower?.ReadLink() ?? Errno.EINVAL;
    }

    /// <summary>Copy-up: the lower file's bytes and times into a file of the store (ENOSPC past its size).</summary>
    public override Errno PrepareWrite()
    {
        if (!IsRegular) return Errno.EINVAL;
        if (content != null) return Errno.OK;
        if (!fs.Store.Create().TryGet(out StoredFile? made, out Errno e)) return e;
        if (lower != null)
        {
            byte[] chunk = new byte[CopyChunk];
            for (long offset = 0; ;)
            {
                if (!lower.Read(offset, chunk).TryGet(out int n, out e)) return e;
                if (n == 0) break;
                if ((e = made.Write(offset, chunk.AsSpan(0, n))) != Errno.OK)
                {
                    made.Delete();
                    return e;
                }
                offset += n;
            }
            made.SetTimes(atime, mtime);
        }
        content = made;
        return Errno.OK;
    }

    public override Errno SetAttributes(uint? mode = null, uint? uid = null, uint? gid = null,
        Timespec? atime = null, Timespec? mtime = null, long? size = null)
    {
        Errno e;
        if (size is long length)
        {
            if ((e = PrepareWrite()) != Errno.OK) return e;
            if ((e = content!.Truncate(length)) != Errno.OK) return e;
        }
        if (mode is uint m) this.mode = (this.mode & FileMode.S_IFMT) | (m & 0xFFF);
        if (uid is uint u) this.uid = u;
        if (gid is uint g) this.gid = g;
        if (atime != null || mtime != null)
        {
            if (content != null) content.SetTimes(atime, mtime);
            if (content != null && mtime != null) mtimeSet = content.Stat().Mtime;
            this.atime = atime ?? this.atime;
            this.mtime = mtime ?? this.mtime;
        }
        ctime = Timespec.Now();
        return Errno.OK;
    }

    public override void ReleaseContent()
    {
        if (links != 0 || content == null) return;
        content.Delete();
        content = null;
    }

    /// <summary>Gives a new regular file its (empty) stored file at once: there are no lower bytes to keep.</summary>
    internal Errno MakeContent() => PrepareWrite();

    /// <summary>One more or one fewer name (or, for a directory, subdirectory) leads here.</summary>
    internal void AddLinks(int delta)
    {
        bool lastName = links > 0 && (long)links + delta <= 0;
        links = (ulong)Math.Max(0, (long)links + delta);
        ctime = Timespec.Now();
        // Its last name went: the stored bytes stay only for the guests that hold the file open, as on Linux.
        if (lastName && IsRegular) content?.Delete();
    }

    internal void TouchChanged() => mtime = ctime = Timespec.Now();
}
