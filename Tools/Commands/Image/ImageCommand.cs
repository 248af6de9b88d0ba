using System;

namespace UserKernel.Tools.Commands.Image;

/// <summary>
/// `userkernel image VERB ...`: make, inspect and combine root filesystem images without root.
/// Each verb lives in its own file; this only dispatches.
/// </summary>
public static class ImageCommand
{
    public const string Usage = """
        usage: userkernel image VERB [ARG...]

        build SRC -o IMG [--size SIZE] [--owner UID:GID] [--ext2] [--label NAME]
                   an ext4 (or ext2) image from a directory or a tarball (plain, gzip, xz, zstd)
        import SRC -o IMG [--platform OS/ARCH[/VARIANT]] [--size SIZE]
                   an image from a container image: an OCI image layout, an OCI archive or a docker save
        commit BASE.img LAYER.tar... -o NEW.img [--size SIZE]
                   BASE.img with OCI layer tars (whiteouts included) applied in order
        from-host PROGRAM... -o IMG [--size SIZE] [--add HOSTPATH[:GUESTPATH]]...
                   an image of host programs with their loader, shared libraries and a minimal /etc
        info IMG   format, size, features, free space, label, UUID and stored config of an image
        ls IMG [PATH] [-l]
                   list a directory of an image (-l: like ls -la)
        cat IMG PATH...
                   write files of an image to standard output
        extract IMG PATH DIR
                   copy a file or a directory tree out of an image into the host directory DIR

        'userkernel image VERB --help' tells more about each verb.
        """;

    public static int Execute(string[] args)
    {
        if (args.Length == 0 || args[0] is "--help" or "-h")
        {
            Console.Out.WriteLine(Usage);
            return args.Length == 0 ? ExitCodes.RunnerError : 0;
        }
        string[] rest = args.AsSpan(1).ToArray();
        return args[0] switch
        {
            "build" => ImageBuildCommand.Execute(rest),
            "import" => ImageImportCommand.Execute(rest),
            "commit" => ImageCommitCommand.Execute(rest),
            "from-host" => ImageFromHostCommand.Execute(rest),
            "info" => ImageInfoCommand.Execute(rest),
            "ls" => ImageLsCommand.Execute(rest),
            "cat" => ImageCatCommand.Execute(rest),
            "extract" => ImageExtractCommand.Execute(rest),
            _ => throw new UsageException($"image: unknown verb '{args[0]}'; try 'userkernel image --help'"),
        };
    }
}
