using System;
using System.Text;
using UserKernel.Kernel.Abi;
using UserKernel.Kernel.Guest;
using UserKernel.Kernel.Tasks;
using UserKernel.Kernel.Vfs;
using UserKernel.Kernel.Vfs.Notify;

namespace UserKernel.Kernel.Syscalls;

/// <summary>
/// The extended-attribute family: get, list, set and remove, each by path, by path without following
/// a final symlink (l-), and by descriptor (f-). Checks follow fs/xattr.c: the name and size first,
/// then the path, then EROFS, then xattr_permission. POSIX ACLs (system.*) are not kept: EOPNOTSUPP,
/// as on a filesystem mounted without ACL support.
/// </summary>
public static partial class Sys
{
    private const int XATTR_NAME_MAX = 255;
    private const int XATTR_SIZE_MAX = 65536;
    private const int XATTR_LIST_MAX = 65536;
    private const ulong StatxAttrImmutable = 0x10, StatxAttrAppend = 0x20;

    public static SyscallResult Getxattr(SyscallContext ctx) => GetXattr(ctx, byFd: false, follow: true);
    public static SyscallResult Lgetxattr(SyscallContext ctx) => GetXattr(ctx, byFd: false, follow: false);
    public static SyscallResult Fgetxattr(SyscallContext ctx) => GetXattr(ctx, byFd: true, follow: true);
    public static SyscallResult Listxattr(SyscallContext ctx) => ListXattr(ctx, byFd: false, follow: true);
    public static SyscallResult Llistxattr(SyscallContext ctx) => ListXattr(ctx, byFd: false, follow: false);
    public static SyscallResult Flistxattr(SyscallContext ctx) => ListXattr(ctx, byFd: true, follow: true);
    public static SyscallResult Setxattr(SyscallContext ctx) => SetXattr(ctx, byFd: false, follow: true);
    public static SyscallResult Lsetxattr(SyscallContext ctx) => SetXattr(ctx, byFd: false, follow: false);
    public static SyscallResult Fsetxattr(SyscallContext ctx) => SetXattr(ctx, byFd: true, follow: true);
    public static SyscallResult Removexattr(SyscallContext ctx) => RemoveXattr(ctx, byFd: false, follow: true);
    public static SyscallResult Lremovexattr(SyscallContext ctx) => RemoveXattr(ctx, byFd: false, follow: false);
    public static SyscallResult Fremovexattr(SyscallContext ctx) => RemoveXattr(ctx, byFd: true, follow: true);

    private static SyscallResult GetXattr(SyscallContext ctx, bool byFd, bool follow)
    {
        if (!XattrName(ctx, 1).TryGet(out string? name, out Errno e)) return e;
        if (!XattrTarget(ctx, byFd, follow).TryGet(out Dentry? d, out e)) return e;
        if (d == null) return SyscallResult.RunOnHost;
        if ((e = XattrPermission(ctx, d.Inode, name, AccessMode.R_OK)) != Errno.OK) return e;
        if (!KeptNamespace(name)) return Errno.EOPNOTSUPP;
        if (!d.Inode.GetXattr(name).TryGet(out byte[]? value, out e)) return e;
        return CopyOutSized(ctx, value, ctx.PtrArg(2), (long)Math.Min(ctx.Arg(3), XATTR_SIZE_MAX));
    }

    private static SyscallResult ListXattr(SyscallContext ctx, bool byFd, bool follow)
    {
        if (!XattrTarget(ctx, byFd, follow).TryGet(out Dentry? d, out Errno e)) return e;
        if (d == null) return SyscallResult.RunOnHost;
        if (!d.Inode.ListXattrs().TryGet(out var attributes, out e)) return e;
        bool privileged = Caller(ctx).Capable(Capabilities.CAP_SYS_ADMIN);
        var names = new StringBuilder();
        foreach (var (name, _) in attributes)
        {
            // Only a privileged caller sees the trusted.* namespace.
            if (name.StartsWith("trusted.", StringComparison.Ordinal) && !privileged) continue;
            names.Append(name).Append('\0');
        }
        byte[] list = Names.ToBytes(names.ToString());
        if (list.Length > XATTR_LIST_MAX) return Errno.E2BIG;
        return CopyOutSized(ctx, list, ctx.PtrArg(1), (long)Math.Min(ctx.Arg(2), XATTR_LIST_MAX));
    }

    private static SyscallResult SetXattr(SyscallContext ctx, bool byFd, bool follow)
    {
        int flags = ctx.IntArg(4);
        if ((flags & ~(XattrSet.XATTR_CREATE | XattrSet.XATTR_REPLACE)) != 0) return Errno.EINVAL;
        if (!XattrName(ctx, 1).TryGet(out string? name, out Errno e)) return e;
        ulong size = ctx.Arg(3);
        if (size > XATTR_SIZE_MAX) return Errno.E2BIG;
        byte[] value = new byte[size];
        if (size > 0 && ctx.Memory.Read(ctx.PtrArg(2), value) != Errno.OK) return Errno.EFAULT;
        if (!XattrTarget(ctx, byFd, follow).TryGet(out Dentry? d, out e)) return e;
        if (d == null) return SyscallResult.RunOnHost;
        if ((e = XattrWritable(ctx, d, name)) != Errno.OK) return e;
        return ctx.Kernel.Fsnotify.Change(d, AttributeChange.Attributes, () => d.Inode.SetXattr(name, value, flags));
    }

    private static SyscallResult RemoveXattr(SyscallContext ctx, bool byFd, bool follow)
    {
        if (!XattrName(ctx, 1).TryGet(out string? name, out Errno e)) return e;
        if (!XattrTarget(ctx, byFd, follow).TryGet(out Dentry? d, out e)) return e;
        if (d == null) return SyscallResult.RunOnHost;
        if ((e = XattrWritable(ctx, d, name)) != Errno.OK) return e;
        return ctx.Kernel.Fsnotify.Change(d, AttributeChange.Attributes, () => d.Inode.SetXattr(name, null, 0));
    }

    /// <summary>The object argument 0 names: a path (following a final symlink or not) or a descriptor.</summary>
    private static Result<Dentry?> XattrTarget(SyscallContext ctx, bool byFd, bool follow) =>
        byFd ? FileOf(ctx, ctx.IntArg(0)) : ResolveAt(ctx, AtFlags.AT_FDCWD, 0, follow);

    /// <summary>An attribute name: ERANGE when empty or longer than XATTR_NAME_MAX, as strncpy_from_user's caller answers.</summary>
    private static Result<string> XattrName(SyscallContext ctx, int arg)
    {
        if (!ctx.Memory.ReadCString(ctx.PtrArg(arg), XATTR_NAME_MAX + 1).TryGet(out byte[]? bytes, out Errno e))
            return e == Errno.ENAMETOOLONG ? Errno.ERANGE : e;
        return bytes.Length == 0 ? Errno.ERANGE : Names.FromBytes(bytes);
    }

    /// <summary>What set and remove check once the object is found: EROFS, then xattr_permission, then the namespace.</summary>
    private static Errno XattrWritable(SyscallContext ctx, Dentry file, string name)
    {
        Errno e = file.WantWrite();
        if (e != Errno.OK) return e;
        e = XattrPermission(ctx, file.Inode, name, AccessMode.W_OK);
        if (e != Errno.OK) return e;
        if (!KeptNamespace(name)) return Errno.EOPNOTSUPP;
        // The security module lets only a caller with CAP_SYS_ADMIN write security.* names.
        if (name.StartsWith("security.", StringComparison.Ordinal) && !Caller(ctx).Capable(Capabilities.CAP_SYS_ADMIN)) return Errno.EPERM;
        return Errno.OK;
    }

    /// <summary>xattr_permission: who may read (R_OK) or write (W_OK) the attribute <paramref name="name"/>.</summary>
    private static Errno XattrPermission(SyscallContext ctx, Inode inode, string name, int mask)
    {
        bool write = mask == AccessMode.W_OK;
        if (write && (inode.StatxAttributes & (StatxAttrImmutable | StatxAttrAppend)) != 0) return Errno.EPERM;
        if (name.StartsWith("security.", StringComparison.Ordinal) || name.StartsWith("system.", StringComparison.Ordinal))
            return Errno.OK;
        var who = Caller(ctx);
        if (name.StartsWith("trusted.", StringComparison.Ordinal))
            return who.Capable(Capabilities.CAP_SYS_ADMIN) ? Errno.OK : write ? Errno.EPERM : Errno.ENODATA;
        if (name.StartsWith("user.", StringComparison.Ordinal))
        {
            if (!inode.IsRegular && !inode.IsDirectory) return write ? Errno.EPERM : Errno.ENODATA;
            bool sticky = (inode.Mode & 0x200) != 0;
            if (inode.IsDirectory && sticky && write && who.Uid != inode.Uid && !who.Capable(Capabilities.CAP_FOWNER)) return Errno.EPERM;
        }
        return Permissions.May(who, inode, mask) ? Errno.OK : Errno.EACCES;
    }

    /// <summary>The namespaces kept: user, trusted and security. system.* would be POSIX ACLs.</summary>
    private static bool KeptNamespace(string name) =>
        name.StartsWith("user.", StringComparison.Ordinal) || name.StartsWith("trusted.", StringComparison.Ordinal)
        || name.StartsWith("security.", StringComparison.Ordinal);

    /// <summary>The getxattr/listxattr convention: size 0 asks for the length, a short buffer is ERANGE.</summary>
    private static SyscallResult CopyOutSized(SyscallContext ctx, byte[] bytes, GuestPtr buffer, long size)
    {
        if (size == 0) return bytes.Length;
        if (bytes.Length > size) return Errno.ERANGE;
        if (bytes.Length > 0 && ctx.Memory.Write(buffer, bytes) != Errno.OK) return Errno.EFAULT;
        return bytes.Length;
    }
}
