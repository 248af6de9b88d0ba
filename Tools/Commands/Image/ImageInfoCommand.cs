using System;
using System.Collections.Generic;
using System.CommandLine;
using System.Globalization;
using System.IO;
using System.Linq;
using UserKernel.RootFs.Ext4;
using UserKernel.RootFs.Images;

namespace UserKernel.Tools.Commands.Image;

/// <summary>`userkernel image info IMG`: what an image is, read from its superblock and root, without booting it.</summary>
public static class ImageInfoCommand
{
    private const string Description = """
        Prints the image's format (ext2, ext3 or ext4), size, block size, block and inode counts with
        what is free, its features (as mke2fs and dumpe2fs name them), label, UUID, creation time and
        the image config stored with it (Env, WorkingDir, User, Entrypoint, Cmd), if any.
        """;

    /// <summary>`image info IMG`.</summary>
    public static Command Definition()
    {
        var image = new Argument<string>("IMG") { Description = "the image" };
        var command = new Command("info", "format, size, features, free space, label, UUID and stored config of an image\n\n" + Description) { image };
        command.SetAction(r => Execute(r.GetRequiredValue(image)));
        return command;
    }

    private static int Execute(string image)
    {
        using var reader = Ext4Reader.Open(image);
        foreach (var (name, value) in Describe(reader, image).ToList())
        {
            Console.Out.WriteLine(name.Length == 0 ? new string(' ', 14) + value : $"{name + ":",-14}{value}");
        }
        return 0;
    }

    /// <summary>The lines of the report as (name, value), in print order.</summary>
    public static IEnumerable<(string Name, string Value)> Describe(Ext4Reader reader, string imagePath)
    {
        var sb = reader.SuperBlock;
        long fileSize = new FileInfo(imagePath).Length;
        ulong fsBytes = reader.BlocksCount * reader.BlockSize;
        ulong freeBytes = reader.FreeBlocksCount * reader.BlockSize;
        yield return ("Image", imagePath);
        yield return ("Format", Features.TypeName(sb));
        yield return ("Size", fsBytes == (ulong)fileSize
            ? Size((ulong)fileSize)
            : $"{Size(fsBytes)} (the file is {Size((ulong)fileSize)})");
        yield return ("Block size", reader.BlockSize.ToString(CultureInfo.InvariantCulture));
        yield return ("Blocks", $"{reader.BlocksCount} total, {reader.FreeBlocksCount} free, {sb.ReservedBlocksCount} reserved for root");
        yield return ("Inodes", $"{reader.InodesCount} total, {reader.FreeInodesCount} free");
        yield return ("Free space", Size(freeBytes));
        var features = Features.Names(sb.Compat).Concat(Features.Names(sb.Incompat)).Concat(Features.Names(sb.RoCompat));
        yield return ("Features", string.Join(' ', features));
        yield return ("Label", sb.VolumeName.Length == 0 ? "(none)" : sb.VolumeName);
        yield return ("UUID", sb.Uuid.ToString());
        yield return ("Created", sb.MkfsTime == 0 ? "(not recorded)" : Time(sb.MkfsTime));
        var config = ImageConfig.Read(reader);
        if (config is null)
        {
            yield return ("Config", "(none)");
        }
        else
        {
            // The first field on the Config line, the others under it.
            string name = "Config";
            foreach (string line in config.Describe())
            {
                yield return (name, line);
                name = "";
            }
        }
    }

    private static string Time(long seconds) =>
        DateTimeOffset.FromUnixTimeSeconds(seconds).UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture);

    /// <summary>"64.0 MiB (67108864 bytes)".</summary>
    private static string Size(ulong bytes)
    {
        string[] units = ["bytes", "KiB", "MiB", "GiB", "TiB"];
        double value = bytes;
        int unit = 0;
        while (value >= 1024 && unit < units.Length - 1)
        {
            value /= 1024;
            unit++;
        }
        return unit == 0 ? $"{bytes} bytes" : string.Create(CultureInfo.InvariantCulture, $"{value:0.0} {units[unit]} ({bytes} bytes)");
    }
}
