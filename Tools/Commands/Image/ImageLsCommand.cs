using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using UserKernel.RootFs.Ext4;
using UserKernel.RootFs.Images;

namespace UserKernel.Tools.Commands.Image;

/// <summary>`userkernel image ls IMG [PATH] [-l]`: list a directory of an image without booting it.</summary>
public static class ImageLsCommand
{
    public const string Usage = """
        usage: userkernel image ls IMG [PATH] [-l]

        Lists the directory PATH (default /) of the image IMG: one name per line, hidden names included,
        in byte order. PATH may be a file, which lists just that file. Symlinks on the way are followed
        inside the image (an absolute target starts at the image's root, never the host's).
          -l    long listing, like ls -la: mode, links, uid, gid, size (major, minor for a device),
                modification time (UTC), name, and "-> target" for a symlink. "." and ".." are listed,
                and a PATH that is itself a symlink is shown as the link (add a trailing / to list
                the directory it points to).
        """;

    public static int Execute(string[] args)
    {
        bool longFormat = false;
        var operands = new List<string>();
        foreach (string a in args)
        {
            switch (a)
            {
                case "--help" or "-h":
                    Console.Out.WriteLine(Usage);
                    return 0;
                case "-l":
                    longFormat = true;
                    break;
                default:
                    if (a.StartsWith('-') && a.Length > 1)
                    {
                        throw new UsageException($"image ls: unknown option '{a}'; try 'userkernel image ls --help'");
                    }
                    operands.Add(a);
                    break;
            }
        }
        if (operands.Count is 0 or > 2)
        {
            throw new UsageException("image ls: expected IMG [PATH]; try 'userkernel image ls --help'");
        }
        string path = operands.Count == 2 ? operands[1] : "/";
        using var reader = Ext4Reader.Open(operands[0]);
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
