using System;
using System.CommandLine;
using System.Globalization;
using System.IO;
using UserKernel.RootFs.Image;
using UserKernel.RootFs.Sources;
using UserKernel.RootFs.Tree;
using UserKernel.RootFs.Writer;
using UserKernel.Tools.CommandLine;

namespace UserKernel.Tools.Commands.Image;

/// <summary>`userkernel image build SRC -o IMG`: an ext4 or ext2 image from a directory or a tarball.</summary>
public static class ImageBuildCommand
{
    private const string Description = """
        Makes the filesystem image IMG from SRC, a directory or a tar archive (plain, gzip, xz or zstd;
        '-' reads it from standard input), without root and without mke2fs. Modes, owners, times (with
        nanoseconds), symlinks, hard links, device nodes, FIFOs, sockets and extended attributes are kept
        as the source records them; sparse files stay sparse. IMG is written to a temporary file next to it
        and renamed when complete.
        """;

    /// <summary>`image build SRC -o IMG [--size SIZE] [--owner UID:GID] [--ext2] [--label NAME]`.</summary>
    public static Command Definition()
    {
        var source = new Argument<string>("SRC") { Description = "a directory, a tar archive, or - for a tar archive on standard input" };
        Option<string> output = ImageLine.Output("image build", "IMG", "the image to write (replaced if it exists)");
        Option<long?> size = ImageLine.Size("image build", """
            the image's size in bytes, or with a K, M, G or T suffix (powers of 1024), at most
            16 TiB; it is an error if the contents do not fit. Default: the contents and a fifth
            more to spare, at least 8 MiB spare
            """);
        Option<(uint, uint)?> owner = CliOptions.Single<(uint, uint)?>("--owner", "UID:GID",
            "give every file this owner and group (directories only; a tarball's owners stand)", text => ParseOwner(text));
        Option<bool> ext2 = CliOptions.Flag("--ext2", "make ext2 (block maps) instead of ext4 (extents)");
        Option<string?> label = CliOptions.Single("--label", "NAME", "the volume label, at most 16 bytes");
        var command = new Command("build", "an ext4 (or ext2) image from a directory or a tarball (plain, gzip, xz, zstd)\n\n" + Description)
        {
            source, output, size, owner, ext2, label,
        };
        command.SetAction(r => Execute(r.GetRequiredValue(source), r.GetRequiredValue(output), r.GetValue(size), r.GetValue(owner),
            r.GetValue(ext2) ? ImageFormat.Ext2 : ImageFormat.Ext4, r.GetValue(label) ?? ""));
        return command;
    }

    private static int Execute(string source, string output, long? size, (uint, uint)? owner, ImageFormat format, string label)
    {
        using var progress = new TerminalProgress();
        var options = ImageLine.WriterOptions(output, size, progress) with { Format = format, Label = label };
        if (source != "-" && Directory.Exists(source))
        {
            ImageWriter.Write(DirectorySource.Read(source, owner), output, options);
        }
        else
        {
            if (owner is not null)
            {
                throw new UsageException("image build: --owner applies to a directory source; a tarball records its owners");
            }
            if (source != "-" && !File.Exists(source))
            {
                throw new UsageException($"image build: {source}: no such file or directory");
            }
            using var stream = source == "-" ? Console.OpenStandardInput() : File.OpenRead(source);
            using var tar = new TarSource(Path.GetDirectoryName(Path.GetFullPath(output)));
            ImageWriter.Write(tar.Read(stream), output, options);
        }
        return 0;
    }

    private static (uint, uint) ParseOwner(string text)
    {
        var parts = text.Split(':');
        if (parts.Length == 2
            && uint.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out uint uid)
            && uint.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out uint gid))
        {
            return (uid, gid);
        }
        throw new UsageException($"image build: --owner '{text}' is not UID:GID (numbers)");
    }
}
