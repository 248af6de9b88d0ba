using System;
using System.Collections.Generic;
using UserKernel.Kernel.Abi;
using UserKernel.Kernel.Vfs;

namespace UserKernel.Kernel.Tests;

/// <summary>A tiny in-memory filesystem for path-walk tests: directories, files and symlinks.</summary>
internal sealed class TreeFileSystem : SuperBlock
{
    private ulong nextIno = 2;
    private readonly Node root;

    public TreeFileSystem() : base(1) { root = new Node(this, nextIno++, FileMode.S_IFDIR | 0x1ED, null); }

    public override Inode Root => root;
    public override string TypeName => "test";
    public override long Magic => 1;

    /// <summary>Whether the filesystem says it is read-only (as an image without an overlay is); true unless set.</summary>
    public bool IsReadOnlyFilesystem { get; init; } = true;
    public override bool ReadOnly => IsReadOnlyFilesystem;

    public Node Dir(string path) => Add(path, FileMode.S_IFDIR | 0x1ED, null);
    /// <summary>A root-owned directory with permission bits <paramref name="perm"/>.</summary>
    public Node Dir(string path, uint perm) => Add(path, FileMode.S_IFDIR | perm, null);
    public Node File(string path) => Add(path, FileMode.S_IFREG | 0x1A4, null);
    public Node Symlink(string path, string target) => Add(path, FileMode.S_IFLNK | 0x1FF, target);

    private Node Add(string path, uint mode, string? target)
    {
        Node dir = root;
        string[] parts = path.Trim('/').Split('/');
        for (int i = 0; i < parts.Length - 1; i++) dir = dir.Children[parts[i]];
        var node = new Node(this, nextIno++, mode, target);
        dir.Children[parts[^1]] = node;
        return node;
    }

    internal sealed class Node : Inode
    {
        private readonly string? target;

        public Node(SuperBlock sb, ulong ino, uint mode, string? target) : base(sb, ino)
        {
            Mode = mode;
            this.target = target;
        }

        public Dictionary<string, Node> Children { get; } = new();
        public override uint Mode { get; }

        public override Result<Inode> Lookup(string name) =>
            !IsDirectory ? Errno.ENOTDIR : Children.TryGetValue(name, out Node? n) ? n : Errno.ENOENT;

        public override Result<byte[]> ReadLink() => target != null ? Names.ToBytes(target) : Errno.EINVAL;

        /// <summary>Regular files are empty.</summary>
        public override Result<int> Read(long offset, Span<byte> buffer) => IsRegular ? 0 : Errno.EINVAL;

        /// <summary>".", ".." (this directory's own number) and the children, at positions 0, 1, 2 ….</summary>
        public override Result<IReadOnlyList<DirectoryEntry>> ReadDirectory()
        {
            if (!IsDirectory) return Errno.ENOTDIR;
            var list = new List<DirectoryEntry> { new(".", Ino, 4), new("..", Ino, 4) };
            foreach ((string name, Node node) in Children) list.Add(new DirectoryEntry(name, node.Ino, FileMode.ToDirentType(node.Mode)));
            return DirectoryEntry.InListOrder(list);
        }
    }
}
