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
          --size SIZE       the image's size in bytes, or with a K, M or G suffix (powers of 1024); it is an
                            error if the contents do not fit. Default: the contents plus a fifth, at least 8 MiB
          --owner UID:GID   give every file this owner and group (directories only; a tarball's owners stand)
          --ext2            make ext2 (block maps) instead of ext4 (extents)
          --label NAME      the volume label, at most 16 bytes
        """;

    public static int Execute(string[] args)
    {
        string? source = null, output = null, label = "";
        long? size = null;
        (uint, uint)? owner = null;
        var format = ImageFormat.Ext4;
        for (int i = 0; i < args.Length; i++)
        {
            string arg = args[i];
            switch (arg)
            {
                case "--help" or "-h":
                    Console.Out.WriteLine(Usage);
                    return 0;
                case "-o" or "--output":
                    output = Value(args, ref i);
                    break;
                case "--size":
                    size = ImageSize.Parse("image build", Value(args, ref i));
                    break;
                case "--owner":
                    owner = ParseOwner(Value(args, ref i));
                    break;
                case "--ext2":
                    format = ImageFormat.Ext2;
                    break;
                case "--label":
                    label = Value(args, ref i);
                    break;
                default:
                    if (arg.StartsWith('-') && arg != "-")
                    {
                        throw new UsageException($"image build: unknown option '{arg}'; try 'userkernel image build --help'");
                    }
                    if (source is not null)
                    {
                        throw new UsageException($"image build: one source only ('{source}' and '{arg}')");
                    }
                    source = arg;
                    break;
            }
        }
        if (source is null || output is null)
        {
            throw new UsageException("image build: needs SRC and -o IMG; try 'userkernel image build --help'");
        }
        var options = new ImageWriterOptions { Format = format, SizeBytes = size, Label = label, Progress = ImageSize.Progress() };
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
        if (!Console.IsErrorRedirected)
        {
            Console.Error.WriteLine();
        }
        return 0;
    }

    private static string Value(string[] args, ref int i)
    {
        if (i + 1 >= args.Length)
        {
            throw new UsageException($"image build: {args[i]} needs a value");
        }
        return args[++i];
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
