using System;
using System.IO;
using UserKernel.RootFs.Oci;
using UserKernel.RootFs.Sources;
using UserKernel.RootFs.Writer;

namespace UserKernel.Tools.Commands.Image;

/// <summary>`userkernel image import SRC -o IMG`: a container image flattened into an ext4 image.</summary>
public static class ImageImportCommand
{
    public const string Usage = """
        usage: userkernel image import SRC -o IMG [--platform OS/ARCH[/VARIANT]] [--size SIZE]

        Flattens a container image into the ext4 image IMG. SRC is an OCI image layout (a directory
        with oci-layout and index.json), the same packed as a tar archive, or a `docker save` tarball.
        Layers (plain, gzip, xz or zstd) are applied in order: ".wh.NAME" whiteouts remove NAME and
        ".wh..wh..opq" empties a directory of what lower layers put there. Every blob is checked
        against its digest and every layer against the config's diff_ids. The config's Env,
        WorkingDir, User, Entrypoint and Cmd are stored in IMG (see 'image info'); `run` without a
        command runs Entrypoint + Cmd with them.
          -o, --output IMG   the image to write (replaced only once it is complete)
          --platform P       which image of a multi-platform index (default linux/amd64); nested
                             indexes are searched, and a platform that is absent is an error that
                             lists those present
          --size SIZE        the image's size (4096, 512K, 64M, 2G); default: the contents with room to spare
        """;

    public static int Execute(string[] args)
    {
        string? source = null;
        Platform? platform = null;
        var line = new ImageArgs("image import", args);
        while (line.Next(out string a))
        {
            switch (a)
            {
                case "--platform":
                    string p = line.Value();
                    platform = Platform.TryParse(p) ?? throw new UsageException($"image import: --platform wants OS/ARCH[/VARIANT] such as linux/amd64, not '{p}'");
                    break;
                default:
                    if (a.StartsWith('-') && a != "-") throw line.Unknown(a);
                    if (source != null) throw new UsageException("image import: one SRC only; try 'userkernel image import --help'");
                    source = a;
                    break;
            }
        }
        if (line.HelpAsked)
        {
            Console.Out.WriteLine(Usage);
            return 0;
        }
        if (source == null || line.Output is not { } output)
            throw new UsageException("image import: SRC and -o IMG are needed; try 'userkernel image import --help'");
        if (!Directory.Exists(source) && !File.Exists(source))
            throw new UsageException($"image import: {source}: no such file or directory");

        using var progress = new TerminalProgress();
        using var image = ContainerImage.Open(source, platform);
        using var tar = new TarSource(Path.GetDirectoryName(Path.GetFullPath(output))); // spooled beside the output, not in a small /tmp
        var tree = ContainerImageImporter.Import(image, tar, (layer, layers, name) => progress.Report($"layer {layer}/{layers}: {name}"));
        ImageWriter.Write(tree, output, line.WriterOptions(progress));
        return 0;
    }
}
