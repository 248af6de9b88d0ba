using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading.Tasks;
using Mono.Unix.Native;
using UserKernel.TestSupport;
using Xunit;

namespace UserKernel.RootFs.Tests.Fixtures;

/// <summary>One image the fixture builds, and what the tests may expect of it.</summary>
public sealed record ImageSpec(string Name, string FsType, uint BlockSize, int InodeSize, params string[] Options)
{
    public bool Extents => FsType == "ext4";
    public bool Is64Bit => Extents && !Options.Contains("^64bit") && !Options.Any(o => o.Contains("^64bit", StringComparison.Ordinal));
    public bool InlineData => Options.Any(o => o.Contains("inline_data", StringComparison.Ordinal));
    public bool HasExtraFields => InodeSize > 128;
    /// <summary>Revision 0 predates the filetype and dir_index features.</summary>
    public bool Revision0 => Options.Contains("-r");
    public bool HasFileType => !Revision0;
    public bool HasDirIndex => !Revision0;
    public override string ToString() => Name;
}

/// <summary>
/// Builds the source tree once and an image of it for each <see cref="Specs"/> entry, shared by
/// every test class in the "ext images" collection.
/// </summary>
public sealed class ExtImages : ImageFixture, IAsyncLifetime
{
    public static readonly ImageSpec[] Specs =
    [
        new("ext2-rev0", "ext2", 1024, 128, "-r", "0", "-b", "1024"),
        new("ext2-1k", "ext2", 1024, 128, "-b", "1024", "-I", "128"),
        new("ext2-4k", "ext2", 4096, 256, "-b", "4096", "-I", "256"),
        new("ext3-1k", "ext3", 1024, 256, "-b", "1024", "-I", "256"),
        new("ext3-4k-128", "ext3", 4096, 128, "-b", "4096", "-I", "128"),
        new("ext4-4k", "ext4", 4096, 256, "-b", "4096", "-I", "256"),
        new("ext4-1k-32bit-128", "ext4", 1024, 128, "-b", "1024", "-I", "128", "-O", "^64bit"),
        new("ext4-1k-64bit", "ext4", 1024, 256, "-b", "1024", "-I", "256", "-O", "64bit"),
        new("ext4-inline", "ext4", 4096, 256, "-b", "4096", "-I", "256", "-O", "inline_data"),
        new("ext4-metabg", "ext4", 1024, 256, "-b", "1024", "-I", "256", "-g", "1024", "-O", "meta_bg,^resize_inode,^64bit"),
        new("ext4-bigalloc", "ext4", 4096, 256, "-b", "4096", "-I", "256", "-O", "bigalloc", "-C", "16384"),
        // 64 KiB blocks: rec_len of a whole block no longer fits 16 bits. Without metadata_csum
        // no checksum tail shortens the empty entry that fills lost+found's second block.
        new("ext4-64k", "ext4", 65536, 256, "-b", "65536", "-I", "256", "-N", "8192", "-O", "^metadata_csum"),
    ];

    private readonly Dictionary<string, string> _images = new(StringComparer.Ordinal);

    public ExtImages() : base("rootfs-images")
    {
    }

    public SourceTree Source { get; private set; } = null!;

    /// <summary>Paths whose nanosecond times the fixture wrote with debugfs (mke2fs 1.47.0 copies seconds only).</summary>
    public IReadOnlySet<string> NanosecondPaths { get; private set; } = new HashSet<string>();

    public static TheoryData<string> Names => new(Specs.Select(s => s.Name));

    public static ImageSpec Spec(string name) => Specs.Single(s => s.Name == name);

    public string ImagePath(string name) => _images[name];

    public async Task InitializeAsync()
    {
        Source = await SourceTree.BuildAsync(Dir.Combine("src"));
        NanosecondPaths = Source.AllPaths()
            .Where(p => !p.StartsWith(SourceTree.BigDir + "/", StringComparison.Ordinal)
                && !p.StartsWith(SourceTree.DeepHtreeDir + "/", StringComparison.Ordinal))
            .ToHashSet(StringComparer.Ordinal);
        await Task.WhenAll(Specs.Select(BuildAsync));
    }

    public Task DisposeAsync() => Task.CompletedTask;

    private async Task BuildAsync(ImageSpec spec)
    {
        var label = spec.Name.Length > 16 ? spec.Name[..16] : spec.Name;
        var image = await MakeExtImageAsync($"{spec.Name}.img", Source.Root, spec.FsType, "128M", [.. spec.Options, "-L", label]);
        var script = new StringBuilder();
        if (spec.HasExtraFields)
        {
            foreach (var path in NanosecondPaths)
            {
                var stat = SourceTree.Lstat(Source.Full(path));
                script.AppendLine($"sif \"/{path}\" mtime_extra {Extra(stat.st_mtime, stat.st_mtime_nsec)}");
                script.AppendLine($"sif \"/{path}\" ctime_extra {Extra(stat.st_ctime, stat.st_ctime_nsec)}");
            }
        }
        if (spec.Extents && !spec.InlineData)
        {
            script.AppendLine($"fallocate /{SourceTree.UnwrittenFile} 0 {1024 * 1024 / spec.BlockSize - 1}");
        }
        if (script.Length > 0)
        {
            var scriptPath = Dir.Combine($"{spec.Name}.debugfs");
            await File.WriteAllTextAsync(scriptPath, script.ToString());
            await DebugfsScriptAsync(image, scriptPath);
        }
        // mke2fs -d leaves big directories linear; e2fsck -D builds their htree indexes.
        await E2fsckAsync(image, "-D");
        lock (_images)
        {
            _images[spec.Name] = image;
        }
    }

    /// <summary>The _extra word: nanoseconds above two epoch bits that extend the signed 32-bit seconds.</summary>
    private static long Extra(long sec, long nsec) => (nsec << 2) | ((sec - (int)sec) >> 32 & 3);
}

[CollectionDefinition(Name)]
public sealed class ExtImagesCollection : ICollectionFixture<ExtImages>
{
    public const string Name = "ext images";
}
