using System;
using System.Collections.Generic;
using System.IO;
using System.Text.Json;
using UserKernel.RootFs.Image;
using UserKernel.RootFs.Images;
using UserKernel.RootFs.Layers;
using UserKernel.RootFs.Sources;
using UserKernel.RootFs.Tree;

namespace UserKernel.RootFs.Oci;

/// <summary>
/// Flattens a container image into one root filesystem: its layers applied in order with the
/// whiteout rules, each blob checked against its digest and each uncompressed tar against its
/// diff_id as it streams, and the config's Env, WorkingDir, User, Entrypoint and Cmd stored on
/// the root (<see cref="ImageConfig"/>) for `run` to use.
/// </summary>
public static class ContainerImageImporter
{
    /// <summary>
    /// The image's tree. <paramref name="source"/> spools the file contents: keep it until the
    /// tree has been written.
    /// </summary>
    /// <param name="progress">Called with (layer number from 1, layer count, entry name) as entries are read.</param>
    public static FileTree Import(ContainerImage image, TarSource source, Action<int, int, string>? progress = null)
    {
        var tree = new FileTree();
        for (int i = 0; i < image.Layers.Count; i++)
        {
            int number = i + 1;
            ApplyLayer(tree, image, image.Layers[i], number, source, name => progress?.Invoke(number, image.Layers.Count, name));
        }
        RunConfig(image)?.Store(tree.Root);
        return tree;
    }

    /// <summary>The "config" object of the image config as an <see cref="ImageConfig"/>; null when it sets nothing.</summary>
    public static ImageConfig? RunConfig(ContainerImage image)
    {
        string where = image.Files.Source + ": the image config";
        var root = ContainerImage.ParseJson(image.Files, "the image config", image.ConfigJson);
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("config", out var config) || config.ValueKind != JsonValueKind.Object)
            return null;
        var result = new ImageConfig
        {
            Env = Strings(config, "Env", where),
            WorkingDir = NonEmpty(ContainerImage.StringProperty(config, "WorkingDir", where)),
            User = NonEmpty(ContainerImage.StringProperty(config, "User", where)),
            Entrypoint = Strings(config, "Entrypoint", where),
            Cmd = Strings(config, "Cmd", where),
        };
        return result == new ImageConfig() ? null : result;
    }

    private static void ApplyLayer(FileTree tree, ContainerImage image, ImageLayer layer, int number, TarSource source, Action<string> entryRead)
    {
        string what = $"{image.Files.Source}: layer {number} ({layer.Path})";
        using var blob = image.Files.Open(layer.Path);
        using var blobCheck = layer.BlobDigest is Digest digest ? new VerifyingStream(blob, digest, layer.Size, what) : null;
        Stream raw = (Stream?)blobCheck ?? blob;
        Stream? tar = null;
        VerifyingStream? diffCheck = null; // disposed only at the end: it would dispose the decompressor, still read in the catch
        try
        {
            tar = Decompression.Open(raw, leaveOpen: true);
            diffCheck = layer.DiffId is Digest diffId ? new VerifyingStream(tar, diffId, null, what + " uncompressed") : null;
            LayerApplier.ApplyTar(tree, (Stream?)diffCheck ?? tar, source, entryRead);
            diffCheck?.Verify();
        }
        catch (Exception e) when (e is ImageFormatException or InvalidDataException or IOException
            or ZstdSharp.ZstdException or SharpCompress.Common.SharpCompressException)
        {
            // Damage the decompressor finds further on says more than the garbage it made of the tar first...
            ImageFormatException? damage = null;
            try
            {
                if (tar is not null)
                    Decompression.ThrowIfDamaged(tar);
            }
            catch (ImageFormatException found)
            {
                damage = found;
            }
            // ...but a damaged blob often breaks its decompression first: the digest says what really happened.
            blobCheck?.Verify();
            if (damage is not null)
                throw new ImageFormatException($"{what}: {damage.Message}", damage);
            // A digest check of the uncompressed layer names the layer already.
            if (e is ImageFormatException && e.Message.StartsWith(what, StringComparison.Ordinal))
                throw;
            throw new ImageFormatException($"{what}: {e.Message}", e);
        }
        finally
        {
            diffCheck?.Dispose();
            tar?.Dispose();
        }
        blobCheck?.Verify();
    }

    private static List<string>? Strings(JsonElement config, string name, string where)
    {
        if (!config.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
            return null;
        var list = new List<string>();
        foreach (var item in ContainerImage.ArrayProperty(config, name, where))
            list.Add(item.ValueKind == JsonValueKind.String ? item.GetString()! : throw new ImageFormatException($"{where}: \"{name}\" holds a non-string"));
        return list;
    }

    private static string? NonEmpty(string? text) => string.IsNullOrEmpty(text) ? null : text;
}
