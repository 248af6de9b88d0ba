using System;
using System.Globalization;
using System.IO;
using UserKernel.RootFs.Image;
using UserKernel.RootFs.Sources;
using UserKernel.RootFs.Tree;
using UserKernel.RootFs.Writer;

namespace UserKernel.Tools.Commands.Image;

/// <summary>`userkernel image build SRC -o IMG`: an ext4 or ext2 image from a directory or a tarball.</summary>
public static class ImageBuildCommand
{
    public const string Usage = """
        usage: userkernel image build SRC -o IMG [--size SIZE] [--owner UID:GID] [--ext2] [--label NAME]

        Makes the filesystem image IMG from SRC, a directory or a tar archive (plain, gzip, xz or zstd;
        '-' reads it from standard input), without root and without mke2fs. Modes, owners, times (with
        nanoseconds), symlinks, hard links, device nodes, FIFOs, sockets and extended attributes are kept
        as the source records them; sparse files stay sparse. IMG is written to a temporary file next to it
        and renamed when complete.
          -o IMG            the image to write (replaced if it exists)
          --size SIZE       the image's size in bytes, or with a K, M, G or T suffix (powers of 1024), at most
                            16 TiB; it is an error if the contents do not fit. Default: the contents and a fifth
                            more to spare, at least 8 MiB spare
          --owner UID:GID   give every file this owner and group (directories only; a tarball's owners stand)
          --ext2            make ext2 (block maps) instead of ext4 (extents)
          --label NAME      the volume label, at most 16 bytes
        """;

    public static int Execute(string[] args)
    {
        string? source = null, label = "";
        (uint, uint)? owner = null;
        var format = ImageFormat.Ext4;
        var line = new ImageArgs("image build", args);
        while (line.Next(out string arg))
        {
            switch (arg)
            {
                case "--owner":
                    owner = ParseOwner(line.Value());
                    break;
                case "--ext2":
                    format = ImageFormat.Ext2;
                    break;
                case "--label":
                    label = line.Value();
                    break;
                default:
                    if (arg.StartsWith('-') && arg != "-")
                    {
                        throw line.Unknown(arg);
                    }
                    if (source is not null)
                    {
                        throw new UsageException($"image build: one source only ('{source}' and '{arg}')");
                    }
                    source = arg;
                    break;
            }
        }
        if (line.HelpAsked)
        {
            Console.Out.WriteLine(Usage);
            return 0;
        }
        if (source is null || line.Output is not { } output)
        {
            throw new UsageException("image build: needs SRC and -o IMG; try 'userkernel image build --help'");
        }
        using var progress = new TerminalProgress();
        var options = line.WriterOptions(progress) with { Format = format, Label = label };
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
