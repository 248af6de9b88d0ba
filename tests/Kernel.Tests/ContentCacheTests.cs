using System;
using System.IO;
using System.Linq;
using UserKernel.Kernel.Abi;
using UserKernel.Kernel.Vfs;
using Xunit;
using FileMode = UserKernel.Kernel.Abi.FileMode;

namespace UserKernel.Kernel.Tests;

/// <summary>The kept copies of image files (<see cref="ContentCache"/>): made once, per version of an image, pruned when it is gone.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class ContentCacheTests : IDisposable
{
    private readonly string work = Directory.CreateTempSubdirectory("userkernel-content-cache-").FullName;
    private string Root => Path.Combine(work, "cache");

    public void Dispose() => Directory.Delete(work, recursive: true);

    private string Image(string name, string text = "an image")
    {
        string path = Path.Combine(work, name);
        File.WriteAllText(path, text);
        return path;
    }

    private static MemoryInode File5(byte[] bytes) => new(new TreeFileSystem(), 5, bytes, FileMode.S_IFREG | 0x1A4);

    [Fact]
    public void A_kept_copy_holds_the_files_bytes_is_read_only_and_is_made_once()
    {
        string image = Image("a.img");
        ContentCache cache = ContentCache.For(image, Root)!;
        byte[] bytes = Enumerable.Range(0, 3 << 20).Select(i => (byte)(i * 7)).ToArray(); // more than one chunk

        string path = cache.PathOf("5", File5(bytes)).Value;
        DateTime written = File.GetLastWriteTimeUtc(path);
        string again = ContentCache.For(image, Root) is { } same ? same.PathOf("5", File5(bytes)).Value : "";

        Assert.Equal(bytes, File.ReadAllBytes(path));
        Assert.Equal(UnixFileMode.UserRead, File.GetUnixFileMode(path));
        Assert.Equal(path, again);
        Assert.Equal(written, File.GetLastWriteTimeUtc(path)); // found, not written again
        Assert.Empty(Directory.GetFiles(cache.Directory, "*.part"));
    }

    [Fact]
    public void A_changed_image_gets_a_directory_of_its_own()
    {
        string image = Image("b.img");
        string before = ContentCache.For(image, Root)!.Directory;
        File.AppendAllText(image, " changed");

        Assert.NotEqual(before, ContentCache.For(image, Root)!.Directory);
    }

    [Fact]
    public void A_directory_whose_record_names_another_image_is_not_shared()
    {
        // Arrange: as if another image's version had hashed to this image's directory name.
        string image = Image("c.img");
        string directory = ContentCache.For(image, Root)!.Directory;
        File.WriteAllText(Path.Combine(directory, "image"), "/elsewhere/other.img\n1\n2\n3\n4\n5\n");

        // Act and assert: this image runs without the cache rather than with the other image's files.
        Assert.Null(ContentCache.For(image, Root));
    }

    [Fact]
    public void Prune_removes_the_directories_of_images_gone_or_changed_and_keeps_the_rest()
    {
        string kept = Image("kept.img"), gone = Image("gone.img"), changed = Image("changed.img");
        string keptDir = ContentCache.For(kept, Root)!.Directory, goneDir = ContentCache.For(gone, Root)!.Directory,
            changedDir = ContentCache.For(changed, Root)!.Directory;
        File.Delete(gone);
        File.AppendAllText(changed, "!");

        int removed = ContentCache.Prune(Root);

        Assert.Equal(2, removed);
        Assert.True(Directory.Exists(keptDir));
        Assert.False(Directory.Exists(goneDir));
        Assert.False(Directory.Exists(changedDir));
    }

    [Fact]
    public void A_cache_root_others_may_write_is_not_used()
    {
        Directory.CreateDirectory(Root);
        File.SetUnixFileMode(Root, (UnixFileMode)0x1FF); // 0777

        Assert.Null(ContentCache.For(Image("c.img"), Root));
    }

    [Fact]
    public void A_file_the_image_cannot_give_is_an_errno_and_leaves_no_part()
    {
        ContentCache cache = ContentCache.For(Image("d.img"), Root)!;

        Result<string> made = cache.PathOf("9", new UnreadableFile(new TreeFileSystem()));

        Assert.Equal(Errno.EIO, made.Error);
        Assert.Empty(Directory.GetFiles(cache.Directory, "9*"));
    }

    private sealed class UnreadableFile(SuperBlock sb) : Inode(sb, 9)
    {
        public override uint Mode => FileMode.S_IFREG | 0x1A4;
        public override long Size => 100;
        public override Result<int> Read(long offset, Span<byte> buffer) => Errno.EIO;
    }
}
