using System;
using System.IO;
using UserKernel.RootFs.Image;
using UserKernel.RootFs.Sources;
using UserKernel.RootFs.Tree;

namespace UserKernel.RootFs.Layers;

// A layer read from its tar archive.
public sealed partial class LayerApplier
{
    /// <summary>
    /// Applies the layer tar <paramref name="layerTar"/> (plain, gzip, xz or zstd) onto
    /// <paramref name="tree"/>. <paramref name="source"/> reads the archive and spools the file
    /// contents; keep it until the tree has been written. Each entry is taken as the tar reader
    /// made it, in archive order, and applied with the layer rules.
    /// </summary>
    /// <param name="entryRead">Called with each entry's name, for progress reports.</param>
    public static void ApplyTar(FileTree tree, Stream layerTar, TarSource source, Action<string>? entryRead = null)
    {
        // The tar reader extracts into a scratch tree of this layer alone (so its hard links find
        // their targets and its contents are spooled); each entry, once there, is applied to the real tree.
        var scratch = new FileTree();
        var applier = new LayerApplier(tree);
        try
        {
            using var tar = Decompression.Open(layerTar, leaveOpen: true);
            source.Apply(scratch, tar, name =>
            {
                if (scratch.Lookup(name) is TreeNode node)
                    applier.Add(LayerEntry.Of(name, node));
                entryRead?.Invoke(name);
            });
            // The tar ends before the compressed stream does: reading on checks its trailer (gzip's CRC).
            tar.CopyTo(Stream.Null);
        }
        catch (Exception e) when (e is ZstdSharp.ZstdException or SharpCompress.Common.SharpCompressException or InvalidDataException)
        {
            // The decompressors have exceptions of their own for damaged data.
            throw new ImageFormatException($"corrupt layer: {e.Message}", e);
        }
        applier.Finish();
    }
}
