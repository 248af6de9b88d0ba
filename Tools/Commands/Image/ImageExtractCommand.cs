using System;
using System.CommandLine;
using System.IO;
using UserKernel.RootFs.Ext4;
using UserKernel.RootFs.Images;

namespace UserKernel.Tools.Commands.Image;

/// <summary>`userkernel image extract IMG PATH DIR`: copy a file or a tree out of an image onto the host.</summary>
public static class ImageExtractCommand
{
    private const string Description = """
        Copies PATH of the image IMG (a file, or a directory with everything in it) into the host directory
        DIR, created if missing: PATH arrives as DIR/NAME, NAME being PATH's last name; PATH / copies the
        image's root entries straight into DIR. Symlinks on the way to PATH are followed inside the image.
        Modes, times, symlinks and hard links are kept; owners only when run as root, and device nodes are
        made only by root (otherwise each is skipped with a warning). Existing files in DIR are replaced.
        Nothing is written outside DIR: symlinks from the image, or already in DIR, are never written through.
        """;

    /// <summary>`image extract IMG PATH DIR`.</summary>
    public static Command Definition()
    {
        var image = new Argument<string>("IMG") { Description = "the image" };
        var path = new Argument<string>("PATH") { Description = "a file or a directory in the image" };
        var dir = new Argument<string>("DIR") { Description = "the host directory to copy into" };
        var command = new Command("extract", "copy a file or a directory tree out of an image into the host directory DIR\n\n" + Description)
        {
            image, path, dir,
        };
        command.SetAction(r => Execute(r.GetRequiredValue(image), r.GetRequiredValue(path), r.GetRequiredValue(dir)));
        return command;
    }

    private static int Execute(string image, string path, string dir)
    {
        using var reader = Ext4Reader.Open(image);
        var extractor = new ImageExtractor(reader, warning => Console.Error.WriteLine("userkernel: image extract: " + warning));
        try
        {
            extractor.Extract(path, dir);
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
