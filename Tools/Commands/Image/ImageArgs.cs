using System;
using System.Globalization;
using UserKernel.RootFs.Writer;

namespace UserKernel.Tools.Commands.Image;

/// <summary>
/// The command line of a verb that writes an image (build, from-host, import, commit): walks the
/// arguments, taking the options they all have (-o/--output IMG, --size SIZE) and stopping at --help,
/// and hands every other argument to the verb.
/// </summary>
public sealed class ImageArgs(string verb, string[] args)
{
    private int _index = -1;

    /// <summary>The image to write (-o), or null if not given.</summary>
    public string? Output { get; private set; }

    /// <summary>The image's size in bytes (--size), or null for the writer's default.</summary>
    public long? Size { get; private set; }

    /// <summary>Whether --help (or -h) stopped the walk: the verb prints its usage and does nothing else.</summary>
    public bool HelpAsked { get; private set; }

    /// <summary>
    /// The next argument that is not one of the shared options, or false at the end of the line or at --help.
    /// </summary>
    public bool Next(out string arg)
    {
        while (++_index < args.Length)
        {
            arg = args[_index];
            switch (arg)
            {
                case "--help" or "-h":
                    HelpAsked = true;
                    return false;
                case "-o" or "--output":
                    Output = CheckedOutput(Value());
                    break;
                case "--size":
                    Size = ParseSize(verb, Value());
                    break;
                default:
                    return true;
            }
        }
        arg = "";
        return false;
    }

    /// <summary>
    /// The image path of -o, refused at once (before any long work) when its directory is missing or it names a
    /// directory: the temporary files and the image are written beside it.
    /// </summary>
    private string CheckedOutput(string path)
    {
        string full = System.IO.Path.GetFullPath(path);
        string? dir = System.IO.Path.GetDirectoryName(full);
        if (System.IO.Directory.Exists(full)) throw new UsageException($"{verb}: -o {path} is a directory; name the image file to write");
        if (dir == null || !System.IO.Directory.Exists(dir)) throw new UsageException($"{verb}: -o {path}: no such directory {dir}");
        return path;
    }

    /// <summary>The value of the option just returned by <see cref="Next"/> (the argument after it).</summary>
    public string Value()
    {
        if (_index + 1 >= args.Length)
        {
            throw new UsageException($"{verb}: {args[_index]} needs a value");
        }
        return args[++_index];
    }

    /// <summary>The error for an option the verb does not know.</summary>
    public UsageException Unknown(string arg) => new($"{verb}: unknown option '{arg}'; try 'userkernel {verb} --help'");

    /// <summary>The writer's options: the --size given, and progress on <paramref name="progress"/> naming the output.</summary>
    public ImageWriterOptions WriterOptions(TerminalProgress progress) => new()
    {
        SizeBytes = Size,
        Progress = (done, total) => progress.Report($"writing {Output}: {done}/{total} inodes"),
    };

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
