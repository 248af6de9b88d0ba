using System;
using System.Collections.Generic;
using System.CommandLine;
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
    private const string Description = """
        Writes NEW.img: the ext4 image BASE.img with the OCI layer tars (plain, gzip, xz or zstd, such
        as `run --persist` writes) applied in order, whiteouts and opaque directories included.
        Modes, owners, times, extended attributes (and so the stored image config) and hard links
        of BASE.img are kept. BASE.img itself is never changed.
        """;

    /// <summary>`image commit BASE.img LAYER.tar... -o NEW.img [--size SIZE]`.</summary>
    public static Command Definition()
    {
        var baseImage = new Argument<string>("BASE.img") { Description = "the image the layers are applied to" };
        var layers = new Argument<string[]>("LAYER.tar") { Arity = ArgumentArity.OneOrMore, Description = "the layers, applied in order" };
        Option<string> output = ImageLine.Output("image commit", "NEW.img", "the image to write (replaced only once it is complete)");
        Option<long?> size = ImageLine.Size("image commit", "the image's size (4096, 512K, 64M, 2G); default: the contents with room to spare");
        var command = new Command("commit", "BASE.img with OCI layer tars (whiteouts included) applied in order\n\n" + Description)
        {
            baseImage, layers, output, size,
        };
        command.SetAction(r => Execute([r.GetRequiredValue(baseImage), .. r.GetRequiredValue(layers)], r.GetRequiredValue(output), r.GetValue(size)));
        return command;
    }

    private static int Execute(List<string> inputs, string output, long? size)
    {
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
        ImageWriter.Write(tree, output, ImageLine.WriterOptions(output, size, progress));
        return 0;
    }
}
