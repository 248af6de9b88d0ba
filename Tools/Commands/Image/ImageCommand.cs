using System.CommandLine;

namespace UserKernel.Tools.Commands.Image;

/// <summary>
/// `userkernel image VERB ...`: make, inspect and combine root filesystem images without root.
/// Each verb lives in its own file and defines its own command line; this only gathers them.
/// </summary>
public static class ImageCommand
{
    /// <summary>`image` and its verbs.</summary>
    public static Command Definition() => new("image", "make, inspect and combine root filesystem images without root")
    {
        ImageBuildCommand.Definition(),
        ImageImportCommand.Definition(),
        ImageCommitCommand.Definition(),
        ImageFromHostCommand.Definition(),
        ImageInfoCommand.Definition(),
        ImageLsCommand.Definition(),
        ImageCatCommand.Definition(),
        ImageExtractCommand.Definition(),
        ImagePruneCommand.Definition(),
    };
}
