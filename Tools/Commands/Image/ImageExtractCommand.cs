using System;
using System.IO;
using System.Linq;
using UserKernel.RootFs.Ext4;
using UserKernel.RootFs.Images;

namespace UserKernel.Tools.Commands.Image;

/// <summary>`userkernel image extract IMG PATH DIR`: copy a file or a tree out of an image onto the host.</summary>
public static class ImageExtractCommand
{
    public const string Usage = """
        usage: userkernel image extract IMG PATH DIR

        Copies PATH of the image IMG (a file, or a directory with everything in it) into the host directory
        DIR, created if missing: PATH arrives as DIR/NAME, NAME being PATH's last name; PATH / copies the
        image's root entries straight into DIR. Symlinks on the way to PATH are followed inside the image.
        Modes, times, symlinks and hard links are kept; owners only when run as root, and device nodes are
        made only by root (otherwise each is skipped with a warning). Existing files in DIR are replaced.
        Nothing is written outside DIR: symlinks from the image, or already in DIR, are never written through.
        """;

    public static int Execute(string[] args)
    {
        if (args.Any(a => a is "--help" or "-h"))
        {
            Console.Out.WriteLine(Usage);
            return 0;
        }
        if (args.Length != 3)
        {
            throw new UsageException("image extract: expected IMG PATH DIR; try 'userkernel image extract --help'");
        }
        using var reader = Ext4Reader.Open(args[0]);
        var extractor = new ImageExtractor(reader, warning => Console.Error.WriteLine("userkernel: image extract: " + warning));
        try
        {
            extractor.Extract(args[1], args[2]);
        }
        catch (IOException ex)
        {
            throw new UsageException("image extract: " + ex.Message);
        }
        catch (UnauthorizedAccessException ex)
        {
            throw new UsageException("image extract: " + ex.Message);
        }
        return 0;
    }
}
