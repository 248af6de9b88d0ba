using System;
using UserKernel.RootFs.Tree;

namespace UserKernel.RootFs.Layers;

/// <summary>
/// One entry of a layer archive, in archive order: a node to put at <see cref="Path"/>, or a hard
/// link to the file an earlier entry (or a lower layer) put at <see cref="HardLinkTarget"/>.
/// Whiteouts are ordinary entries whose name starts with ".wh."; <see cref="LayerApplier"/> knows them.
/// </summary>
public sealed record LayerEntry
{
    private LayerEntry(string path, TreeNode? node, string? hardLinkTarget)
    {
        Path = path;
        Node = node;
        HardLinkTarget = hardLinkTarget;
    }

    /// <summary>The entry's name in the archive ("./etc/passwd", "etc/", "usr/bin/.wh.vi").</summary>
    public string Path { get; }

    /// <summary>What the entry makes (a directory's children are not read); null for a hard link.</summary>
    public TreeNode? Node { get; }

    /// <summary>For a hard link, the archive name of the file it links to.</summary>
    public string? HardLinkTarget { get; }

    public static LayerEntry Of(string path, TreeNode node) =>
        new(path, node ?? throw new ArgumentNullException(nameof(node)), null);

    public static LayerEntry HardLink(string path, string target) =>
        new(path, null, target ?? throw new ArgumentNullException(nameof(target)));
}
