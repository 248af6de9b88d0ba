using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using UserKernel.RootFs.Tree;

namespace UserKernel.RootFs.Tests.Layers;

/// <summary>A tree written out one line per path (type, mode, owner, content or target), to compare trees whole.</summary>
public static class TreeListing
{
    public static string Of(FileTree tree) =>
        string.Join('\n', tree.Walk().OrderBy(e => e.Path, StringComparer.Ordinal).Select(e => Line(e.Path, e.Node)));

    public static string Line(string path, TreeNode node)
    {
        string what = node.Kind switch
        {
            NodeKind.Regular => "file " + Read(node.Content!),
            NodeKind.Symlink => "link -> " + node.SymlinkTarget,
            NodeKind.Directory => "dir",
            NodeKind.CharDevice or NodeKind.BlockDevice => $"{node.Kind} {node.DeviceMajor},{node.DeviceMinor}",
            _ => node.Kind.ToString(),
        };
        return $"{path} {Convert.ToString(node.Mode, 8).PadLeft(4, '0')} {node.Uid.ToString(CultureInfo.InvariantCulture)}:{node.Gid.ToString(CultureInfo.InvariantCulture)} {what}";
    }

    public static string Lines(params string[] lines) => string.Join('\n', lines.OrderBy(l => l.Split(' ')[0], StringComparer.Ordinal));

    private static string Read(FileContent content)
    {
        using var stream = content.Open();
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return "'" + reader.ReadToEnd() + "'";
    }
}

/// <summary>Short ways to write layer entries in tests.</summary>
public static class Entries
{
    public static LayerEntryBuilder Layer() => new();

    public sealed class LayerEntryBuilder : List<RootFs.Layers.LayerEntry>
    {
        public LayerEntryBuilder Dir(string path, uint mode = 0x1ED, uint uid = 0)
        {
            Add(RootFs.Layers.LayerEntry.Of(path, TreeNode.Directory(mode).WithOwner(uid)));
            return this;
        }

        public LayerEntryBuilder File(string path, string text, uint mode = 0x1A4, uint uid = 0)
        {
            Add(RootFs.Layers.LayerEntry.Of(path, TreeNode.File(FileContent.FromBytes(Encoding.UTF8.GetBytes(text)), mode).WithOwner(uid)));
            return this;
        }

        public LayerEntryBuilder Symlink(string path, string target)
        {
            Add(RootFs.Layers.LayerEntry.Of(path, TreeNode.Symlink(target)));
            return this;
        }

        public LayerEntryBuilder Link(string path, string target)
        {
            Add(RootFs.Layers.LayerEntry.HardLink(path, target));
            return this;
        }

        public LayerEntryBuilder Whiteout(string path)
        {
            Add(RootFs.Layers.LayerEntry.Of(path, TreeNode.File(FileContent.FromBytes([]), 0)));
            return this;
        }
    }

    private static TreeNode WithOwner(this TreeNode node, uint uid)
    {
        node.Uid = uid;
        node.Gid = uid;
        return node;
    }
}
