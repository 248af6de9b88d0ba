using System.Collections.Generic;
using UserKernel.Kernel.Vfs;

namespace UserKernel.Kernel.Filesystems.Layer;

/// <summary>
/// Read-only layers seen as one filesystem, as overlayfs stacks its lower directories (lowerdir=top:...:bottom):
/// the image at the bottom and saved layers above it, later ones on top. A name is the topmost layer's; a
/// directory merges the directories of that name in the layers below it, down to the first layer where the
/// name is no directory, is whited out (".wh.NAME" beside it) or is opaque (".wh..wh..opq" inside it).
/// Whiteout files themselves are never shown. An overlay over the stack gives the guest its writable root.
/// </summary>
public sealed class LayerStackSuperBlock : SuperBlock
{
    private readonly SuperBlock bottom;
    private readonly Dictionary<ulong, StackInode> inodes = new();
    private readonly StackInode root;
    private readonly ulong totalInodes;

    /// <summary>
    /// A stack of <paramref name="layers"/>, the bottom one first. Their inode numbers must not overlap (a
    /// <see cref="TreeSuperBlock"/> is numbered past the layers under it), since an inode keeps its number here.
    /// </summary>
    public LayerStackSuperBlock(IReadOnlyList<SuperBlock> layers, ulong device) : base(device)
    {
        bottom = layers[0];
        var roots = new Inode[layers.Count];
        for (int i = 0; i < layers.Count; i++)
        {
            roots[layers.Count - 1 - i] = layers[i].Root;
            totalInodes = System.Math.Max(totalInodes, layers[i].TotalInodes);
        }
        // The root shows the image's own: a layer tar seldom names "./", and a root it makes up has no real metadata.
        root = Get(bottom.Root, roots, parent: null);
    }

    public override Inode Root => root;
    public override string TypeName => bottom.TypeName;
    public override long Magic => bottom.Magic;
    public override long BlockSize => bottom.BlockSize;
    public override ulong TotalBlocks => bottom.TotalBlocks;
    public override ulong FreeBlocks => bottom.FreeBlocks;
    public override ulong TotalInodes => totalInodes;
    public override ulong FreeInodes => bottom.FreeInodes;

    /// <summary>
    /// The one stack inode whose topmost layer's inode is <paramref name="top"/>; <paramref name="merged"/> are
    /// the directories of its name, topmost first (just <paramref name="top"/> for anything else).
    /// </summary>
    internal StackInode Get(Inode top, Inode[] merged, StackInode? parent)
    {
        if (inodes.TryGetValue(top.Ino, out StackInode? known)) return known;
        var inode = new StackInode(this, top, merged, parent);
        inodes[top.Ino] = inode;
        return inode;
    }
}
