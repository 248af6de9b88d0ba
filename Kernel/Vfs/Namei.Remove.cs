using System.Collections.Generic;
using UserKernel.Kernel.Abi;

namespace UserKernel.Kernel.Vfs;

/// <summary>The calls that take names away or move them: unlink, rmdir, rename (do_unlinkat, do_rmdir, do_renameat2).</summary>
public sealed partial class Namei
{
    public const uint RENAME_NOREPLACE = 1, RENAME_EXCHANGE = 2, RENAME_WHITEOUT = 4;

    /// <summary>
    /// do_unlinkat and do_rmdir: the parent; "." and ".."; the mount taken for writing (EROFS before the name is looked
    /// up, so a missing name is EROFS on a read-only mount); the name; its type; may_delete; mount points.
    /// </summary>
    public Errno UnlinkAt(PathAt at, bool rmdir, FsCaller who)
    {
        if (!LookupParent(at, who).TryGet(out LastName last, out Errno e)) return e;
        if (!last.IsNormal) return !rmdir ? Errno.EISDIR : last.Name == "." ? Errno.EINVAL : last.Name == ".." ? Errno.ENOTEMPTY : Errno.EBUSY;
        if ((e = last.Parent.WantWrite()) != Errno.OK) return e;
        if (!last.Lookup().TryGet(out Inode? child, out e)) return e;
        if (!rmdir && last.TrailingSlash) return child.IsDirectory ? Errno.EISDIR : Errno.ENOTDIR;
        Inode dir = last.Parent.Inode;
        if ((e = MayDelete(dir, child, who)) != Errno.OK) return e;
        if (rmdir != child.IsDirectory) return rmdir ? Errno.ENOTDIR : Errno.EISDIR;
        if (IsMountPoint(child)) return Errno.EBUSY;
        if ((e = rmdir ? dir.Rmdir(last.Name) : dir.Unlink(last.Name)) != Errno.OK) return e;
        fsnotify.Delete(dir, last.Name, child);
        return Errno.OK;
    }

    /// <summary>
    /// do_renameat2, in its order: flags; both parents; one mount (EXDEV); "." and ".."; the mount taken for writing
    /// (EROFS); the names; may_delete of both; loops; types; mount points. RENAME_WHITEOUT is refused (EINVAL).
    /// </summary>
    public Errno RenameAt(PathAt oldAt, PathAt newAt, uint flags, FsCaller who)
    {
        if ((flags & ~(RENAME_NOREPLACE | RENAME_EXCHANGE | RENAME_WHITEOUT)) != 0) return Errno.EINVAL;
        if ((flags & RENAME_NOREPLACE) != 0 && (flags & RENAME_EXCHANGE) != 0) return Errno.EINVAL;
        if ((flags & RENAME_WHITEOUT) != 0) return Errno.EINVAL;
        bool exchange = (flags & RENAME_EXCHANGE) != 0, noReplace = (flags & RENAME_NOREPLACE) != 0;

        if (!LookupParent(oldAt, who).TryGet(out LastName from, out Errno e)) return e;
        if (!LookupParent(newAt, who).TryGet(out LastName to, out e)) return e;
        if (!SameMount(from.Parent, to.Parent)) return Errno.EXDEV;
        if (!from.IsNormal) return Errno.EBUSY;
        if (!to.IsNormal) return noReplace ? Errno.EEXIST : Errno.EBUSY;
        if ((e = from.Parent.WantWrite()) != Errno.OK) return e;

        if (!from.Lookup().TryGet(out Inode? moving, out e)) return e;
        bool targetExists = to.Lookup().TryGet(out Inode? target, out e);
        if (!targetExists && (exchange || e != Errno.ENOENT)) return e;
        if (targetExists && noReplace) return Errno.EEXIST;
        if (!moving.IsDirectory && (from.TrailingSlash || (to.TrailingSlash && !exchange))) return Errno.ENOTDIR;
        if (exchange && !target!.IsDirectory && to.TrailingSlash) return Errno.ENOTDIR;
        if (ReferenceEquals(moving, target)) return Errno.OK;

        if ((e = MayDelete(from.Parent.Inode, moving, who)) != Errno.OK) return e;
        if ((e = targetExists ? MayDelete(to.Parent.Inode, target!, who) : MayCreate(to.Parent.Inode, who)) != Errno.OK) return e;
        // A directory cannot move below itself; a target that is an ancestor of the source is not empty.
        if (IsAncestor(moving, to.Parent)) return Errno.EINVAL;
        if (targetExists && IsAncestor(target!, from.Parent)) return exchange ? Errno.EINVAL : Errno.ENOTEMPTY;
        if (targetExists && !exchange)
        {
            if (moving.IsDirectory && !target!.IsDirectory) return Errno.ENOTDIR;
            if (!moving.IsDirectory && target!.IsDirectory) return Errno.EISDIR;
        }
        if (IsMountPoint(moving) || (targetExists && IsMountPoint(target!))) return Errno.EBUSY;
        if ((e = from.Parent.Inode.Rename(from.Name, to.Parent.Inode, to.Name, exchange)) != Errno.OK) return e;
        var held = new List<Dentry>(heldDentries());
        Dentry.Move(held, from.Parent.Inode, from.Name, moving, to.Parent, to.Name);
        if (exchange) Dentry.Move(held, to.Parent.Inode, to.Name, target!, from.Parent, from.Name);
        fsnotify.Move(from.Parent.Inode, from.Name, to.Parent.Inode, to.Name, moving, targetExists ? target : null, exchange);
        return Errno.OK;
    }
}
