using System;
using System.Collections.Generic;
using System.Formats.Tar;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace UserKernel.TestSupport;

/// <summary>
/// Makes container images for tests, byte by byte as the OCI image-spec and docker save lay them
/// out: layer tars (plain, gzip or zstd) with whiteouts, an image config, manifests, an index
/// (with several platforms and nested indexes if asked), and the same images as a docker save.
/// </summary>
public sealed class OciImageBuilder
{
    public enum Compression { None, Gzip, Zstd }

    /// <summary>One layer: its tar entries, in order, and how it is compressed.</summary>
    public sealed class Layer(Compression compression)
    {
        internal readonly List<TarEntry> Entries = new();

        public Compression Compression { get; } = compression;

        public Layer Dir(string path, int mode = 0x1ED, int uid = 0) => With(new PaxTarEntry(TarEntryType.Directory, path), mode, uid);

        public Layer File(string path, string text, int mode = 0x1A4, int uid = 0) => File(path, Encoding.UTF8.GetBytes(text), mode, uid);

        public Layer File(string path, byte[] bytes, int mode = 0x1A4, int uid = 0) =>
            With(new PaxTarEntry(TarEntryType.RegularFile, path) { DataStream = new MemoryStream(bytes) }, mode, uid);

        public Layer Symlink(string path, string target) => With(new PaxTarEntry(TarEntryType.SymbolicLink, path) { LinkName = target }, 0x1FF, 0);

        public Layer HardLink(string path, string target) => With(new PaxTarEntry(TarEntryType.HardLink, path) { LinkName = target }, 0x1A4, 0);

        public Layer CharDevice(string path, int major, int minor) =>
            With(new PaxTarEntry(TarEntryType.CharacterDevice, path) { DeviceMajor = major, DeviceMinor = minor }, 0x1B6, 0);

        /// <summary>A whiteout: an empty file ".wh.NAME" (or ".wh..wh..opq") as docker writes it.</summary>
        public Layer Whiteout(string path) => With(new PaxTarEntry(TarEntryType.RegularFile, path) { DataStream = new MemoryStream() }, 0, 0);

        private Layer With(PaxTarEntry entry, int mode, int uid)
        {
            entry.Mode = (UnixFileMode)mode;
            entry.Uid = uid;
            entry.Gid = uid;
            entry.ModificationTime = new DateTimeOffset(2024, 1, 2, 3, 4, 5, TimeSpan.Zero);
            Entries.Add(entry);
            return this;
        }

        /// <summary>The uncompressed tar.</summary>
        public byte[] Tar()
        {
            var output = new MemoryStream();
            using (var writer = new TarWriter(output, TarEntryFormat.Pax, leaveOpen: true))
            {
                foreach (var entry in Entries)
                {
                    entry.DataStream?.Seek(0, SeekOrigin.Begin);
                    writer.WriteEntry(entry);
                }
            }
            return output.ToArray();
        }

        /// <summary>The blob: the tar compressed as asked.</summary>
        public byte[] Blob()
        {
            byte[] tar = Tar();
            var output = new MemoryStream();
            switch (Compression)
            {
                case Compression.None:
                    return tar;
                case Compression.Gzip:
                    using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
                        gzip.Write(tar);
                    break;
                case Compression.Zstd:
                    using (var zstd = new ZstdSharp.CompressionStream(output, 3, leaveOpen: true))
                        zstd.Write(tar);
                    break;
            }
            return output.ToArray();
        }

        public string MediaType => Compression switch
        {
            Compression.Gzip => "application/vnd.oci.image.layer.v1.tar+gzip",
            Compression.Zstd => "application/vnd.oci.image.layer.v1.tar+zstd",
            _ => "application/vnd.oci.image.layer.v1.tar",
        };
    }

    /// <summary>The layers, lowest first.</summary>
    public List<Layer> Layers { get; } = new();

    /// <summary>The "config" object of the image config: Env, WorkingDir, User, Entrypoint, Cmd.</summary>
    public JsonObject RunConfig { get; set; } = new();

    public Layer AddLayer(Compression compression)
    {
        var layer = new Layer(compression);
        Layers.Add(layer);
        return layer;
    }

    /// <summary>The image config JSON for a platform.</summary>
    public byte[] Config(string os = "linux", string architecture = "amd64") =>
        JsonSerializer.SerializeToUtf8Bytes(new JsonObject
        {
            ["architecture"] = architecture,
            ["os"] = os,
            ["config"] = RunConfig.DeepClone(),
            ["rootfs"] = new JsonObject
            {
                ["type"] = "layers",
                ["diff_ids"] = new JsonArray(Layers.Select(l => (JsonNode)("sha256:" + Sha256(l.Tar()))).ToArray()),
            },
        });

    /// <summary>
    /// Writes an OCI image layout at <paramref name="directory"/> for each of <paramref name="platforms"/>
    /// ("linux/amd64"); with <paramref name="nested"/>, index.json names one nested index that lists them.
    /// </summary>
    public void WriteLayout(string directory, IEnumerable<string>? platforms = null, bool nested = false)
    {
        Directory.CreateDirectory(Path.Combine(directory, "blobs", "sha256"));
        System.IO.File.WriteAllText(Path.Combine(directory, "oci-layout"), """{"imageLayoutVersion":"1.0.0"}""");
        var layers = new JsonArray();
        foreach (var layer in Layers)
            layers.Add(Descriptor(directory, layer.MediaType, layer.Blob()));
        var manifests = new JsonArray();
        foreach (string platform in platforms ?? ["linux/amd64"])
        {
            string[] parts = platform.Split('/');
            var manifest = new JsonObject
            {
                ["schemaVersion"] = 2,
                ["mediaType"] = "application/vnd.oci.image.manifest.v1+json",
                ["config"] = Descriptor(directory, "application/vnd.oci.image.config.v1+json", Config(parts[0], parts[1])),
                ["layers"] = layers.DeepClone(),
            };
            var descriptor = Descriptor(directory, "application/vnd.oci.image.manifest.v1+json", JsonSerializer.SerializeToUtf8Bytes(manifest));
            descriptor["platform"] = new JsonObject { ["os"] = parts[0], ["architecture"] = parts[1] };
            if (parts.Length > 2) descriptor["platform"]!["variant"] = parts[2];
            manifests.Add(descriptor);
        }
        var index = new JsonObject { ["schemaVersion"] = 2, ["mediaType"] = "application/vnd.oci.image.index.v1+json", ["manifests"] = manifests };
        if (nested)
        {
            var inner = Descriptor(directory, "application/vnd.oci.image.index.v1+json", JsonSerializer.SerializeToUtf8Bytes(index));
            index = new JsonObject { ["schemaVersion"] = 2, ["mediaType"] = "application/vnd.oci.image.index.v1+json", ["manifests"] = new JsonArray(inner) };
        }
        System.IO.File.WriteAllBytes(Path.Combine(directory, "index.json"), JsonSerializer.SerializeToUtf8Bytes(index));
    }

    /// <summary>Writes a `docker save` tarball as older dockers do: ID.json, ID/layer.tar (uncompressed), manifest.json.</summary>
    public void WriteDockerSave(string tarPath)
    {
        using var file = System.IO.File.Create(tarPath);
        using var writer = new TarWriter(file, TarEntryFormat.Ustar);
        byte[] config = Config();
        string configName = Sha256(config) + ".json";
        var layerPaths = new JsonArray();
        foreach (var layer in Layers)
        {
            byte[] tar = layer.Tar();
            string id = Sha256(Encoding.UTF8.GetBytes("layer " + Sha256(tar)));
            writer.WriteEntry(new UstarTarEntry(TarEntryType.Directory, id + "/"));
            Add(writer, id + "/layer.tar", tar);
            Add(writer, id + "/VERSION", Encoding.UTF8.GetBytes("1.0"));
            layerPaths.Add(id + "/layer.tar");
        }
        Add(writer, configName, config);
        var manifest = new JsonArray(new JsonObject
        {
            ["Config"] = configName,
            ["RepoTags"] = new JsonArray("test:latest"),
            ["Layers"] = layerPaths,
        });
        Add(writer, "manifest.json", JsonSerializer.SerializeToUtf8Bytes(manifest));
    }

    /// <summary>Packs a directory (an image layout) into a tar, as `tar -C DIR -cf TAR .` does.</summary>
    public static void PackDirectory(string directory, string tarPath) =>
        TarFile.CreateFromDirectory(directory, tarPath, includeBaseDirectory: false);

    public static string Sha256(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    private static JsonObject Descriptor(string directory, string mediaType, byte[] blob)
    {
        string hex = Sha256(blob);
        System.IO.File.WriteAllBytes(Path.Combine(directory, "blobs", "sha256", hex), blob);
        return new JsonObject { ["mediaType"] = mediaType, ["digest"] = "sha256:" + hex, ["size"] = blob.Length };
    }

    private static void Add(TarWriter writer, string name, byte[] bytes) =>
        writer.WriteEntry(new UstarTarEntry(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(bytes), Mode = (UnixFileMode)0x1A4 });
}
