using System;
using System.Collections.Generic;
using System.Linq;
using UserKernel.RootFs.Image;
using UserKernel.RootFs.Tree;

namespace UserKernel.RootFs.Layers;

/// <summary>
/// Applies one OCI layer (a changeset) onto a <see cref="FileTree"/> with the image-spec's rules:
/// an entry replaces what was at its path, except that a directory over a directory only takes
/// the new attributes; ".wh.NAME" removes NAME and ".wh..wh..opq" empties its directory, but both
/// only remove what the lower layers made, never what this layer adds, wherever the marker sits
/// in the archive. Parent directories are made as needed, and a symlink on the way to an entry is
/// followed inside the tree (never out of it), as the container runtimes do for merged /usr images.
/// Create one applier per layer: <see cref="Add"/> each entry in archive order, then <see cref="Finish"/>.
/// </summary>
public sealed partial class LayerApplier
{
    public const string WhiteoutPrefix = ".wh.";
    public const string OpaqueMarker = ".wh..wh..opq";

    // Linux's MAXSYMLINKS: a loop of symlinks in a parent path is refused, not followed forever.
    private const int MaxSymlinks = 40;

    private readonly FileTree _tree;

    // Directory entries this layer made or passed through: (directory, name). What is not here came from below.
    private readonly HashSet<(TreeNode Dir, string Name)> _made = new();
    private readonly List<TreeNode> _opaque = new();
    private readonly List<List<string>> _whiteouts = new();

    public LayerApplier(FileTree tree) => _tree = tree ?? throw new ArgumentNullException(nameof(tree));

    /// <summary>Applies a whole layer: every entry, then its whiteouts.</summary>
    public static void Apply(FileTree tree, IEnumerable<LayerEntry> layer)
    {
        var applier = new LayerApplier(tree);
        foreach (var entry in layer)
            applier.Add(entry);
        applier.Finish();
    }

    /// <summary>Adds one entry of the layer; whiteouts are remembered and applied by <see cref="Finish"/>.</summary>
    public void Add(LayerEntry entry)
    {
        var names = SplitEntryPath(entry.Path);
        if (names.Count == 0)
        {
            if (entry.Node?.Kind != NodeKind.Directory)
                throw new ImageFormatException($"layer entry '{entry.Path}' would replace the root directory with a non-directory");
            _tree.Root.CopyMetadataFrom(entry.Node);
            return;
        }
        string name = names[^1];
        if (name.StartsWith(WhiteoutPrefix, StringComparison.Ordinal))
        {
            AddWhiteout(entry.Path, names);
            return;
        }
        var parent = WalkToParent(names, create: true)!;
        var node = entry.Node ?? HardLinkTarget(entry);
        var children = parent.Children!;
        if (node.Kind == NodeKind.Directory)
        {
            // Only the directory's own attributes: its entries come as entries of their own.
            if (!children.TryGetValue(name, out var dir) || dir.Kind != NodeKind.Directory)
                children[name] = dir = TreeNode.Directory();
            dir.CopyMetadataFrom(node);
        }
        else
        {
            children[name] = node;
        }
        _made.Add((parent, name));
    }

    /// <summary>Applies the layer's opaque directories and whiteouts to what the lower layers left.</summary>
    public void Finish()
    {
        foreach (var dir in _opaque)
            Prune(dir);
        foreach (var names in _whiteouts)
        {
            var parent = WalkToParent(names, create: false);
            string victim = names[^1];
            if (parent is null || !parent.Children!.TryGetValue(victim, out var node))
                continue;
            if (!_made.Contains((parent, victim)))
                parent.Children.Remove(victim);
            else if (node.Kind == NodeKind.Directory)
                Prune(node); // this layer remade it: only what is below it from lower layers goes
        }
        _opaque.Clear();
        _whiteouts.Clear();
    }

    private void AddWhiteout(string entryPath, List<string> names)
    {
        string name = names[^1];
        if (name == OpaqueMarker)
        {
            // The directory holding the marker exists in this layer, even if it named no entry for it.
            _opaque.Add(WalkToParent(names, create: true)!);
            return;
        }
        // Other ".wh..wh." names are aufs's own bookkeeping (hard link directories); they hide nothing.
        if (name.StartsWith(WhiteoutPrefix + WhiteoutPrefix, StringComparison.Ordinal))
            return;
        string victim = name[WhiteoutPrefix.Length..];
        if (victim is "" or "." or "..")
            throw new ImageFormatException($"layer entry '{entryPath}' is a whiteout of no file");
        var whiteout = new List<string>(names);
        whiteout[^1] = victim;
        _whiteouts.Add(whiteout);
    }

    /// <summary>The file a hard link entry names: it must exist already and not be a directory.</summary>
    private TreeNode HardLinkTarget(LayerEntry entry)
    {
        var names = SplitEntryPath(entry.HardLinkTarget!);
        var parent = names.Count == 0 ? null : WalkToParent(names, create: false);
        if (parent is null || !parent.Children!.TryGetValue(names[^1], out var target))
            throw new ImageFormatException($"layer entry '{entry.Path}' is a hard link to '{entry.HardLinkTarget}', which the layers have not made");
        if (target.Kind == NodeKind.Directory)
            throw new ImageFormatException($"layer entry '{entry.Path}' is a hard link to the directory '{entry.HardLinkTarget}'");
        return target;
    }

    /// <summary>Removes from <paramref name="dir"/>, at every depth, what this layer did not make.</summary>
    private void Prune(TreeNode dir)
    {
        foreach (var (name, child) in dir.Children!.ToList())
        {
            if (!_made.Contains((dir, name)))
                dir.Children!.Remove(name);
            else if (child.Kind == NodeKind.Directory)
                Prune(child);
        }
    }

    /// <summary>
    /// The directory that holds the last of <paramref name="names"/>, following symlinks inside the
    /// tree ("/" and ".." stop at its root). With <paramref name="create"/>, missing directories
    /// are made, a non-directory in the way is replaced by one, and every directory passed is
    /// marked as this layer's; without it, null when the way is not there.
    /// </summary>
    private TreeNode? WalkToParent(List<string> names, bool create)
    {
        var trail = new List<TreeNode> { _tree.Root };
        var pending = new Stack<string>();
        for (int i = names.Count - 2; i >= 0; i--)
            pending.Push(names[i]);
        int links = 0;
        while (pending.Count > 0)
        {
            string part = pending.Pop();
            if (part is "" or ".")
                continue;
            if (part == "..")
            {
                if (trail.Count > 1)
                    trail.RemoveAt(trail.Count - 1);
                continue;
            }
            var dir = trail[^1];
            dir.Children!.TryGetValue(part, out var child);
            if (child?.Kind == NodeKind.Symlink)
            {
                if (++links > MaxSymlinks)
                    throw new ImageFormatException($"layer entry '{string.Join('/', names)}': too many levels of symbolic links");
                string target = child.SymlinkTarget!;
                if (target.StartsWith('/'))
                    trail.RemoveRange(1, trail.Count - 1);
                var parts = target.Split('/');
                for (int i = parts.Length - 1; i >= 0; i--)
                    pending.Push(parts[i]);
                continue;
            }
            if (child is null || child.Kind != NodeKind.Directory)
            {
                if (!create)
                    return null;
                child = TreeNode.Directory(0x1ED /* 0755 */);
                dir.Children[part] = child;
            }
            if (create)
                _made.Add((dir, part));
            trail.Add(child);
        }
        return trail[^1];
    }

    /// <summary>The names of an archive path; "." and empty parts dropped, ".." refused.</summary>
    private static List<string> SplitEntryPath(string path)
    {
        var names = new List<string>();
        foreach (var part in path.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            if (part == ".")
                continue;
            if (part == "..")
                throw new ImageFormatException($"layer entry '{path}' climbs out of the root with '..'");
            names.Add(part);
        }
        return names;
    }
}
