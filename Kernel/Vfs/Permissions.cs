using UserKernel.Kernel.Abi;
using UserKernel.Kernel.Tasks;

namespace UserKernel.Kernel.Vfs;

/// <summary>
/// The classic Unix permission check (generic_permission): the owner's bits if the filesystem uid owns
/// the inode, else the group's bits if the filesystem gid or a supplementary group is its group, else
/// the others' bits; then the capabilities that override them (root holds both): CAP_DAC_OVERRIDE reads and
/// writes anything, searches any directory and executes a file with at least one x bit, CAP_DAC_READ_SEARCH
/// reads anything and searches any directory. access(2) checks with <see cref="Credentials.ForAccess"/>.
/// </summary>
public static class Permissions
{
    /// <summary>Whether <paramref name="who"/> may access <paramref name="inode"/> for R_OK|W_OK|X_OK in <paramref name="mode"/>.</summary>
    public static bool May(Credentials who, Inode inode, int mode) => May(who, inode.Mode, inode.Uid, inode.Gid, inode.IsDirectory, mode);

    /// <summary>The check on the bare attributes: permission bits, owner, group, whether a directory.</summary>
    public static bool May(Credentials who, uint perm, uint uid, uint gid, bool directory, int mode)
    {
        uint bits = who.Fsuid == uid ? (perm >> 6) & 7 : who.InGroup(gid) ? (perm >> 3) & 7 : perm & 7;
        if (((uint)mode & ~bits) == 0) return true;
        // generic_permission's overrides: CAP_DAC_OVERRIDE reads and writes anything and executes what has an
        // x bit (and searches any directory); CAP_DAC_READ_SEARCH reads any file and reads or searches any directory.
        if (who.Capable(Capabilities.CAP_DAC_OVERRIDE) && ((mode & AccessMode.X_OK) == 0 || directory || (perm & 0x49) != 0))
            return true;
        int readOrSearch = directory ? AccessMode.R_OK | AccessMode.X_OK : AccessMode.R_OK;
        return who.Capable(Capabilities.CAP_DAC_READ_SEARCH) && (mode & ~readOrSearch) == 0;
    }

    /// <summary>inode_owner_or_capable: the filesystem uid owns the inode, or the caller has CAP_FOWNER (chmod, utimes, O_NOATIME).</summary>
    public static bool IsOwnerOrCapable(Credentials who, Inode inode) => who.Fsuid == inode.Uid || who.Capable(Capabilities.CAP_FOWNER);

    /// <summary>Search (x) permission on a directory, which a path walk needs for every directory it passes.</summary>
    public static bool MaySearch(Credentials who, Inode dir) => May(who, dir, AccessMode.X_OK);
}
