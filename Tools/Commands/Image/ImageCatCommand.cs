using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using UserKernel.RootFs.Ext4;
using UserKernel.RootFs.Images;

namespace UserKernel.Tools.Commands.Image;

/// <summary>`userkernel image cat IMG PATH...`: a file's bytes from an image, without booting it.</summary>
public static class ImageCatCommand
{
    public const string Usage = """
        usage: userkernel image cat IMG PATH...

        Writes the bytes of each PATH in the image IMG to standard output, in order. Symlinks are followed
        inside the image. Every PATH is checked first: a directory or a missing path is an error and nothing
        is written.
        """;

    public static int Execute(string[] args)
    {
        if (args.Any(a => a is "--help" or "-h"))
        {
            Console.Out.WriteLine(Usage);
            return 0;
        }
        if (args.Length < 2)
        {
            throw new UsageException("image cat: expected IMG PATH...; try 'userkernel image cat --help'");
        }
        using var reader = Ext4Reader.Open(args[0]);
        var paths = new ImagePaths(reader);
        var files = new List<uint>();
        foreach (string path in args.Skip(1))
        {
            if (!paths.TryResolve(path, followLast: true, out var found, out string error))
            {
                throw new UsageException($"image cat: {path}: {error}");
            }
            var inode = reader.ReadInode(found.Inode);
            if (inode.IsDirectory)
            {
                throw new UsageException($"image cat: {path}: Is a directory");
            }
            if (!inode.IsRegular)
            {
                throw new UsageException($"image cat: {path}: not a regular file");
            }
            files.Add(found.Inode);
        }
        using Stream stdout = Console.OpenStandardOutput();
        var buffer = new byte[1 << 20];
        foreach (uint ino in files)
        {
            long offset = 0;
            int n;
            while ((n = reader.Read(ino, offset, buffer)) > 0)
            {
                stdout.Write(buffer, 0, n);
                offset += n;
            }
        }
        return 0;
    }
}
