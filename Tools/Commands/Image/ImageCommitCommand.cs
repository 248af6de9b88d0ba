using System;
using System.Collections.Generic;
using System.IO;
using UserKernel.RootFs.Ext4;
using UserKernel.RootFs.Image;
using UserKernel.RootFs.Layers;
using UserKernel.RootFs.Sources;
using UserKernel.RootFs.Writer;

namespace UserKernel.Tools.Commands.Image;

/// <summary>`userkernel image commit BASE LAYER... -o NEW`: an image with layers flattened into it.</summary>
public static class ImageCommitCommand
{
    public const string Usage = """
        usage: userkernel image commit BASE.img LAYER.tar... -o NEW.img [--size SIZE]

        Writes NEW.img: the ext4 image BASE.img with the OCI layer tars (plain, gzip, xz or zstd, such
        as `run --persist` writes) applied in order, whiteouts and opaque directories included.
        Modes, owners, times, extended attributes (and so the stored image config) and hard links
        of BASE.img are kept. BASE.img itself is never changed.
          -o, --output NEW   the image to write (replaced only once it is complete)
          --size SIZE        the image's size (4096, 512K, 64M, 2G); default: the contents with room to spare
        """;

    public static int Execute(string[] args)
    {
        var inputs = new List<string>();
        var line = new ImageArgs("image commit", args);
        while (line.Next(out string a))
        {
            if (a.StartsWith('-')) throw line.Unknown(a);
            inputs.Add(a);
        }
        if (line.HelpAsked)
        {
            Console.Out.WriteLine(Usage);
            return 0;
        }
        if (inputs.Count < 2 || line.Output is not { } output)
            throw new UsageException("image commit: BASE.img, at least one LAYER.tar and -o NEW.img are needed; try 'userkernel image commit --help'");
        foreach (string input in inputs)
            if (!File.Exists(input)) throw new UsageException($"image commit: {input}: no such file");

        using var progress = new TerminalProgress();
        using var reader = Ext4Reader.Open(inputs[0]);
        var tree = ImageSource.Read(reader);
        using var tar = new TarSource(Path.GetDirectoryName(Path.GetFullPath(output))); // spooled beside the output, not in a small /tmp
        for (int i = 1; i < inputs.Count; i++)
        {
            string layer = inputs[i];
            using var stream = new FileStream(layer, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
            try
            {
                LayerApplier.ApplyTar(tree, stream, tar, name => progress.Report($"{layer}: {name}"));
            }
            catch (ImageFormatException ex)
            {
                // A corrupt layer is refused before anything is written, naming the layer.
                throw new ImageFormatException($"image commit: {layer}: {ex.Message}", ex);
            }
        }
        ImageWriter.Write(tree, output, line.WriterOptions(progress));
        return 0;
    }
}
