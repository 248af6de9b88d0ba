using System;
using System.CommandLine;
using UserKernel.Kernel.Vfs;

namespace UserKernel.Tools.Commands.Image;

/// <summary>`userkernel image prune`: removes the kept file bytes of images that are gone or changed.</summary>
public static class ImagePruneCommand
{
    private const string Description = """
        Runs keep the bytes of the image files their guests open in a content cache
        ($XDG_CACHE_HOME/userkernel/content, else ~/.cache/userkernel/content), one directory per version of an image,
        so later runs of the same image neither copy them again nor hold them in memory. This removes the directories
        of images that no longer exist or have changed since (a run also does so once there are more than 32). With
        --all, the whole cache goes; runs make again what they need.
        """;

    /// <summary>`image prune [--all]`.</summary>
    public static Command Definition()
    {
        var all = new Option<bool>("--all") { Description = "remove every kept file, not only those of images gone or changed" };
        var command = new Command("prune", "remove the content cache of images gone or changed\n\n" + Description) { all };
        command.SetAction(r => Execute(r.GetValue(all)));
        return command;
    }

    private static int Execute(bool all)
    {
        string root = ContentCache.DefaultRoot;
        if (!System.IO.Directory.Exists(root))
        {
            Console.Out.WriteLine($"image prune: no content cache at {root}");
            return 0;
        }
        int removed = all ? ContentCache.RemoveAll(root) : ContentCache.Prune(root);
        Console.Out.WriteLine($"image prune: removed {removed} image director{(removed == 1 ? "y" : "ies")} from {root}");
        return 0;
    }
}
