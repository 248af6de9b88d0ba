using System;
using System.Collections.Generic;
using UserKernel.Kernel.Abi;
using UserKernel.Kernel.Filesystems.Overlay;
using UserKernel.Kernel.Vfs;

namespace UserKernel.Kernel.Filesystems.Layer;

/// <summary>
/// An inode of a <see cref="LayerStackSuperBlock"/>: the topmost layer's inode of a name, whose number and
/// metadata it shows; for a directory, also the directories below it whose entries show through (for the root,
/// the roots of all layers, with the bottom one's metadata).
/// </summary>
public sealed class StackInode : Inode
{
    private readonly LayerStackSuperBlock stack;
    private readonly Inode top;
    private readonly Inode[] merged;
    private readonly StackInode? parent;

    internal StackInode(LayerStackSuperBlock stack, Inode top, Inode[] merged, StackInode? parent) : base(stack, top.Ino)
    {
        this.stack = stack;
        this.top = top;
        this.merged = merged;
        this.parent = parent;
    }

    public override uint Mode => top.Mode;
    public override uint Uid => top.Uid;
    public override uint Gid => top.Gid;
    public override ulong LinkCount => top.LinkCount;
    public override long Size => top.Size;
    public override long Blocks512 => top.Blocks512;
    public override Timespec Atime => top.Atime;
    public override Timespec Mtime => top.Mtime;
    public override Timespec Ctime => top.Ctime;
    public override Timespec? Btime => top.Btime;
    public override ulong Rdev => top.Rdev;
    public override ulong StatxAttributes => top.StatxAttributes;
    public override ulong StatxAttributesMask => top.StatxAttributesMask;
    public override string? HostDevicePath => top.HostDevicePath;
    public override Result<string>? CachedContent => top.CachedContent;

    public override Result<byte[]> ReadLink() => top.ReadLink();
    public override Result<int> Read(long offset, Span<byte> buffer) => top.Read(offset, buffer);
    public override Result<KeyValuePair<string, byte[]>[]> ListXattrs() => top.ListXattrs();
    public override Result<byte[]> GetXattr(string name) => top.GetXattr(name);

    public override Result<Inode> Lookup(string name)
    {
        if (!IsDirectory) return Errno.ENOTDIR;
        if (name.StartsWith(LayerChange.WhiteoutPrefix, StringComparison.Ordinal)) return Errno.ENOENT;
        var found = new List<Inode>();
        foreach (Inode dir in merged)
        {
            Result<Inode> r = dir.Lookup(name);
            if (r.TryGet(out Inode? inode, out Errno e))
            {
                if (found.Count > 0 && !inode.IsDirectory) break; // a non-directory ends the directories above it
                found.Add(inode);
                if (!inode.IsDirectory || IsOpaque(inode)) break;
            }
            else if (e != Errno.ENOENT) return e;
            if (dir.Lookup(LayerChange.WhiteoutPrefix + name).Ok) break; // hidden in the layers below this one
        }
        if (found.Count == 0) return Errno.ENOENT;
        return stack.Get(found[0], found.ToArray(), this);
    }

    /// <summary>The merged listing: each name once, from its topmost layer, whiteouts applied and left out.</summary>
    public override Result<IReadOnlyList<DirectoryEntry>> ReadDirectory()
    {
        if (!IsDirectory) return Errno.ENOTDIR;
        var list = new List<DirectoryEntry> { new(".", Ino, 4), new("..", parent?.Ino ?? Ino, 4) };
        var seen = new HashSet<string>(StringComparer.Ordinal) { ".", ".." };
        var hidden = new HashSet<string>(StringComparer.Ordinal);
        foreach (Inode dir in merged)
        {
            if (!dir.ReadDirectory().TryGet(out IReadOnlyList<DirectoryEntry>? entries, out Errno e)) return e;
            var whiteouts = new List<string>();
            foreach (DirectoryEntry entry in entries)
            {
                if (entry.Name.StartsWith(LayerChange.WhiteoutPrefix, StringComparison.Ordinal))
                {
                    // ".wh..wh.*" names (the opaque marker, aufs's bookkeeping) hide nothing.
                    if (!entry.Name.StartsWith(LayerChange.WhiteoutPrefix + LayerChange.WhiteoutPrefix, StringComparison.Ordinal))
                        whiteouts.Add(entry.Name[LayerChange.WhiteoutPrefix.Length..]);
                }
                else if (!hidden.Contains(entry.Name) && seen.Add(entry.Name)) list.Add(entry);
            }
            hidden.UnionWith(whiteouts);
        }
        return DirectoryEntry.InListOrder(list);
    }

    private static bool IsOpaque(Inode dir) => dir.Lookup(LayerChange.OpaqueMarker).Ok;
}
