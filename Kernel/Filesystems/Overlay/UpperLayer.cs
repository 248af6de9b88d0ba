using System;
using System.Collections.Generic;
using System.IO;
using UserKernel.Kernel.Abi;
using UserKernel.Kernel.Vfs;

namespace UserKernel.Kernel.Filesystems.Overlay;

/// <summary>
/// The upper layer of an overlay as an OCI layer records it: the difference between the merged tree and the
/// lower filesystem, path by path. New and changed objects are entries (a directory moved or made anew is
/// written whole); names gone from the lower layer are whiteouts; a directory that replaced a lower one is
/// opaque. Only what the guest touched is visited: a lower inode the overlay never wrapped is unchanged.
/// </summary>
public sealed class UpperLayer
{
    private const byte DT_DIR = 4;

    private readonly OverlaySuperBlock overlay;
    private readonly List<LayerChange> changes = new();
    private readonly Dictionary<OverlayInode, string> firstPath = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<OverlayInode, ulong> namesWritten = new(ReferenceEqualityComparer.Instance);
    private readonly HashSet<string> pathsWritten = new(StringComparer.Ordinal);

    private UpperLayer(OverlaySuperBlock overlay) { this.overlay = overlay; }

    /// <summary>
    /// The changes of <paramref name="overlay"/>'s upper layer, parents before children, names in ordinal order.
    /// Throws <see cref="IOException"/> if the lower filesystem cannot be read.
    /// </summary>
    public static IReadOnlyList<LayerChange> Of(OverlaySuperBlock overlay)
    {
        if (overlay.Lower is not { } lower) throw new InvalidOperationException("a filesystem without a lower layer has no layer to save");
        var walk = new UpperLayer(overlay);
        walk.DiffInPlace((OverlayInode)overlay.Root, "", lower.Root);
        walk.AddMissingHardLinks();
        return walk.changes;
    }

    /// <summary>A directory that shows <paramref name="below"/>, the lower directory at the same path.</summary>
    private void DiffInPlace(OverlayInode dir, string path, Inode below)
    {
        IReadOnlyDictionary<string, OverlayInode?>? upper = dir.UpperNames;
        var lowerInos = new Dictionary<string, ulong>(StringComparer.Ordinal);
        foreach (DirectoryEntry entry in Check(below.ReadDirectory(), path))
            if (entry.Name is not ("." or "..")) lowerInos[entry.Name] = entry.Ino;
        var names = new SortedSet<string>(lowerInos.Keys, StringComparer.Ordinal);
        if (upper != null) names.UnionWith(upper.Keys);

        foreach (string name in names)
        {
            string childPath = Join(path, name);
            if (upper != null && upper.TryGetValue(name, out OverlayInode? bound))
            {
                Inode? lowerChild = lowerInos.ContainsKey(name) ? Check(below.Lookup(name), childPath) : null;
                if (bound == null)
                {
                    if (lowerChild != null) Add(new LayerChange(LayerChangeKind.Whiteout, Join(path, LayerChange.WhiteoutPrefix + name)));
                }
                else if (lowerChild != null && ReferenceEquals(bound.LowerInode, lowerChild)) DiffChild(bound, childPath, lowerChild);
                else
                {
                    // New here, moved here or replacing what was here. A type change is spelled out with a whiteout
                    // (the spec lets a layer's own entry stand beside its whiteout); a directory over a directory is opaque.
                    if (lowerChild != null && lowerChild.IsDirectory != bound.IsDirectory)
                        Add(new LayerChange(LayerChangeKind.Whiteout, Join(path, LayerChange.WhiteoutPrefix + name)));
                    AddWhole(bound, childPath, opaque: lowerChild != null && lowerChild.IsDirectory && bound.IsDirectory);
                }
            }
            else if (overlay.Find(lowerInos[name]) is { } touched && touched.LowerInode is { } lowerChild)
                DiffChild(touched, childPath, lowerChild);
        }
    }

    /// <summary>An inode still at its lower path: written if it changed; a directory also if anything below it did.</summary>
    private void DiffChild(OverlayInode node, string path, Inode lowerNode)
    {
        if (!node.IsDirectory)
        {
            if (node.DiffersFromLower) AddEntry(node, path);
            return;
        }
        int mark = changes.Count;
        DiffInPlace(node, path, lowerNode);
        if (changes.Count > mark || node.DiffersFromLower)
        {
            changes.Insert(mark, new LayerChange(LayerChangeKind.Entry, path, node));
            pathsWritten.Add(path);
        }
    }

    /// <summary>An inode with everything below it, as the merged tree shows it.</summary>
    private void AddWhole(OverlayInode node, string path, bool opaque)
    {
        AddEntry(node, path);
        if (!node.IsDirectory) return;
        if (opaque) Add(new LayerChange(LayerChangeKind.Opaque, Join(path, LayerChange.OpaqueMarker)));
        var names = new SortedSet<string>(StringComparer.Ordinal);
        foreach (DirectoryEntry entry in Check(node.ReadDirectory(), path))
            if (entry.Name is not ("." or "..")) names.Add(entry.Name);
        foreach (string name in names)
            AddWhole((OverlayInode)Check(node.Lookup(name), Join(path, name)), Join(path, name), opaque: false);
    }

    /// <summary>An entry, or a hard link to the first name an earlier entry gave the same inode.</summary>
    private void AddEntry(OverlayInode node, string path)
    {
        if (!node.IsDirectory && firstPath.TryGetValue(node, out string? first))
            Add(new LayerChange(LayerChangeKind.HardLink, path, node, first));
        else
        {
            firstPath[node] = path;
            Add(new LayerChange(LayerChangeKind.Entry, path, node));
        }
        namesWritten[node] = namesWritten.GetValueOrDefault(node) + 1;
    }

    private void Add(LayerChange change)
    {
        changes.Add(change);
        pathsWritten.Add(change.Path);
    }

    /// <summary>
    /// A written file with more names than the layer holds has others the guest never touched, in the lower
    /// tree. Applied without them, the layer would split the file in two; so they are found and linked too.
    /// </summary>
    private void AddMissingHardLinks()
    {
        var missing = new HashSet<OverlayInode>(ReferenceEqualityComparer.Instance);
        foreach ((OverlayInode node, ulong written) in namesWritten)
            if (!node.IsDirectory && node.LinkCount > written) missing.Add(node);
        if (missing.Count > 0) SearchMerged((OverlayInode)overlay.Root, "", missing);
    }

    private void SearchMerged(OverlayInode dir, string path, HashSet<OverlayInode> missing)
    {
        IReadOnlyDictionary<string, OverlayInode?>? upper = dir.UpperNames;
        foreach (DirectoryEntry entry in Check(dir.ReadDirectory(), path))
        {
            if (entry.Name is "." or "..") continue;
            string childPath = Join(path, entry.Name);
            OverlayInode? known = upper != null && upper.TryGetValue(entry.Name, out OverlayInode? bound) ? bound
                : dir.LowerDirectory != null ? overlay.Find(entry.Ino) : null;
            if (known != null) FoundName(known, childPath, missing);
            if (entry.Type != DT_DIR) continue;
            if (known != null) SearchMerged(known, childPath, missing);
            else if (dir.LowerDirectory != null) SearchLower(Check(dir.LowerDirectory.Lookup(entry.Name), childPath), childPath, missing);
        }
    }

    /// <summary>A lower directory the guest never entered: only its files can be touched, through other names.</summary>
    private void SearchLower(Inode dir, string path, HashSet<OverlayInode> missing)
    {
        foreach (DirectoryEntry entry in Check(dir.ReadDirectory(), path))
        {
            if (entry.Name is "." or "..") continue;
            string childPath = Join(path, entry.Name);
            if (entry.Type == DT_DIR) SearchLower(Check(dir.Lookup(entry.Name), childPath), childPath, missing);
            else if (overlay.Find(entry.Ino) is { } known) FoundName(known, childPath, missing);
        }
    }

    private void FoundName(OverlayInode node, string path, HashSet<OverlayInode> missing)
    {
        if (!missing.Contains(node) || pathsWritten.Contains(path)) return;
        Add(new LayerChange(LayerChangeKind.HardLink, path, node, firstPath[node]));
        if ((namesWritten[node] += 1) >= node.LinkCount) missing.Remove(node);
    }

    private static string Join(string path, string name) => path.Length == 0 ? name : path + "/" + name;

    private static T Check<T>(Result<T> result, string path)
    {
        if (!result.TryGet(out T? value, out Errno e)) throw new IOException($"/{path}: {ErrnoNames.Message(e)}");
        return value;
    }
}
