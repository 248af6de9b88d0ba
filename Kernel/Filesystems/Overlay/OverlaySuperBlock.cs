using System.Collections.Generic;
using UserKernel.Kernel.Abi;
using UserKernel.Kernel.Vfs;

namespace UserKernel.Kernel.Filesystems.Overlay;

/// <summary>
/// A writable filesystem over a read-only one (the image): Linux's overlayfs with an upper layer that lives
/// in the kernel's memory. Nothing is ever written to the lower filesystem. Every lower inode is seen through
/// one <see cref="OverlayInode"/> (so hard links stay one inode and mount points are recognised); names
/// created, removed or renamed are recorded in the directories of the upper layer, and a file's bytes are
/// copied into a file of the <see cref="ContentStore"/> the first time it is written.
/// </summary>
public class OverlaySuperBlock : Vfs.SuperBlock
{
    private readonly Vfs.SuperBlock? lower;
    private readonly Dictionary<ulong, OverlayInode> byLowerIno = new();
    private readonly OverlayInode root;
    private ulong nextIno;

    /// <summary>An overlay whose lower layer is <paramref name="lower"/> and whose upper layer starts empty.</summary>
    public OverlaySuperBlock(Vfs.SuperBlock lower, ulong device, ContentStore store) : base(device)
    {
        this.lower = lower;
        Store = store;
        // New inodes are numbered past every number the lower filesystem can have.
        nextIno = lower.TotalInodes + 1;
        root = Wrap(lower.Root);
    }

    /// <summary>A filesystem with no lower layer (tmpfs): its root is an empty directory.</summary>
    protected OverlaySuperBlock(ulong device, uint rootMode, ContentStore store) : base(device)
    {
        Store = store;
        nextIno = 1;
        root = NewInode(FileMode.S_IFDIR | rootMode, 0, 0);
    }

    public override Inode Root => root;
    public override string TypeName => "overlay";
    public override long Magic => 0x794c7630; // OVERLAYFS_SUPER_MAGIC
    public override bool ReadOnly => readOnly;

    private bool readOnly;

    /// <summary>
    /// From now on the overlay refuses changes as a read-only mount does (a container's read-only root, whose mount
    /// points were made in it first).
    /// </summary>
    public void MakeReadOnly() => readOnly = true;
    public override long BlockSize => lower?.BlockSize ?? 4096;

    /// <summary>Where the upper layer's file bytes live.</summary>
    public ContentStore Store { get; }

    // statfs reports the upper layer, as overlayfs does: its room is the content store's (the --disk-size limit, or the
    // disk's), counted on top of what the lower layer already holds.
    public override ulong TotalBlocks => (lower != null ? lower.TotalBlocks - lower.FreeBlocks : 0) + Store.Blocks(BlockSize).Total;
    public override ulong FreeBlocks => Store.Blocks(BlockSize).Free;
    public override ulong TotalInodes => (lower != null ? lower.TotalInodes - lower.FreeInodes : 0) + Store.Blocks(BlockSize).Total / 2;
    public override ulong FreeInodes => Store.Blocks(BlockSize).Free / 2;

    /// <summary>The read-only filesystem under the upper layer; null for tmpfs.</summary>
    internal Vfs.SuperBlock? Lower => lower;

    /// <summary>The overlay inode already made for the lower inode numbered <paramref name="lowerIno"/>, if any: none means untouched.</summary>
    internal OverlayInode? Find(ulong lowerIno) => byLowerIno.TryGetValue(lowerIno, out OverlayInode? known) ? known : null;

    /// <summary>The one overlay inode that shows <paramref name="lowerInode"/>; it keeps the lower inode's number.</summary>
    internal OverlayInode Wrap(Inode lowerInode)
    {
        if (byLowerIno.TryGetValue(lowerInode.Ino, out OverlayInode? known)) return known;
        var inode = new OverlayInode(this, lowerInode);
        byLowerIno[lowerInode.Ino] = inode;
        return inode;
    }

    /// <summary>A new inode of the upper layer, with the next free number, owned by <paramref name="uid"/>:<paramref name="gid"/>.</summary>
    internal OverlayInode NewInode(uint mode, uint uid, uint gid, byte[]? symlinkTarget = null) =>
        new(this, nextIno++, mode, uid, gid, symlinkTarget);
}
