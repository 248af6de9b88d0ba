using System;
using System.Collections.Generic;
using System.CommandLine;
using System.Globalization;
using System.Linq;
using System.Text;
using UserKernel.RootFs.Ext4;
using UserKernel.RootFs.Images;
using UserKernel.Tools.CommandLine;

namespace UserKernel.Tools.Commands.Image;

/// <summary>`userkernel image ls IMG [PATH] [-l]`: list a directory of an image without booting it.</summary>
public static class ImageLsCommand
{
    private const string Description = """
        Lists the directory PATH (default /) of the image IMG: one name per line, hidden names included,
        in byte order. PATH may be a file, which lists just that file. Symlinks on the way are followed
        inside the image (an absolute target starts at the image's root, never the host's).
        """;

    /// <summary>`image ls IMG [PATH] [-l]`.</summary>
    public static Command Definition()
    {
        var image = new Argument<string>("IMG") { Description = "the image" };
        var path = new Argument<string>("PATH") { Arity = ArgumentArity.ZeroOrOne, Description = "a directory or a file in the image (default /)" };
        Option<bool> longFormat = CliOptions.Flag("-l", """
            long listing, like ls -la: mode, links, uid, gid, size (major, minor for a device),
            modification time (UTC), name, and "-> target" for a symlink. "." and ".." are listed,
            and a PATH that is itself a symlink is shown as the link (add a trailing / to list
            the directory it points to)
            """);
        var command = new Command("ls", "list a directory of an image (-l: like ls -la)\n\n" + Description) { image, path, longFormat };
        command.SetAction(r => Execute(r.GetRequiredValue(image), r.GetValue(path) ?? "/", r.GetValue(longFormat)));
        return command;
    }

    private static int Execute(string image, string path, bool longFormat)
    {
        using var reader = Ext4Reader.Open(image);
        foreach (string line in List(reader, path, longFormat))
        {
            Console.Out.WriteLine(line);
        }
        return 0;
    }

    /// <summary>The lines `image ls` prints for <paramref name="path"/>.</summary>
    public static IEnumerable<string> List(Ext4Reader reader, string path, bool longFormat)
    {
        var paths = new ImagePaths(reader);
        // ls -l shows a symlink named on the command line as the link; plain ls follows it.
        if (!paths.TryResolve(path, followLast: !longFormat, out var found, out string error))
        {
            throw new UsageException($"image ls: {path}: {error}");
        }
        var inode = reader.ReadInode(found.Inode);
        if (!inode.IsDirectory)
        {
            return [longFormat ? LongLine(reader, found.Inode, path) : path];
        }
        var entries = new List<(string Name, uint Inode)>();
        if (longFormat)
        {
            entries.Add((".", found.Inode));
            entries.Add(("..", reader.Lookup(found.Inode, ".."u8) ?? found.Inode));
        }
        entries.AddRange(paths.Children(found.Inode));
        return entries.Select(e => longFormat ? LongLine(reader, e.Inode, e.Name) : e.Name).ToList();
    }

    private static string LongLine(Ext4Reader reader, uint ino, string name)
    {
        var inode = reader.ReadInode(ino);
        string size = inode.IsCharDevice || inode.IsBlockDevice
            ? $"{inode.RdevMajor,4}, {inode.RdevMinor,4}"
            : inode.Size.ToString(CultureInfo.InvariantCulture);
        string time = DateTimeOffset.FromUnixTimeSeconds(inode.MtimeSec).UtcDateTime.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture);
        var line = new StringBuilder();
        line.Append(CultureInfo.InvariantCulture, $"{ModeString(inode.Mode)} {inode.LinksCount,3} {inode.Uid,5} {inode.Gid,5} {size,10} {time} {name}");
        if (inode.IsSymlink)
        {
            line.Append(" -> ").Append(Encoding.UTF8.GetString(reader.ReadSymlink(ino)));
        }
        return line.ToString();
    }

    /// <summary>ls's ten-character mode: type letter, then rwx for user, group and others, with s/S and t/T for set-id and sticky bits.</summary>
    public static string ModeString(ushort mode)
    {
        char type = (mode & InodeMode.TypeMask) switch
        {
            InodeMode.Directory => 'd',
            InodeMode.Symlink => 'l',
            InodeMode.CharDevice => 'c',
            InodeMode.BlockDevice => 'b',
            InodeMode.Fifo => 'p',
            InodeMode.Socket => 's',
            _ => '-',
        };
        var s = new StringBuilder(10).Append(type);
        for (int shift = 6; shift >= 0; shift -= 3)
        {
            int bits = (mode >> shift) & 7;
            s.Append((bits & 4) != 0 ? 'r' : '-').Append((bits & 2) != 0 ? 'w' : '-');
            // The set-user-ID, set-group-ID and sticky bits (04000, 02000, 01000) show in the x column.
            bool special = (mode & (0x200 << (shift / 3))) != 0;
            bool exec = (bits & 1) != 0;
            char specialLetter = shift == 0 ? 't' : 's';
            s.Append(special ? (exec ? specialLetter : char.ToUpperInvariant(specialLetter)) : exec ? 'x' : '-');
        }
        return s.ToString();
    }
}
