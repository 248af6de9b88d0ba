using System;
using System.Collections.Generic;

namespace UserKernel.RootFs.Tree;

/// <summary>
/// One inode of a <see cref="FileTree"/>: its type, permission bits, owner, times, extended
/// attributes and what the type carries (children, content, link target, device numbers).
/// A hard link is the same node reached from two directories; writers count links by identity.
/// </summary>
public sealed class TreeNode
{
    private TreeNode(NodeKind kind, uint mode)
    {
        Kind = kind;
        Mode = mode & 0xFFF;
        var now = Timestamp.Now;
        Atime = Mtime = Ctime = now;
        if (kind == NodeKind.Directory)
            Children = new SortedDictionary<string, TreeNode>(StringComparer.Ordinal);
    }

    public NodeKind Kind { get; }

    /// <summary>The permission and set-id bits (07777); the type is <see cref="Kind"/>.</summary>
    public uint Mode { get; set; }
    public uint Uid { get; set; }
    public uint Gid { get; set; }
    public Timestamp Atime { get; set; }
    public Timestamp Mtime { get; set; }
    public Timestamp Ctime { get; set; }

    /// <summary>Extended attributes by full name ("user.x", "security.capability", ...).</summary>
    public Dictionary<string, byte[]> Xattrs { get; } = new(StringComparer.Ordinal);

    /// <summary>A directory's entries by name, in ordinal order; null for other kinds.</summary>
    public SortedDictionary<string, TreeNode>? Children { get; }

    /// <summary>A regular file's bytes.</summary>
    public FileContent? Content { get; set; }

    /// <summary>A symlink's target, as stored (not resolved).</summary>
    public string? SymlinkTarget { get; set; }

    public uint DeviceMajor { get; set; }
    public uint DeviceMinor { get; set; }

    /// <summary>Stat's S_IFMT bits for <see cref="Kind"/> or'ed with <see cref="Mode"/>.</summary>
    public uint StatMode => TypeBits(Kind) | Mode;

    public static TreeNode Directory(uint mode = 0x1ED /* 0755 */) => new(NodeKind.Directory, mode);

    public static TreeNode File(FileContent content, uint mode = 0x1A4 /* 0644 */) =>
        new(NodeKind.Regular, mode) { Content = content ?? throw new ArgumentNullException(nameof(content)) };

    public static TreeNode Symlink(string target) =>
        new(NodeKind.Symlink, 0x1FF /* 0777 */) { SymlinkTarget = target ?? throw new ArgumentNullException(nameof(target)) };

    public static TreeNode Device(NodeKind kind, uint major, uint minor, uint mode = 0x1A4 /* 0644 */)
    {
        if (kind is not (NodeKind.CharDevice or NodeKind.BlockDevice))
            throw new ArgumentException("a device node is a character or block device", nameof(kind));
        return new TreeNode(kind, mode) { DeviceMajor = major, DeviceMinor = minor };
    }

    public static TreeNode Fifo(uint mode = 0x1A4 /* 0644 */) => new(NodeKind.Fifo, mode);

    public static TreeNode Socket(uint mode = 0x1ED /* 0755 */) => new(NodeKind.Socket, mode);

    /// <summary>A node of the given stat(2) type bits, for sources that read st_mode.</summary>
    public static NodeKind KindOf(uint statMode) => (statMode & 0xF000) switch
    {
        0x4000 => NodeKind.Directory,
        0x8000 => NodeKind.Regular,
        0xA000 => NodeKind.Symlink,
        0x2000 => NodeKind.CharDevice,
        0x6000 => NodeKind.BlockDevice,
        0x1000 => NodeKind.Fifo,
        0xC000 => NodeKind.Socket,
        _ => throw new ArgumentException("unknown file type bits 0" + Convert.ToString(statMode & 0xF000, 8), nameof(statMode)),
    };

    public static uint TypeBits(NodeKind kind) => kind switch
    {
        NodeKind.Directory => 0x4000,
        NodeKind.Regular => 0x8000,
        NodeKind.Symlink => 0xA000,
        NodeKind.CharDevice => 0x2000,
        NodeKind.BlockDevice => 0x6000,
        NodeKind.Fifo => 0x1000,
        NodeKind.Socket => 0xC000,
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    /// <summary>Owner, mode, times and xattrs of <paramref name="other"/> copied onto this node.</summary>
    public void CopyMetadataFrom(TreeNode other)
    {
        Mode = other.Mode;
        Uid = other.Uid;
        Gid = other.Gid;
        Atime = other.Atime;
        Mtime = other.Mtime;
        Ctime = other.Ctime;
        Xattrs.Clear();
        foreach (var (name, value) in other.Xattrs)
            Xattrs[name] = value;
    }
}
