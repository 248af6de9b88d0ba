using System;
using System.Globalization;

namespace UserKernel.Tools.Commands.Image;

/// <summary>What the verbs that write images share: the --size syntax and the progress line.</summary>
public static class ImageSize
{
    /// <summary>
    /// Bytes, or a number with a K, M, G or T suffix (powers of 1024). Anything else is a
    /// <see cref="UsageException"/> starting with <paramref name="verb"/>.
    /// </summary>
    public static long Parse(string verb, string text)
    {
        long unit = 1;
        string digits = text;
        if (text.Length > 0 && char.ToUpperInvariant(text[^1]) is 'K' or 'M' or 'G' or 'T')
        {
            unit = char.ToUpperInvariant(text[^1]) switch { 'K' => 1L << 10, 'M' => 1L << 20, 'G' => 1L << 30, _ => 1L << 40 };
            digits = text[..^1];
        }
        if (!long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out long n) || n <= 0 || n > long.MaxValue / unit)
        {
            throw new UsageException($"{verb}: --size '{text}' is not a size (like 512M or 2G)");
        }
        return n * unit;
    }

    /// <summary>A progress line on stderr when it is a terminal; null (silence) otherwise.</summary>
    public static Action<long, long>? Progress() => Console.IsErrorRedirected
        ? null
        : (done, total) => Console.Error.Write($"\rwriting inodes: {done}/{total}");
}
