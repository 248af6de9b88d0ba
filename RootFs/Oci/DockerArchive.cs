using System;
using System.Collections.Generic;
using System.Text.Json;
using UserKernel.RootFs.Image;

namespace UserKernel.RootFs.Oci;

/// <summary>
/// Reads a `docker save` archive: manifest.json lists each saved image's config file and layer
/// tars, lowest first. Older dockers name them ID.json and ID/layer.tar, newer ones
/// blobs/sha256/HEX; a blob name is checked as a digest, and every layer against the config's diff_ids.
/// </summary>
internal static class DockerArchive
{
    public static ContainerImage Read(IImageFiles files, Platform wanted)
    {
        string where = files.Source + ": manifest.json";
        var manifest = ContainerImage.ParseJson(files, "manifest.json", ContainerImage.ReadBlob(files, "manifest.json", null, null));
        if (manifest.ValueKind != JsonValueKind.Array)
            throw new ImageFormatException($"{where}: not a list of images");

        var seen = new List<Platform>();
        var chosen = new List<(JsonElement Entry, Platform Platform, byte[] Config)>();
        foreach (var entry in manifest.EnumerateArray())
        {
            string configPath = ContainerImage.StringProperty(entry, "Config", where) ?? throw new ImageFormatException($"{where}: an image without \"Config\"");
            var configBytes = ContainerImage.ReadBlob(files, configPath, ConfigDigest(configPath), null);
            var config = ContainerImage.ParseJson(files, configPath, configBytes);
            var platform = Platform.FromJson(config) ?? wanted;
            seen.Add(platform);
            if (wanted.Accepts(platform))
                chosen.Add((entry, platform, configBytes));
        }
        if (chosen.Count == 0)
            throw new ImageFormatException($"{files.Source}: no image for {wanted} in manifest.json; {ContainerImage.Listing(seen)}");
        if (chosen.Count > 1)
            throw new ImageFormatException($"{files.Source}: holds {chosen.Count} images for {wanted}; save one image to import it");

        var (image, chosenPlatform, bytes) = chosen[0];
        var diffIds = ContainerImage.DiffIds(ContainerImage.ParseJson(files, "config", bytes), where);
        var layers = new List<ImageLayer>();
        foreach (var layer in ContainerImage.ArrayProperty(image, "Layers", where))
        {
            string path = layer.ValueKind == JsonValueKind.String ? layer.GetString()! : throw new ImageFormatException($"{where}: a layer that is not a path");
            layers.Add(new ImageLayer(path, Digest.FromBlobPath(path), null, null, null));
        }
        if (diffIds.Count != layers.Count)
            throw new ImageFormatException($"{where}: {layers.Count} layers but the config lists {diffIds.Count} diff_ids");
        for (int i = 0; i < layers.Count; i++)
            layers[i] = layers[i] with { DiffId = diffIds[i] };
        return new ContainerImage(files, chosenPlatform, layers, bytes);
    }

    /// <summary>The digest a config's name promises: blobs/sha256/HEX, or HEX.json from older dockers.</summary>
    private static Digest? ConfigDigest(string path)
    {
        if (Digest.FromBlobPath(path) is Digest blob)
            return blob;
        if (path.EndsWith(".json", StringComparison.Ordinal) && !path.Contains('/'))
            return Digest.FromBlobPath("blobs/sha256/" + path[..^".json".Length]);
        return null;
    }
}
