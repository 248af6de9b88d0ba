using System.Globalization;

namespace UserKernel.Tools.Commands.Image;

/// <summary>Sizes as people write them on a command line: 4096, 512K, 64M, 2G, 1T (powers of 1024).</summary>
public static class ByteSize
{
    public static long Parse(string text, string option)
    {
        string digits = text;
        long unit = 1;
        if (text.Length > 0 && char.IsLetter(text[^1]))
        {
            unit = char.ToUpperInvariant(text[^1]) switch
            {
                'K' => 1L << 10,
                'M' => 1L << 20,
                'G' => 1L << 30,
                'T' => 1L << 40,
                _ => 0,
            };
            digits = text[..^1];
        }
        if (unit == 0 || !long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out long count) || count <= 0 || count > long.MaxValue / unit)
            throw new UsageException($"{option} wants a size such as 64M or 2G, not '{text}'");
        return count * unit;
    }
}
