using System;
using System.Collections.Generic;
using System.IO;

namespace UserKernel.SyscallBridge.Launch;

/// <summary>
/// The empty ext4 filesystem of the content store, as a sparse file. The kernel's own image writer makes it; since only
/// its metadata blocks hold data, those are kept in the user's cache (per size) and written straight into a sparse file
/// the next time, which spares each run the writer's work.
/// </summary>
internal static class EmptyFilesystem
{
    /// <summary>One inode per 4 KiB (mke2fs's "small" type): 2 million for the default 8 GiB, so a guest can make a million files.</summary>
    private const int BytesPerInode = 4096;

    /// <summary>Writes an empty ext4 filesystem of <paramref name="size"/> bytes, with dir_index, to <paramref name="path"/>.</summary>
    public static void Write(string path, long size)
    {
        string cache = CachePath(size);
        if (TryWriteFromCache(cache, path, size)) return;
        RootFs.Writer.ImageWriter.Write(new RootFs.Tree.FileTree(), path,
            new RootFs.Writer.ImageWriterOptions { SizeBytes = size, Label = "userkernel", DirIndex = true, BytesPerInode = BytesPerInode });
        try { SaveToCache(path, cache); }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException) { } // a cache it could not write
    }

    private static string CachePath(long size)
    {
        string root = Environment.GetEnvironmentVariable("XDG_CACHE_HOME") ??
            Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
        return Path.Combine(root, "userkernel", $"store-ext4-{size}-i{BytesPerInode}.extents");
    }

    /// <summary>The cache: the size, then (offset, length, bytes) for each run of data; false if there is none or it is damaged.</summary>
    private static bool TryWriteFromCache(string cache, string path, long size)
    {
        byte[] saved;
        try { saved = File.ReadAllBytes(cache); }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException) { return false; }
        if (saved.Length < 8 || BitConverter.ToInt64(saved, 0) != size) return false;
        var runs = new List<(long Offset, int At, int Length)>();
        for (int at = 8; at < saved.Length;)
        {
            if (at + 16 > saved.Length) return false;
            long offset = BitConverter.ToInt64(saved, at);
            long length = BitConverter.ToInt64(saved, at + 8);
            if (offset < 0 || length <= 0 || offset + length > size || at + 16 + length > saved.Length) return false;
            runs.Add((offset, at + 16, (int)length));
            at += 16 + (int)length;
        }
        using var file = new FileStream(path, FileMode.Create, FileAccess.Write);
        file.SetLength(size);
        foreach ((long offset, int from, int length) in runs)
        {
            file.Position = offset;
            file.Write(saved, from, length);
        }
        return true;
    }

    /// <summary>Keeps the data runs of a freshly written image (the holes are the rest).</summary>
    private static void SaveToCache(string image, string cache)
    {
        using var input = new FileStream(image, FileMode.Open, FileAccess.Read);
        var saved = new MemoryStream();
        saved.Write(BitConverter.GetBytes(input.Length));
        foreach ((long offset, long length) in DataRuns(input.SafeFileHandle, input.Length))
        {
            byte[] bytes = new byte[length];
            RandomAccess.Read(input.SafeFileHandle, bytes, offset);
            saved.Write(BitConverter.GetBytes(offset));
            saved.Write(BitConverter.GetBytes(length));
            saved.Write(bytes);
        }
        Directory.CreateDirectory(Path.GetDirectoryName(cache)!);
        string temporary = cache + ".tmp" + Environment.ProcessId;
        File.WriteAllBytes(temporary, saved.ToArray());
        File.Move(temporary, cache, overwrite: true);
    }

    /// <summary>The runs of data of a sparse file, by lseek's SEEK_DATA and SEEK_HOLE.</summary>
    private static IEnumerable<(long Offset, long Length)> DataRuns(Microsoft.Win32.SafeHandles.SafeFileHandle handle, long size)
    {
        const int SEEK_DATA = 3, SEEK_HOLE = 4;
        int fd = (int)handle.DangerousGetHandle();
        long at = 0;
        while (at < size)
        {
            long data = (long)Tmds.Linux.LibC.lseek(fd, at, SEEK_DATA);
            if (data < 0 || data >= size) yield break;
            long hole = (long)Tmds.Linux.LibC.lseek(fd, data, SEEK_HOLE);
            if (hole <= data) hole = size;
            yield return (data, hole - data);
            at = hole;
        }
    }
}
