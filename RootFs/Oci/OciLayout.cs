using System;
using System.Collections.Generic;
using System.Text.Json;
using UserKernel.RootFs.Image;

namespace UserKernel.RootFs.Oci;

/// <summary>
/// Reads an OCI image layout: oci-layout, index.json, and blobs/ALG/HEX named by their digests.
/// The index may list manifests for several platforms and may nest indexes; the first manifest
/// whose platform is the wanted one is taken, and its config and layers are named.
/// </summary>
internal static class OciLayout
{
    // Docker's manifest list and manifest are read as OCI's index and manifest: same shapes.
    private static readonly HashSet<string> IndexTypes = new(StringComparer.Ordinal)
    {
        "application/vnd.oci.image.index.v1+json",
        "application/vnd.docker.distribution.manifest.list.v2+json",
    };

    // An index inside an index inside ... : a cycle or a bomb past this depth.
    private const int MaxIndexDepth = 8;

    /// <summary>A manifest an index names, with the platform it is for (null until its config says).</summary>
    private sealed record Candidate(Digest Digest, long? Size, Platform? Platform);

    public static ContainerImage Read(IImageFiles files, Platform wanted)
    {
        var layout = ContainerImage.ParseJson(files, "oci-layout", ContainerImage.ReadBlob(files, "oci-layout", null, null));
        string? version = ContainerImage.StringProperty(layout, "imageLayoutVersion", files.Source + ": oci-layout");
        if (version is null || !version.StartsWith("1.", StringComparison.Ordinal))
            throw new ImageFormatException($"{files.Source}: oci-layout has imageLayoutVersion '{version}', not 1.x");

        var candidates = new List<Candidate>();
        var index = ContainerImage.ParseJson(files, "index.json", ContainerImage.ReadBlob(files, "index.json", null, null));
        Collect(files, index, "index.json", null, 0, candidates);

        var seen = new List<Platform>();
        foreach (var candidate in candidates)
        {
            // Only the chosen manifest is read (a layout may hold the blobs of one platform only),
            // unless the index gives no platform: then its config tells.
            var platform = candidate.Platform;
            if (platform is null)
            {
                var (_, config) = ReadConfig(files, ReadManifest(files, candidate.Digest, candidate.Size), candidate.Digest);
                platform = Platform.FromJson(config) ?? wanted;
            }
            seen.Add(platform);
            if (wanted.Accepts(platform))
                return Build(files, ReadManifest(files, candidate.Digest, candidate.Size), candidate.Digest, platform);
        }
        throw new ImageFormatException($"{files.Source}: no image for {wanted} in the index; {ContainerImage.Listing(seen)}");
    }

    /// <summary>Adds the manifests of an index to <paramref name="found"/>, in order, descending into nested indexes.</summary>
    private static void Collect(IImageFiles files, JsonElement index, string where, Platform? inherited, int depth, List<Candidate> found)
    {
        if (depth > MaxIndexDepth)
            throw new ImageFormatException($"{files.Source}: indexes nest deeper than {MaxIndexDepth}");
        foreach (var descriptor in ContainerImage.ArrayProperty(index, "manifests", $"{files.Source}: {where}"))
        {
            var (digest, size, mediaType) = ReadDescriptor(files, descriptor, where);
            var platform = descriptor.TryGetProperty("platform", out var p) ? Platform.FromJson(p) : null;
            platform ??= inherited;
            if (mediaType is not null && IndexTypes.Contains(mediaType))
            {
                var nested = ContainerImage.ParseJson(files, digest.BlobPath, ContainerImage.ReadBlob(files, digest.BlobPath, digest, size));
                Collect(files, nested, digest.BlobPath, platform, depth + 1, found);
            }
            else
            {
                found.Add(new Candidate(digest, size, platform));
            }
        }
    }

    private static JsonElement ReadManifest(IImageFiles files, Digest digest, long? size)
    {
        var manifest = ContainerImage.ParseJson(files, digest.BlobPath, ContainerImage.ReadBlob(files, digest.BlobPath, digest, size));
        if (manifest.ValueKind != JsonValueKind.Object || !manifest.TryGetProperty("layers", out _))
            throw new ImageFormatException($"{files.Source}: {digest.BlobPath} is not an image manifest (it has no layers)");
        return manifest;
    }

    private static (byte[] Bytes, JsonElement Config) ReadConfig(IImageFiles files, JsonElement manifest, Digest manifestDigest)
    {
        if (!manifest.TryGetProperty("config", out var descriptor))
            throw new ImageFormatException($"{files.Source}: manifest {manifestDigest} has no config");
        var (digest, size, _) = ReadDescriptor(files, descriptor, manifestDigest.BlobPath);
        var bytes = ContainerImage.ReadBlob(files, digest.BlobPath, digest, size);
        return (bytes, ContainerImage.ParseJson(files, digest.BlobPath, bytes));
    }

    private static ContainerImage Build(IImageFiles files, JsonElement manifest, Digest manifestDigest, Platform platform)
    {
        var (configBytes, config) = ReadConfig(files, manifest, manifestDigest);
        string where = $"{files.Source}: {manifestDigest.BlobPath}";
        var diffIds = ContainerImage.DiffIds(config, where);
        var layers = new List<ImageLayer>();
        foreach (var descriptor in ContainerImage.ArrayProperty(manifest, "layers", where))
        {
            var (digest, size, mediaType) = ReadDescriptor(files, descriptor, manifestDigest.BlobPath);
            if (mediaType is not null && !mediaType.Contains("tar", StringComparison.Ordinal))
                throw new ImageFormatException($"{where}: layer {layers.Count + 1} has media type {mediaType}, which is no tar layer");
            layers.Add(new ImageLayer(digest.BlobPath, digest, size, null, mediaType));
        }
        if (diffIds.Count == layers.Count)
            for (int i = 0; i < layers.Count; i++)
                layers[i] = layers[i] with { DiffId = diffIds[i] };
        else if (diffIds.Count != 0)
            throw new ImageFormatException($"{where}: {layers.Count} layers but the config lists {diffIds.Count} diff_ids");
        return new ContainerImage(files, platform, layers, configBytes);
    }

    private static (Digest Digest, long? Size, string? MediaType) ReadDescriptor(IImageFiles files, JsonElement descriptor, string where)
    {
        string at = $"{files.Source}: {where}";
        string text = ContainerImage.StringProperty(descriptor, "digest", at) ?? throw new ImageFormatException($"{at}: a descriptor has no digest");
        long? size = descriptor.TryGetProperty("size", out var s) && s.TryGetInt64(out long n) && n >= 0 ? n : null;
        return (Digest.Parse(text, at), size, ContainerImage.StringProperty(descriptor, "mediaType", at));
    }
}
