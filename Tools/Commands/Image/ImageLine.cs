using System;
using System.CommandLine;
using System.Globalization;
using UserKernel.RootFs.Writer;
using UserKernel.Tools.CommandLine;

namespace UserKernel.Tools.Commands.Image;

/// <summary>The options every verb that writes an image has (-o/--output IMG, --size SIZE), and how sizes are written.</summary>
public static class ImageLine
{
    /// <summary>
    /// -o IMG, the image to write: refused at once (before any long work) when its directory is missing or it names a
    /// directory, since the temporary files and the image are written beside it.
    /// </summary>
    public static Option<string> Output(string verb, string helpName, string description)
    {
        Option<string> output = CliOptions.Single("--output", helpName, description, path => CheckedOutput(verb, path), "-o");
        output.Required = true;
        return output;
    }

    /// <summary>--size SIZE, the image's size in bytes (null: the writer's default).</summary>
    public static Option<long?> Size(string verb, string description) =>
        CliOptions.Single<long?>("--size", "SIZE", description, text => ParseSize(verb, text));

    /// <summary>The writer's options: <paramref name="size"/>, and progress on <paramref name="progress"/> naming the output.</summary>
    public static ImageWriterOptions WriterOptions(string output, long? size, TerminalProgress progress) => new()
    {
        SizeBytes = size,
        Progress = (done, total) => progress.Report($"writing {output}: {done}/{total} inodes"),
    };

    private static string CheckedOutput(string verb, string path)
    {
        string full = System.IO.Path.GetFullPath(path);
        string? dir = System.IO.Path.GetDirectoryName(full);
        if (System.IO.Directory.Exists(full)) throw new UsageException($"{verb}: -o {path} is a directory; name the image file to write");
        if (dir == null || !System.IO.Directory.Exists(dir)) throw new UsageException($"{verb}: -o {path}: no such directory {dir}");
        return path;
    }

    /// <summary>
    /// Bytes, or a number with a K, M, G or T suffix (powers of 1024). Anything else is a
    /// <see cref="UsageException"/> starting with <paramref name="verb"/>.
    /// </summary>
    public static long ParseSize(string verb, string text)
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
}
