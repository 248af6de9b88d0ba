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
            _ => throw new UsageException($"image: unknown verb '{args[0]}'; try 'userkernel image --help'"),
        };
    }
}
