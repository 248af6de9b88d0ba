using UserKernel.Kernel.Filesystems.Overlay;

namespace UserKernel.Kernel.Filesystems.Tmpfs;

/// <summary>
/// tmpfs: a filesystem that starts empty and goes with the run. It is the overlay's upper layer with nothing under
/// it, so its directories, names and stored files are the overlay's own machinery (file bytes in the
/// <see cref="Vfs.ContentStore"/>, within its size).
/// </summary>
public sealed class TmpfsSuperBlock : OverlaySuperBlock
{
    /// <summary>A new, empty tmpfs whose root has the permission bits <paramref name="rootMode"/> (1777 for /tmp).</summary>
    public TmpfsSuperBlock(ulong device, Vfs.ContentStore store, uint rootMode = 0x3FF /* 01777 */) : base(device, rootMode, store) { }

    public override string TypeName => "tmpfs";
    public override long Magic => 0x01021994; // TMPFS_MAGIC
}
