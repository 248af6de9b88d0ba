using System;
using System.Formats.Tar;
using System.IO;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace UserKernel.TestSupport;

/// <summary>
/// Writes a container image around one layer blob, whatever its bytes (a damaged one too): its digest is the
/// blob's, and the config's diff_id is <c>diffId</c>, else the blob's own digest (right for an uncompressed layer;
/// a damaged compressed one fails before its diff_id is compared). So every digest matches and only the tar checks
/// can find damage in the blob.
/// </summary>
public static class RawLayerImages
{
    /// <summary>The media type of an uncompressed layer.</summary>
    public const string TarMediaType = "application/vnd.oci.image.layer.v1.tar";

    public static string Sha256(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    private static byte[] Config(byte[] blob, string? diffId) => Encoding.UTF8.GetBytes(new JsonObject
    {
        ["architecture"] = "amd64",
        ["os"] = "linux",
        ["config"] = new JsonObject(),
        ["rootfs"] = new JsonObject { ["type"] = "layers", ["diff_ids"] = new JsonArray("sha256:" + (diffId ?? Sha256(blob))) },
    }.ToJsonString());

    /// <summary>An OCI image layout directory whose one layer is <paramref name="blob"/>, of <paramref name="mediaType"/>.</summary>
    public static void WriteLayout(string directory, byte[] blob, string mediaType = TarMediaType, string? diffId = null)
    {
        string blobs = Directory.CreateDirectory(Path.Combine(directory, "blobs", "sha256")).FullName;
        JsonObject Descriptor(string type, byte[] bytes)
        {
            File.WriteAllBytes(Path.Combine(blobs, Sha256(bytes)), bytes);
            return new JsonObject { ["mediaType"] = type, ["digest"] = "sha256:" + Sha256(bytes), ["size"] = bytes.Length };
        }
        File.WriteAllText(Path.Combine(directory, "oci-layout"), """{"imageLayoutVersion":"1.0.0"}""");
        var manifest = new JsonObject
        {
            ["schemaVersion"] = 2,
            ["mediaType"] = "application/vnd.oci.image.manifest.v1+json",
            ["config"] = Descriptor("application/vnd.oci.image.config.v1+json", Config(blob, diffId)),
            ["layers"] = new JsonArray(Descriptor(mediaType, blob)),
        };
        var descriptor = Descriptor("application/vnd.oci.image.manifest.v1+json", Encoding.UTF8.GetBytes(manifest.ToJsonString()));
        descriptor["platform"] = new JsonObject { ["os"] = "linux", ["architecture"] = "amd64" };
        var index = new JsonObject { ["schemaVersion"] = 2, ["manifests"] = new JsonArray(descriptor) };
        File.WriteAllText(Path.Combine(directory, "index.json"), index.ToJsonString());
    }

    /// <summary>
    /// A docker save as newer dockers write it: blobs/sha256/HEX for the config and the layer, and manifest.json
    /// naming the image <paramref name="repoTag"/>.
    /// </summary>
    public static void WriteDockerSave(string path, byte[] blob, string? diffId = null, string repoTag = "corrupt:latest")
    {
        byte[] config = Config(blob, diffId);
        var manifest = new JsonArray(new JsonObject
        {
            ["Config"] = "blobs/sha256/" + Sha256(config),
            ["RepoTags"] = new JsonArray(repoTag),
            ["Layers"] = new JsonArray("blobs/sha256/" + Sha256(blob)),
        });
        using var file = File.Create(path);
        using var writer = new TarWriter(file, TarEntryFormat.Ustar);
        void Add(string name, byte[] bytes) =>
            writer.WriteEntry(new UstarTarEntry(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(bytes), Mode = (UnixFileMode)0x1A4 });
        Add("blobs/sha256/" + Sha256(blob), blob);
        Add("blobs/sha256/" + Sha256(config), config);
        Add("manifest.json", Encoding.UTF8.GetBytes(manifest.ToJsonString()));
    }
}
