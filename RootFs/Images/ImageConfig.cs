using System;
using System.Collections.Generic;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using UserKernel.RootFs.Ext4;
using UserKernel.RootFs.Image;
using UserKernel.RootFs.Tree;

namespace UserKernel.RootFs.Images;

/// <summary>
/// How an image wants its programs started: what an OCI image config's "config" object carries
/// (Env, WorkingDir, User, Entrypoint, Cmd), under the same JSON names. It travels with the image
/// as JSON in the extended attribute <see cref="XattrName"/> of the root directory, so an image
/// stays one ordinary ext4 file that any tool can read.
/// </summary>
public sealed record ImageConfig
{
    /// <summary>The root directory's extended attribute holding the config.</summary>
    public const string XattrName = "user.userkernel.config";

    // For people: "PATH=/a:/b" stays as written instead of escaping every '+' and '<'.
    private static readonly ImageConfigJson Readable = new(new JsonSerializerOptions
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });

    /// <summary>"NAME=value" entries, in order.</summary>
    public IReadOnlyList<string>? Env { get; init; }

    /// <summary>The working directory of the first process.</summary>
    public string? WorkingDir { get; init; }

    /// <summary>"user", "uid", "user:group" or "uid:gid", as OCI writes it.</summary>
    public string? User { get; init; }

    /// <summary>The program and its first arguments; <see cref="Cmd"/> follows them.</summary>
    public IReadOnlyList<string>? Entrypoint { get; init; }

    /// <summary>The default command, or the default arguments to <see cref="Entrypoint"/>.</summary>
    public IReadOnlyList<string>? Cmd { get; init; }

    /// <summary>The config as compact JSON, UTF-8.</summary>
    public byte[] ToJson() => JsonSerializer.SerializeToUtf8Bytes(this, ImageConfigJson.Default.ImageConfig);

    /// <summary>Parses the JSON of <see cref="ToJson"/>; bad JSON is an <see cref="ImageFormatException"/>.</summary>
    public static ImageConfig Parse(ReadOnlySpan<byte> json)
    {
        try
        {
            return JsonSerializer.Deserialize(json, ImageConfigJson.Default.ImageConfig)
                ?? throw new ImageFormatException($"the image config in {XattrName} is null");
        }
        catch (JsonException ex)
        {
            throw new ImageFormatException($"the image config in {XattrName} is not valid JSON: {ex.Message}");
        }
    }

    /// <summary>Sets the config on <paramref name="root"/>, the root directory of a tree about to be written.</summary>
    public void Store(TreeNode root)
    {
        ArgumentNullException.ThrowIfNull(root);
        if (root.Kind != NodeKind.Directory)
        {
            throw new ArgumentException("the image config is stored on the root directory", nameof(root));
        }
        root.Xattrs[XattrName] = ToJson();
    }

    /// <summary>The config stored on the image's root directory, or null when it has none.</summary>
    public static ImageConfig? Read(Ext4Reader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        foreach (var (name, value) in reader.ReadXattrs(Ext4Reader.RootInode))
        {
            if (name == XattrName)
            {
                return Parse(value);
            }
        }
        return null;
    }

    /// <summary>The config stored on a tree's root, or null.</summary>
    public static ImageConfig? Read(TreeNode root) =>
        root.Xattrs.TryGetValue(XattrName, out var json) ? Parse(json) : null;

    /// <summary>Lines "Name: value" for people, one per field that is set (JSON arrays for lists).</summary>
    public IEnumerable<string> Describe()
    {
        if (Env is not null) yield return "Env: " + JsonSerializer.Serialize(Env, Readable.IReadOnlyListString);
        if (WorkingDir is not null) yield return "WorkingDir: " + WorkingDir;
        if (User is not null) yield return "User: " + User;
        if (Entrypoint is not null) yield return "Entrypoint: " + JsonSerializer.Serialize(Entrypoint, Readable.IReadOnlyListString);
        if (Cmd is not null) yield return "Cmd: " + JsonSerializer.Serialize(Cmd, Readable.IReadOnlyListString);
    }

    public bool Equals(ImageConfig? other) =>
        other is not null && Same(Env, other.Env) && WorkingDir == other.WorkingDir && User == other.User
        && Same(Entrypoint, other.Entrypoint) && Same(Cmd, other.Cmd);

    public override int GetHashCode() => HashCode.Combine(Env?.Count, WorkingDir, User, Entrypoint?.Count, Cmd?.Count);

    private static bool Same(IReadOnlyList<string>? a, IReadOnlyList<string>? b)
    {
        if (a is null || b is null)
        {
            return a is null && b is null;
        }
        if (a.Count != b.Count)
        {
            return false;
        }
        for (int i = 0; i < a.Count; i++)
        {
            if (a[i] != b[i])
            {
                return false;
            }
        }
        return true;
    }

    public override string ToString() => Encoding.UTF8.GetString(ToJson());
}
