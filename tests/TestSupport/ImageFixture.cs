using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text.RegularExpressions;
using System.Threading.Tasks;

namespace UserKernel.TestSupport;

/// <summary>
/// Builds ext2/3/4 images with e2fsprogs for tests, in a temp directory removed on Dispose.
/// Derive a collection fixture from it to share built images across test classes.
/// </summary>
public class ImageFixture : IDisposable
{
    private const string E2fsprogs = "e2fsprogs";

    public ImageFixture(string name = "images")
    {
        Dir = new TempDir(name);
    }

    /// <summary>Where images (and anything else the fixture makes) live.</summary>
    public TempDir Dir { get; }

    /// <summary>
    /// Runs <c>mke2fs -q -F -t TYPE [OPTIONS] -d SOURCE IMAGE SIZE</c> and returns the image's path.
    /// </summary>
    /// <param name="fileName">The image's file name inside <see cref="Dir"/>.</param>
    /// <param name="sourceDir">The directory whose contents become the filesystem's root.</param>
    /// <param name="fsType">ext2, ext3 or ext4.</param>
    /// <param name="size">As mke2fs takes it: "64M".</param>
    /// <param name="options">More mke2fs options: "-b", "1024", "-I", "128", "-O", "^64bit" …</param>
    public async Task<string> MakeExtImageAsync(string fileName, string sourceDir, string fsType, string size, params string[] options)
    {
        var image = Dir.Combine(fileName);
        var args = new List<string> { "-q", "-F", "-t", fsType };
        args.AddRange(options);
        args.AddRange(["-d", sourceDir, image, size]);
        await HostTool.RunAsync("mke2fs", E2fsprogs, args);
        return image;
    }

    /// <summary>Runs one debugfs request (read-only unless <paramref name="writable"/>) and returns its output.</summary>
    public static Task<string> DebugfsAsync(string image, string request, bool writable = false)
    {
        var args = new List<string>();
        if (writable)
        {
            args.Add("-w");
        }
        args.AddRange(["-R", request, image]);
        return HostTool.RunAsync("debugfs", E2fsprogs, args);
    }

    /// <summary>Runs debugfs -w -f on a file of requests, one per line.</summary>
    public static Task<string> DebugfsScriptAsync(string image, string scriptPath) =>
        HostTool.RunAsync("debugfs", E2fsprogs, ["-w", "-f", scriptPath, image]);

    /// <summary>Runs <c>e2fsck -f -y OPTIONS IMAGE</c>, accepting "no errors" and "errors corrected" (0 and 1).</summary>
    public static Task<string> E2fsckAsync(string image, params string[] options) =>
        HostTool.RunAsync("e2fsck", E2fsprogs, ["-f", "-y", .. options, image], 0, 1);

    /// <summary>The header fields dumpe2fs -h prints ("Block count" → "16384").</summary>
    public static async Task<IReadOnlyDictionary<string, string>> SuperblockFieldsAsync(string image)
    {
        var output = await HostTool.RunAsync("dumpe2fs", E2fsprogs, ["-h", image]);
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (Match match in Regex.Matches(output, @"^([^:\n]+):[ \t]*(.*)$", RegexOptions.Multiline))
        {
            fields.TryAdd(match.Groups[1].Value.Trim(), match.Groups[2].Value.Trim());
        }
        return fields;
    }

    /// <summary>Where debugfs says an inode lives: (block, byte offset in the block).</summary>
    public static async Task<(long Block, int Offset)> InodeLocationAsync(string image, string path)
    {
        var output = await DebugfsAsync(image, $"imap \"{path}\"");
        var match = Regex.Match(output, @"located at block (\d+), offset 0x([0-9a-fA-F]+)");
        if (!match.Success)
        {
            throw new InvalidOperationException($"debugfs imap {path}: unexpected output: {output}");
        }
        return (long.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture),
            int.Parse(match.Groups[2].Value, NumberStyles.HexNumber, CultureInfo.InvariantCulture));
    }

    /// <summary>Deletes the images.</summary>
    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    private readonly List<string> mounts = new();

    /// <summary>Loop-mounts <paramref name="image"/> read-only at a new directory (needs root); unmounted on Dispose.</summary>
    public async Task<string> MountReadOnlyAsync(string image, string directoryName = "mnt")
    {
        string mountPoint = Dir.CreateDirectory(directoryName);
        await HostTool.RunAsync("mount", "mount", ["-o", "loop,ro", image, mountPoint]);
        mounts.Add(mountPoint);
        return mountPoint;
    }

    protected virtual void Dispose(bool disposing)
    {
        if (disposing)
        {
            // Unmount before the directory holding the mount points is deleted.
            foreach (string mountPoint in mounts) HostTool.RunAsync("umount", "mount", [mountPoint]).GetAwaiter().GetResult();
            mounts.Clear();
            Dir.Dispose();
        }
    }
}
