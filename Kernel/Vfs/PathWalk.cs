using System;
using UserKernel.Kernel.Abi;
using UserKernel.Kernel.Tasks;

namespace UserKernel.Kernel.Vfs;

/// <summary>
/// Path resolution as path_resolution(7) describes it (Linux's namei): component by component from
/// the root or a starting directory, following symlinks (absolute ones from the guest's root, at most
/// 40 in one walk), ".." stopping at the root, mount points crossed, trailing slashes demanding a directory.
/// </summary>
public sealed class PathWalk
{
    public const int NAME_MAX = 255;
    public const int MAXSYMLINKS = 40;

    private readonly MountTable mounts;

    public PathWalk(MountTable mounts) { this.mounts = mounts; }

    /// <summary>
    /// Resolves <paramref name="path"/> from <paramref name="start"/> as <paramref name="who"/>, who needs
    /// search permission on every directory the walk looks a name up in (the kernel's own lookups pass
    /// <see cref="Credentials.Root"/>).
    /// Errors: ENOENT (missing component or empty path), ENOTDIR (a non-directory used as a directory),
    /// EACCES (a directory without search permission), ELOOP (too many symlinks),
    /// ENAMETOOLONG (a component over NAME_MAX), EIO (corrupt image).
    /// <paramref name="root"/> is where absolute paths start and ".." stops: the caller's root directory
    /// (chroot(2)), the tree's root when not given.
    /// </summary>
    public Result<Dentry> Resolve(Credentials who, Dentry start, string path, bool followLastSymlink, Dentry? root = null)
    {
        int symlinks = 0;
        return Walk(who, start, path, followLastSymlink, root ?? mounts.Root, ref symlinks);
    }

    private Result<Dentry> Walk(Credentials who, Dentry start, string path, bool followLast, Dentry root, ref int symlinks)
    {
        if (path.Length == 0) return Errno.ENOENT;
        Dentry current = path[0] == '/' ? root : start;
        bool trailingSlash = path[^1] == '/';
        // Components are read from the path in place: a name becomes a string only where no dentry already holds it.
        ReadOnlySpan<char> rest = path.AsSpan().TrimStart('/');
        while (!rest.IsEmpty)
        {
            int slash = rest.IndexOf('/');
            ReadOnlySpan<char> component = slash < 0 ? rest : rest[..slash];
            rest = slash < 0 ? default : rest[slash..].TrimStart('/');
            bool last = rest.IsEmpty;
            if (!current.Inode.IsDirectory) return Errno.ENOTDIR;
            if (!Permissions.MaySearch(who, current.Inode)) return Errno.EACCES;
            if (component.Length > NAME_MAX) return Errno.ENAMETOOLONG;
            if (component is ".") continue;
            if (component is "..")
            {
                // ".." of the root directory is the root directory itself, in a chroot too.
                current = ReferenceEquals(current.Inode, root.Inode) ? current : current.Parent ?? root;
                continue;
            }

            string name = current.KnownChildName(component) ?? new string(component);
            if (!current.Inode.Lookup(name).TryGet(out Inode? found, out Errno error)) return error;
            found = mounts.Cross(found, out Mount? crossed);
            if (found.IsSymlink && (!last || followLast || trailingSlash))
            {
                if (++symlinks > MAXSYMLINKS) return Errno.ELOOP;
                if (found.LinkedObject is { } jump)
                {
                    current = jump;
                    continue;
                }
                if (!found.ReadLink().TryGet(out byte[]? target, out error)) return error;
                if (target.Length == 0) return Errno.ENOENT;
                if (!Walk(who, current, Names.FromBytes(target), true, root, ref symlinks).TryGet(out Dentry? resolved, out error)) return error;
                current = resolved;
            }
            else
            {
                current = current.Child(name, found, crossed);
            }
        }

        if (trailingSlash && !current.Inode.IsDirectory) return Errno.ENOTDIR;
        return current;
    }
}
