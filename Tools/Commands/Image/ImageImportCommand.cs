using System;
using System.CommandLine;
using System.IO;
using UserKernel.RootFs.Oci;
using UserKernel.RootFs.Sources;
using UserKernel.RootFs.Writer;
using UserKernel.Tools.CommandLine;

namespace UserKernel.Tools.Commands.Image;

/// <summary>`userkernel image import SRC -o IMG`: a container image flattened into an ext4 image.</summary>
public static class ImageImportCommand
{
    private const string Description = """
        Flattens a container image into the ext4 image IMG. SRC is an OCI image layout (a directory
        with oci-layout and index.json), the same packed as a tar archive, or a `docker save` tarball.
        Layers (plain, gzip, xz or zstd) are applied in order: ".wh.NAME" whiteouts remove NAME and
        ".wh..wh..opq" empties a directory of what lower layers put there. Every blob is checked
        against its digest and every layer against the config's diff_ids. The config's Env,
        WorkingDir, User, Entrypoint and Cmd are stored in IMG (see 'image info'); `run` without a
        command runs Entrypoint + Cmd with them.
        """;

    /// <summary>`image import SRC -o IMG [--platform OS/ARCH[/VARIANT]] [--size SIZE]`.</summary>
    public static Command Definition()
    {
        var source = new Argument<string>("SRC") { Description = "an OCI image layout, an OCI archive or a docker save tarball" };
        Option<string> output = ImageLine.Output("image import", "IMG", "the image to write (replaced only once it is complete)");
        Option<Platform?> platform = CliOptions.Single<Platform?>("--platform", "OS/ARCH[/VARIANT]", """
            which image of a multi-platform index (default linux/amd64); nested
            indexes are searched, and a platform that is absent is an error that
            lists those present
            """, p => Platform.TryParse(p) ?? throw new UsageException($"image import: --platform wants OS/ARCH[/VARIANT] such as linux/amd64, not '{p}'"));
        Option<long?> size = ImageLine.Size("image import", "the image's size (4096, 512K, 64M, 2G); default: the contents with room to spare");
        var command = new Command("import", "an image from a container image: an OCI image layout, an OCI archive or a docker save\n\n" + Description)
        {
            source, output, platform, size,
        };
        command.SetAction(r => Execute(r.GetRequiredValue(source), r.GetRequiredValue(output), r.GetValue(platform), r.GetValue(size)));
        return command;
    }

    private static int Execute(string source, string output, Platform? platform, long? size)
    {
        if (!Directory.Exists(source) && !File.Exists(source))
            throw new UsageException($"image import: {source}: no such file or directory");

        using var progress = new TerminalProgress();
        using var image = ContainerImage.Open(source, platform);
        using var tar = new TarSource(Path.GetDirectoryName(Path.GetFullPath(output))); // spooled beside the output, not in a small /tmp
        var tree = ContainerImageImporter.Import(image, tar, (layer, layers, name) => progress.Report($"layer {layer}/{layers}: {name}"));
        ImageWriter.Write(tree, output, ImageLine.WriterOptions(output, size, progress));
        return 0;
    }
}
