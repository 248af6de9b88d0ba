using System;
using System.Security.Cryptography;
using UserKernel.RootFs.Image;

namespace UserKernel.RootFs.Oci;

/// <summary>
/// A content digest as OCI writes it, "sha256:HEX" (or sha512): the name of a blob and the
/// promise of its bytes. Only lowercase hex of the algorithm's length is accepted, so a digest is
/// always safe as a file name under blobs/.
/// </summary>
public readonly record struct Digest(string Algorithm, string Hex)
{
    public static Digest Parse(string text, string where)
    {
        int colon = text.IndexOf(':');
        string algorithm = colon > 0 ? text[..colon] : "";
        string hex = colon > 0 ? text[(colon + 1)..] : "";
        int length = algorithm switch { "sha256" => 64, "sha512" => 128, _ => 0 };
        if (length == 0)
            throw new ImageFormatException($"{where}: digest '{text}' is not sha256:HEX or sha512:HEX");
        if (hex.Length != length || !IsLowerHex(hex))
            throw new ImageFormatException($"{where}: digest '{text}' is not {length} lowercase hex digits");
        return new Digest(algorithm, hex);
    }

    /// <summary>The digest a blob name under blobs/ promises ("blobs/sha256/HEX"), or null for other names.</summary>
    public static Digest? FromBlobPath(string path)
    {
        var parts = path.Split('/');
        if (parts.Length != 3 || parts[0] != "blobs")
            return null;
        int length = parts[1] switch { "sha256" => 64, "sha512" => 128, _ => 0 };
        return length > 0 && parts[2].Length == length && IsLowerHex(parts[2]) ? new Digest(parts[1], parts[2]) : null;
    }

    /// <summary>Where an OCI image layout keeps the blob.</summary>
    public string BlobPath => $"blobs/{Algorithm}/{Hex}";

    public IncrementalHash NewHash() =>
        IncrementalHash.CreateHash(Algorithm == "sha512" ? HashAlgorithmName.SHA512 : HashAlgorithmName.SHA256);

    public override string ToString() => Algorithm + ":" + Hex;

    private static bool IsLowerHex(string hex)
    {
        foreach (char c in hex)
            if (c is not ((>= '0' and <= '9') or (>= 'a' and <= 'f')))
                return false;
        return true;
    }
}
