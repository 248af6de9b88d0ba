using UserKernel.Kernel.Abi;
using UserKernel.Kernel.Tasks;

namespace UserKernel.Kernel.Vfs;

/// <summary>
/// The classic Unix permission check (generic_permission): the owner's bits if the filesystem uid owns
/// the inode, else the group's bits if the filesystem gid or a supplementary group is its group, else
/// the others' bits. Root (fsuid 0) may read and write anything, search any directory and execute
/// a file with at least one x bit. access(2) checks with <see cref="Credentials.ForAccess"/>.
/// </summary>
public static class Permissions
{
    /// <summary>Whether <paramref name="who"/> may access <paramref name="inode"/> for R_OK|W_OK|X_OK in <paramref name="mode"/>.</summary>
    public static bool May(Credentials who, Inode inode, int mode) => May(who, inode.Mode, inode.Uid, inode.Gid, inode.IsDirectory, mode);

    /// <summary>The check on the bare attributes: permission bits, owner, group, whether a directory.</summary>
    public static bool May(Credentials who, uint perm, uint uid, uint gid, bool directory, int mode)
    {
        if (who.Fsuid == 0)
            return (mode & AccessMode.X_OK) == 0 || directory || (perm & 0x49) != 0;
        uint bits = who.Fsuid == uid ? (perm >> 6) & 7 : who.InGroup(gid) ? (perm >> 3) & 7 : perm & 7;
        return ((uint)mode & ~bits) == 0;
    }

    /// <summary>Search (x) permission on a directory, which a path walk needs for every directory it passes.</summary>
    public static bool MaySearch(Credentials who, Inode dir) => May(who, dir, AccessMode.X_OK);
}
