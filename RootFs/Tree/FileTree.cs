using System;
using System.Collections.Generic;

namespace UserKernel.RootFs.Tree;

/// <summary>
/// A whole root filesystem held as nodes: what image sources (a directory, a tarball, a
/// container image's layers, an existing image) produce and what the image writer consumes.
/// Paths are absolute or relative to the root, '/'-separated; "." parts are ignored and ".."
/// is refused, since a tree is built from untrusted archives.
/// </summary>
public sealed class FileTree
{
    public FileTree(TreeNode? root = null)
    {
        Root = root ?? TreeNode.Directory(0x1ED /* 0755 */);
        if (Root.Kind != NodeKind.Directory)
            throw new ArgumentException("the root of a tree is a directory", nameof(root));
    }

    public TreeNode Root { get; }

    /// <summary>The node at <paramref name="path"/>, without following symlinks; null if absent.</summary>
    public TreeNode? Lookup(string path)
    {
        var node = Root;
        foreach (var name in Split(path))
        {
            if (node.Children is null || !node.Children.TryGetValue(name, out var child))
                return null;
            node = child;
        }
        return node;
    }

    /// <summary>
    /// The directory at <paramref name="path"/>, creating missing ones (mode 0755, root-owned),
    /// as tar does for an entry whose parents the archive never named. A non-directory in the
    /// way is replaced.
    /// </summary>
    public TreeNode GetOrCreateDirectory(string path)
    {
        var node = Root;
        foreach (var name in Split(path))
        {
            var children = node.Children!;
            if (!children.TryGetValue(name, out var child) || child.Kind != NodeKind.Directory)
            {
                child = TreeNode.Directory(0x1ED /* 0755 */);
                children[name] = child;
            }
            node = child;
        }
        return node;
    }

    /// <summary>Puts <paramref name="node"/> at <paramref name="path"/>, replacing what was there.</summary>
    public void Add(string path, TreeNode node)
    {
        var (parent, name) = ParentAndName(path);
        GetOrCreateDirectory(parent).Children![name] = node;
    }

    /// <summary>Removes the entry at <paramref name="path"/> (a directory with all it holds).</summary>
    public bool Remove(string path)
    {
        var (parent, name) = ParentAndName(path);
        return Lookup(parent)?.Children?.Remove(name) ?? false;
    }

    /// <summary>Every entry below the root, parents before children, as ("/a/b", node).</summary>
    public IEnumerable<(string Path, TreeNode Node)> Walk()
    {
        var pending = new Stack<(string, TreeNode)>();
        pending.Push(("", Root));
        while (pending.Count > 0)
        {
            var (path, dir) = pending.Pop();
            var children = new List<(string, TreeNode)>();
            foreach (var (name, child) in dir.Children!)
            {
                var childPath = path + "/" + name;
                yield return (childPath, child);
                if (child.Kind == NodeKind.Directory)
                    children.Add((childPath, child));
            }
            for (int i = children.Count - 1; i >= 0; i--)
                pending.Push(children[i]);
        }
    }

    /// <summary>The names along <paramref name="path"/>; throws on ".." or an empty path name.</summary>
    public static List<string> Split(string path)
    {
        var names = new List<string>();
        foreach (var part in path.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            if (part == ".")
                continue;
            if (part == "..")
                throw new ArgumentException($"path '{path}' climbs out with '..'", nameof(path));
            names.Add(part);
        }
        return names;
    }

    private static (string Parent, string Name) ParentAndName(string path)
    {
        var names = Split(path);
        if (names.Count == 0)
            throw new ArgumentException($"path '{path}' names the root", nameof(path));
        return (string.Join('/', names.GetRange(0, names.Count - 1)), names[^1]);
    }
}
