using System.Collections.Generic;
using UserKernel.Kernel.Vfs;

namespace UserKernel.Kernel.Filesystems.Overlay;

/// <summary>What the upper layer holds of an inode, for saving the layer (see <see cref="UpperLayer"/>).</summary>
public sealed partial class OverlayInode
{
    /// <summary>The lower inode this one shows; null for an inode made in the upper layer.</summary>
    internal Inode? LowerInode => lower;

    /// <summary>A directory's lower directory; null for one made in the upper layer (which hides all below it).</summary>
    internal Inode? LowerDirectory => lowerDir;

    /// <summary>A directory's names bound (to an inode) or hidden (null) in the upper layer; null while it has none.</summary>
    internal IReadOnlyDictionary<string, OverlayInode?>? UpperNames => changes;

    /// <summary>
    /// Whether the inode differs from its lower one in what a layer records: it is new, its bytes were copied
    /// up, a name was bound in it, its extended attributes were set, or its mode, owner, modification time or (for a non-directory) link count
    /// changed. A change of atime or ctime alone is not kept.
    /// </summary>
    internal bool DiffersFromLower =>
        lower == null || content != null || changes != null || xattrs != null ||
        mode != lower.Mode || uid != lower.Uid || gid != lower.Gid || Mtime != lower.Mtime ||
        (!IsDirectory && links != lower.LinkCount);
}
