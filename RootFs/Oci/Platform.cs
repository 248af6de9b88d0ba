using System;
using System.Text.Json;

namespace UserKernel.RootFs.Oci;

/// <summary>An image's platform, "os/architecture[/variant]" as docker --platform writes it.</summary>
public sealed record Platform(string Os, string Architecture, string? Variant = null)
{
    /// <summary>What userkernel runs: x86-64 Linux programs.</summary>
    public static readonly Platform Default = new("linux", "amd64");

    /// <summary>Parses "os/arch[/variant]"; null when the text is not of that shape.</summary>
    public static Platform? TryParse(string text)
    {
        var parts = text.Split('/');
        if (parts.Length is < 2 or > 3 || Array.Exists(parts, p => p.Length == 0))
            return null;
        return new Platform(parts[0], Normalize(parts[1]), parts.Length == 3 ? parts[2] : null);
    }

    /// <summary>The platform of a descriptor's "platform" object or of an image config (os, architecture, variant).</summary>
    public static Platform? FromJson(JsonElement element)
    {
        if (element.ValueKind != JsonValueKind.Object
            || !element.TryGetProperty("os", out var os) || os.ValueKind != JsonValueKind.String
            || !element.TryGetProperty("architecture", out var arch) || arch.ValueKind != JsonValueKind.String)
            return null;
        string? variant = element.TryGetProperty("variant", out var v) && v.ValueKind == JsonValueKind.String && v.GetString()!.Length > 0
            ? v.GetString() : null;
        return new Platform(os.GetString()!, Normalize(arch.GetString()!), variant);
    }

    /// <summary>Whether an image of platform <paramref name="image"/> is what this (wanted) platform asks for; no variant asked accepts any.</summary>
    public bool Accepts(Platform image) =>
        Os == image.Os && Architecture == image.Architecture && (Variant is null || Variant == image.Variant);

    public override string ToString() => Variant is null ? $"{Os}/{Architecture}" : $"{Os}/{Architecture}/{Variant}";

    // uname's names for the same machines, which some tools write.
    private static string Normalize(string arch) => arch switch
    {
        "x86_64" or "x86-64" => "amd64",
        "aarch64" => "arm64",
        _ => arch,
    };
}
