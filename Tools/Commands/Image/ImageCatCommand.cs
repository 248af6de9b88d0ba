using System;
using System.Collections.Generic;
using System.CommandLine;
using System.IO;
using UserKernel.RootFs.Ext4;
using UserKernel.RootFs.Images;

namespace UserKernel.Tools.Commands.Image;

/// <summary>`userkernel image cat IMG PATH...`: a file's bytes from an image, without booting it.</summary>
public static class ImageCatCommand
{
    private const string Description = """
        Writes the bytes of each PATH in the image IMG to standard output, in order. Symlinks are followed
        inside the image. Every PATH is checked first: a directory or a missing path is an error and nothing
        is written.
        """;

    /// <summary>`image cat IMG PATH...`.</summary>
    public static Command Definition()
    {
        var image = new Argument<string>("IMG") { Description = "the image" };
        var paths = new Argument<string[]>("PATH") { Arity = ArgumentArity.OneOrMore, Description = "files in the image" };
        var command = new Command("cat", "write files of an image to standard output\n\n" + Description) { image, paths };
        command.SetAction(r => Execute(r.GetRequiredValue(image), r.GetRequiredValue(paths)));
        return command;
    }

    private static int Execute(string image, string[] args)
    {
        using var reader = Ext4Reader.Open(image);
        var paths = new ImagePaths(reader);
        var files = new List<uint>();
        foreach (string path in args)
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
