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
            _ => throw new UsageException($"image: unknown verb '{args[0]}'; try 'userkernel image --help'"),
        };
    }
}
