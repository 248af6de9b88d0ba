using System;
using System.Collections.Generic;
using UserKernel.Kernel.Abi;
using UserKernel.Kernel.Vfs;

namespace UserKernel.Kernel.Filesystems.Overlay;

/// <summary>
/// Extended attributes of the overlay: the lower inode's until the first change, which copies them up
/// into the overlay's own set, as overlayfs copies xattrs up with the file.
/// </summary>
public sealed partial class OverlayInode
{
    private XattrSet? xattrs;

    public override Result<KeyValuePair<string, byte[]>[]> ListXattrs()
    {
        if (xattrs != null) return xattrs.ToArray();
        if (lower == null || !lower.ListXattrs().TryGet(out var fromLower, out _)) return Array.Empty<KeyValuePair<string, byte[]>>();
        return fromLower;
    }

    public override Result<byte[]> GetXattr(string name)
    {
        if (xattrs != null) return xattrs.Get(name);
        if (lower == null) return Errno.ENODATA;
        var fromLower = lower.GetXattr(name);
        // A lower filesystem without attributes simply has none of this name.
        return !fromLower.TryGet(out _, out Errno e) && e == Errno.EOPNOTSUPP ? Errno.ENODATA : fromLower;
    }

    public override Errno SetXattr(string name, byte[]? value, int flags)
    {
        if (xattrs == null)
        {
            if (!ListXattrs().TryGet(out var current, out Errno le)) return le;
            xattrs = new XattrSet(current);
        }
        Errno e = value == null ? xattrs.Remove(name) : xattrs.Set(name, value, flags);
        if (e == Errno.OK) ctime = Timespec.Now();
        return e;
    }
}
