using System;
using System.Collections.Concurrent;
using System.IO;
using System.Linq;
using System.Threading;
using UserKernel.Kernel.Abi;
using UserKernel.Kernel.Filesystems.Overlay;
using UserKernel.Kernel.Filesystems.Tmpfs;
using UserKernel.Kernel.Vfs;
using UserKernel.Kernel.Vfs.Notify;
using Xunit;
using FileMode = UserKernel.Kernel.Abi.FileMode;

namespace UserKernel.Kernel.Tests;

/// <summary>
/// The host objects inotify watches for the guest: a directory's shadow holds its names and follows the changes
/// the VFS reports to <see cref="Fsnotify"/>; a file is watched through the memfd guests write to. Events are
/// read with .NET's FileSystemWatcher, which is inotify on Linux.
/// </summary>
public sealed class FsnotifyTests : IDisposable
{
    private readonly HostFiles hostFiles = new();
    private readonly Fsnotify fsnotify;

    public FsnotifyTests() { fsnotify = new Fsnotify(hostFiles, store); }

    private readonly ContentStore store = new();

    public void Dispose()
    {
        store.Dispose();
        fsnotify.Dispose();
        hostFiles.Dispose();
    }

    [Fact]
    public void A_shadow_holds_a_placeholder_for_every_name_of_its_directory()
    {
        // Arrange
        var tmpfs = new TmpfsSuperBlock(9, store);
        Inode root = tmpfs.Root;
        Assert.True(root.Create("file", FileMode.S_IFREG | 0x1A4, 0, 0).Ok);
        Assert.True(root.Mkdir("dir", 0x1ED, 0, 0).Ok);

        // Act
        string shadow = fsnotify.WatchDirectory(root).Value;

        // Assert
        Assert.True(File.Exists(Path.Combine(shadow, "file")));
        Assert.True(Directory.Exists(Path.Combine(shadow, "dir")));
        Assert.Equal(2, Directory.GetFileSystemEntries(shadow).Length);
    }

    [Fact]
    public void A_regular_files_placeholder_is_its_stored_file_so_opens_through_it_reach_the_directorys_watch()
    {
        // Arrange
        var tmpfs = new TmpfsSuperBlock(9, store);
        Inode root = tmpfs.Root;
        Inode file = root.Create("file", FileMode.S_IFREG | 0x1A4, 0, 0).Value;

        // Act
        string shadow = fsnotify.WatchDirectory(root).Value;
        File.WriteAllText(file.ContentPath!, "bytes");

        // Assert: the same host file by both names; the guest still sees one link.
        Assert.Equal("bytes", File.ReadAllText(Path.Combine(shadow, "file")));
        Assert.Equal(1UL, file.LinkCount);
    }

    [Fact]
    public void Names_made_renamed_and_removed_in_a_watched_directory_raise_host_events()
    {
        // Arrange
        var tmpfs = new TmpfsSuperBlock(9, store);
        Inode root = tmpfs.Root;
        string shadow = fsnotify.WatchDirectory(root).Value;
        var seen = new BlockingCollection<string>();
        using var watcher = new FileSystemWatcher(shadow);
        watcher.Created += (_, e) => seen.Add($"created {e.Name}");
        watcher.Deleted += (_, e) => seen.Add($"deleted {e.Name}");
        watcher.Renamed += (_, e) => seen.Add($"renamed {e.OldName} {e.Name}");
        watcher.EnableRaisingEvents = true;

        // Act
        Inode made = root.Create("a", FileMode.S_IFREG | 0x1A4, 0, 0).Value;
        fsnotify.Create(root, "a", made);
        Assert.Equal(Errno.OK, root.Rename("a", root, "b", exchange: false));
        fsnotify.Move(root, "a", root, "b", made, null, exchange: false);
        Assert.Equal(Errno.OK, root.Unlink("b"));
        fsnotify.Delete(root, "b", made);

        // Assert
        string[] events = Enumerable.Range(0, 3).Select(_ => seen.TryTake(out string? e, TimeSpan.FromSeconds(5)) ? e : "(none)").ToArray();
        Assert.Equal(["created a", "renamed a b", "deleted b"], events);
        Assert.Empty(Directory.GetFileSystemEntries(shadow));
    }

    [Fact]
    public void A_watched_file_of_the_overlay_is_copied_up_and_watched_through_its_stored_file()
    {
        // Arrange
        var lower = new TreeFileSystem();
        lower.File("/f");
        var overlay = new OverlaySuperBlock(lower, 7, store);
        var root = new Dentry("", null, overlay.Root);
        var file = new Dentry("f", root, overlay.Root.Lookup("f").Value);
        Assert.Null(file.Inode.ContentPath);

        // Act
        string path = fsnotify.WatchFile(file).Value;

        // Assert
        Assert.NotNull(file.Inode.ContentPath);
        Assert.Equal(file.Inode.ContentPath, path);
    }
}
