using UserKernel.Kernel.Vfs;

namespace UserKernel.Kernel.Filesystems.Overlay;

/// <summary>What one entry of an OCI layer says about a path.</summary>
public enum LayerChangeKind
{
    /// <summary>The path holds <see cref="LayerChange.Inode"/>: its metadata and, for a regular file, its bytes.</summary>
    Entry,

    /// <summary>The path is another name of the file written earlier at <see cref="LayerChange.LinkTarget"/>.</summary>
    HardLink,

    /// <summary>A ".wh.NAME" file: NAME of the lower layers is gone.</summary>
    Whiteout,

    /// <summary>A ".wh..wh..opq" file: nothing of the lower layers' directory shows through.</summary>
    Opaque,
}

/// <summary>
/// One entry of a layer. <see cref="Path"/> is relative to the root, '/'-separated, in the VFS's Latin-1 form
/// of the name bytes; for whiteouts and opaque markers it is the marker file's own path.
/// </summary>
public readonly record struct LayerChange(LayerChangeKind Kind, string Path, Inode? Inode = null, string? LinkTarget = null)
{
    /// <summary>The prefix of a whiteout file's name (OCI image-spec, layer.md).</summary>
    public const string WhiteoutPrefix = ".wh.";

    /// <summary>The name of the marker that makes a directory opaque.</summary>
    public const string OpaqueMarker = ".wh..wh..opq";
}
