using System;
using System.Collections.Generic;
using System.IO;
using System.Text.Json;
using UserKernel.RootFs.Image;

namespace UserKernel.RootFs.Oci;

/// <summary>
/// A container image found on disk: an OCI image layout (a directory, or a tar of one) or a
/// `docker save` tarball. It names the chosen platform's layers, lowest first, and holds the
/// image config, every JSON blob checked against its digest. Layers are read later, by
/// <see cref="ContainerImageImporter"/>, and checked as they stream.
/// </summary>
public sealed class ContainerImage : IDisposable
{
    // Manifests, indexes and configs are small; a bigger one is a broken or hostile image.
    private const long MaxJsonBytes = 32 << 20;

    internal ContainerImage(IImageFiles files, Platform platform, IReadOnlyList<ImageLayer> layers, byte[] config)
    {
        Files = files;
        Platform = platform;
        Layers = layers;
        ConfigJson = config;
    }

    public IImageFiles Files { get; }

    /// <summary>The platform of the chosen image.</summary>
    public Platform Platform { get; }

    /// <summary>The layers, lowest first.</summary>
    public IReadOnlyList<ImageLayer> Layers { get; }

    /// <summary>The image config blob (application/vnd.oci.image.config.v1+json), as stored.</summary>
    public byte[] ConfigJson { get; }

    /// <summary>
    /// Opens <paramref name="source"/>: a directory or a tar file holding an OCI image layout
    /// (oci-layout and index.json) or a docker save (manifest.json), and picks the image for
    /// <paramref name="platform"/> (linux/amd64 by default). Everything wrong is an <see cref="ImageFormatException"/>.
    /// </summary>
    public static ContainerImage Open(string source, Platform? platform = null)
    {
        IImageFiles files = Directory.Exists(source) ? new DirectoryImageFiles(source)
            : File.Exists(source) ? TarImageFiles.OpenArchive(source)
            : throw new ImageFormatException($"{source}: no such file or directory");
        try
        {
            var wanted = platform ?? Platform.Default;
            if (files.Exists("oci-layout"))
                return OciLayout.Read(files, wanted);
            if (files.Exists("manifest.json"))
                return DockerArchive.Read(files, wanted);
            throw new ImageFormatException($"{source}: neither an OCI image layout (no oci-layout file) nor a docker save archive (no manifest.json)");
        }
        catch
        {
            files.Dispose();
            throw;
        }
    }

    public void Dispose() => Files.Dispose();

    /// <summary>The bytes of a small file of the image, checked against <paramref name="digest"/> and <paramref name="size"/> when given.</summary>
    internal static byte[] ReadBlob(IImageFiles files, string path, Digest? digest, long? size)
    {
        long length = files.Length(path);
        if (length > MaxJsonBytes)
            throw new ImageFormatException($"{files.Source}: {path} is {ImageFormatException.FormatSize(length)}, too big for a manifest or config");
        var bytes = new byte[length];
        using (var stream = files.Open(path))
        {
            using var verifying = digest is Digest d ? new VerifyingStream(stream, d, size, $"{files.Source}: {path}") : null;
            (verifying ?? stream).ReadExactly(bytes);
            verifying?.Verify();
        }
        return bytes;
    }

    /// <summary>Parses JSON, naming the file when it is not valid.</summary>
    internal static JsonElement ParseJson(IImageFiles files, string path, byte[] json)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            return document.RootElement.Clone();
        }
        catch (JsonException e)
        {
            throw new ImageFormatException($"{files.Source}: {path} is not valid JSON: {e.Message}");
        }
    }

    /// <summary>A string property, or null when absent; a property of another type is an error.</summary>
    internal static string? StringProperty(JsonElement element, string name, string where)
    {
        if (element.ValueKind != JsonValueKind.Object || !element.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
            return null;
        return value.ValueKind == JsonValueKind.String ? value.GetString()
            : throw new ImageFormatException($"{where}: \"{name}\" is not a string");
    }

    /// <summary>An array property's elements, none when absent; a property of another type is an error.</summary>
    internal static IEnumerable<JsonElement> ArrayProperty(JsonElement element, string name, string where)
    {
        if (element.ValueKind != JsonValueKind.Object || !element.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
            return [];
        return value.ValueKind == JsonValueKind.Array ? value.EnumerateArray()
            : throw new ImageFormatException($"{where}: \"{name}\" is not an array");
    }

    /// <summary>The config's rootfs.diff_ids, the digests of the uncompressed layers, lowest first.</summary>
    internal static List<Digest> DiffIds(JsonElement config, string where)
    {
        var ids = new List<Digest>();
        if (config.ValueKind == JsonValueKind.Object && config.TryGetProperty("rootfs", out var rootfs))
            foreach (var id in ArrayProperty(rootfs, "diff_ids", where))
                ids.Add(Digest.Parse(id.ValueKind == JsonValueKind.String ? id.GetString()! : "", where + ": rootfs.diff_ids"));
        return ids;
    }

    /// <summary>"linux/arm64, linux/arm/v7", or a note that there are none, for errors.</summary>
    internal static string Listing(IEnumerable<Platform> platforms)
    {
        var names = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var p in platforms)
            if (p.Os != "unknown")
                names.Add(p.ToString());
        return names.Count == 0 ? "it names no platform" : "it has " + string.Join(", ", names);
    }
}
