using System.Text;

namespace UserKernel.Kernel.Vfs;

/// <summary>
/// Linux names are bytes. The kernel holds them as Latin-1 strings, which map each byte to one
/// char and back, so every name survives the round trip whatever its encoding.
/// </summary>
public static class Names
{
    public static string FromBytes(System.ReadOnlySpan<byte> bytes) => Encoding.Latin1.GetString(bytes);
    public static byte[] ToBytes(string name) => Encoding.Latin1.GetBytes(name);

    /// <summary>Writes the bytes of <paramref name="name"/> into <paramref name="into"/> (one a character) and answers how many.</summary>
    public static int ToBytes(string name, System.Span<byte> into) => Encoding.Latin1.GetBytes(name, into);
}
