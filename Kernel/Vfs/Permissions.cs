using UserKernel.Kernel.Abi;
using UserKernel.Kernel.Tasks;

namespace UserKernel.Kernel.Vfs;

/// <summary>The classic Unix permission check (owner, group, other), with root's exemptions.</summary>
public static class Permissions
{
    /// <summary>Whether <paramref name="who"/> may access <paramref name="inode"/> for R_OK|W_OK|X_OK in <paramref name="mode"/>.</summary>
    public static bool May(Credentials who, Inode inode, int mode)
    {
        uint perm = inode.Mode;
        if (who.Uid == 0)
        {
            // Root may read and write anything, and execute anything with at least one x bit (or a directory).
            return (mode & AccessMode.X_OK) == 0 || inode.IsDirectory || (perm & 0x49) != 0;
        }
        uint bits = who.Uid == inode.Uid ? (perm >> 6) & 7 : who.Gid == inode.Gid ? (perm >> 3) & 7 : perm & 7;
        return ((uint)mode & ~bits) == 0;
    }

    public static bool MaySearch(Credentials who, Inode dir) => May(who, dir, AccessMode.X_OK);
}
