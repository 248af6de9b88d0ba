using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using UserKernel.RootFs.Ext4;
using UserKernel.RootFs.Tests.Fixtures;

namespace UserKernel.RootFs.Tests.Oci;

/// <summary>An ext4 image listed through <see cref="Ext4Reader"/> in <see cref="Layers.TreeListing"/>'s notation, lost+found left out.</summary>
public static class ImageListing
{
    public static string Of(Ext4Reader reader)
    {
        var lines = new List<string>();
        var pending = new Stack<(string Path, uint Ino)>();
        pending.Push(("", Ext4Reader.RootInode));
        while (pending.Count > 0)
        {
            var (dirPath, dirIno) = pending.Pop();
            foreach (var entry in reader.ReadDirectory(dirIno))
            {
                string name = Encoding.UTF8.GetString(entry.Name);
                if (name is "." or ".." || (dirPath == "" && name == "lost+found"))
                    continue;
                string path = dirPath + "/" + name;
                var inode = reader.ReadInode(entry.Inode);
                lines.Add(Line(reader, path, inode));
                if (inode.IsDirectory)
                    pending.Push((path, entry.Inode));
            }
        }
        return string.Join('\n', lines.OrderBy(l => l.Split(' ')[0], StringComparer.Ordinal));
    }

    private static string Line(Ext4Reader reader, string path, Ext4Inode inode)
    {
        string what =
            inode.IsRegular ? "file '" + Encoding.UTF8.GetString(reader.ReadAll(inode.Number)) + "'"
            : inode.IsSymlink ? "link -> " + Encoding.UTF8.GetString(reader.ReadSymlink(inode.Number))
            : inode.IsDirectory ? "dir"
            : inode.IsCharDevice ? $"CharDevice {inode.RdevMajor},{inode.RdevMinor}"
            : inode.IsBlockDevice ? $"BlockDevice {inode.RdevMajor},{inode.RdevMinor}"
            : inode.IsFifo ? "Fifo" : "Socket";
        string mode = Convert.ToString(inode.Mode & 0xFFF, 8).PadLeft(4, '0');
        return $"{path} {mode} {inode.Uid.ToString(CultureInfo.InvariantCulture)}:{inode.Gid.ToString(CultureInfo.InvariantCulture)} {what}";
    }
}
