using System;
using System.Collections.Generic;
using System.Linq;
using UserKernel.Kernel.Abi;
using UserKernel.Kernel.Filesystems.Overlay;
using UserKernel.Kernel.Filesystems.Tmpfs;
using UserKernel.Kernel.Vfs;
using Xunit;

namespace UserKernel.Kernel.Tests;

/// <summary>The overlay's upper layer over a read-only tree: whiteouts, opaque directories, listings, links, copy-up.</summary>
public sealed class OverlayFileSystemTests : IDisposable
{
    /// <summary>Where the writable files of the filesystems under test keep their bytes.</summary>
    private readonly ContentStore store = new();

    public void Dispose() => store.Dispose();

    private readonly TreeFileSystem lower = new();
    private readonly OverlaySuperBlock overlay;

    public OverlayFileSystemTests()
    {
        lower.Dir("/etc");
        lower.File("/etc/passwd");
        lower.File("/etc/group");
        lower.File("/etc/hosts");
        lower.Dir("/etc/skel");
        lower.File("/etc/skel/.profile");
        overlay = new OverlaySuperBlock(lower, 7, store);
    }

    private Inode At(string path)
    {
        Inode inode = overlay.Root;
        foreach (string part in path.Trim('/').Split('/')) inode = inode.Lookup(part).Value;
        return inode;
    }

    private static List<string> Names(Inode dir) => dir.ReadDirectory().Value.Select(e => e.Name).ToList();

    [Fact]
    public void Unlink_of_a_lower_name_hides_it_and_leaves_the_lower_tree_alone()
    {
        // Act
        Errno e = At("/etc").Unlink("passwd");

        // Assert
        Assert.Equal(Errno.OK, e);
        Assert.Equal(Errno.ENOENT, At("/etc").Lookup("passwd").Error);
        Assert.DoesNotContain("passwd", Names(At("/etc")));
        Assert.True(lower.Root.Lookup("etc").Value.Lookup("passwd").Ok);
    }

    [Fact]
    public void Directory_made_where_a_removed_one_stood_is_opaque()
    {
        // Arrange
        Inode etc = At("/etc");
        Assert.Equal(Errno.OK, At("/etc/skel").Unlink(".profile"));
        Assert.Equal(Errno.OK, etc.Rmdir("skel"));

        // Act
        Inode skel = etc.Mkdir("skel", 0x1ED, 0, 0).Value;

        // Assert
        Assert.Equal(new[] { ".", ".." }, Names(skel));
        Assert.Equal(Errno.ENOENT, skel.Lookup(".profile").Error);
    }

    [Fact]
    public void Rmdir_of_a_directory_with_lower_entries_is_ENOTEMPTY()
    {
        Assert.Equal(Errno.ENOTEMPTY, At("/etc").Rmdir("skel"));
    }

    [Fact]
    public void Listing_positions_stay_put_while_names_come_and_go()
    {
        // Arrange
        Inode etc = At("/etc");
        Dictionary<string, long> before = etc.ReadDirectory().Value.ToDictionary(e => e.Name, e => e.Position);

        // Act
        Assert.Equal(Errno.OK, etc.Unlink("group"));
        Assert.True(etc.Create("new", FileMode.S_IFREG | 0x1A4, 0, 0).Ok);
        IReadOnlyList<DirectoryEntry> after = etc.ReadDirectory().Value;

        // Assert
        foreach (DirectoryEntry entry in after.Where(e => e.Name != "new")) Assert.Equal(before[entry.Name], entry.Position);
        Assert.True(after.Single(e => e.Name == "new").Position > before.Values.Max());
        for (int i = 0; i + 1 < after.Count; i++) Assert.Equal(after[i + 1].Position, after[i].NextPosition);
    }

    [Fact]
    public void Rename_of_a_directory_moves_its_links_and_its_parent()
    {
        // Arrange
        Inode root = overlay.Root;
        Inode etc = At("/etc");
        Inode moved = etc.Mkdir("sub", 0x1ED, 0, 0).Value;
        ulong etcLinks = etc.LinkCount;

        // Act
        Errno e = etc.Rename("sub", root, "top", exchange: false);

        // Assert
        Assert.Equal(Errno.OK, e);
        Assert.Same(moved, root.Lookup("top").Value);
        Assert.Equal(etcLinks - 1, etc.LinkCount);
        Assert.Equal(root.Ino, moved.ReadDirectory().Value.Single(x => x.Name == "..").Ino);
    }

    [Fact]
    public void Hard_links_count_names_and_unlink_keeps_the_inode()
    {
        // Arrange
        Inode hosts = At("/etc/hosts");

        // Act
        Assert.Equal(Errno.OK, overlay.Root.Link("hosts", hosts));
        ulong linked = hosts.LinkCount;
        Assert.Equal(Errno.OK, At("/etc").Unlink("hosts"));

        // Assert
        Assert.Equal(2UL, linked);
        Assert.Equal(1UL, hosts.LinkCount);
        Assert.Same(hosts, overlay.Root.Lookup("hosts").Value);
    }

    [Fact]
    public void Tmpfs_file_bytes_live_in_a_stored_file_whose_size_stat_reports()
    {
        // Arrange
        var tmpfs = new TmpfsSuperBlock(9, store);
        Inode file = tmpfs.Root.Create("f", FileMode.S_IFREG | 0x1A4, 0, 0).Value;

        // Act
        System.IO.File.WriteAllText(file.ContentPath!, "hello");
        Errno truncated = file.SetAttributes(size: 2);
        var buffer = new byte[8];
        int n = file.Read(0, buffer).Value;

        // Assert
        Assert.Equal(Errno.OK, truncated);
        Assert.Equal(2, file.Size);
        Assert.Equal("he", System.Text.Encoding.ASCII.GetString(buffer, 0, n));
        Assert.Equal(0x3FFu, tmpfs.Root.Mode & 0xFFF);
    }

    [Fact]
    public void Stored_file_goes_with_the_last_name_and_its_record_at_the_next_prune()
    {
        // Arrange: no guests, so nothing is held; every 128 new files opened, HostFiles prunes.
        var tmpfs = new TmpfsSuperBlock(9, store);
        using var host = new HostFiles { GuestDescriptors = () => [] };
        var root = new Dentry("", null, tmpfs.Root);
        Inode doomed = tmpfs.Root.Create("doomed", FileMode.S_IFREG | 0x1A4, 0, 0).Value;
        Assert.True(host.PathFor(new Dentry("doomed", root, doomed)).Ok);
        string storedAt = doomed.ContentPath!;
        void OpenNewFiles(string prefix)
        {
            for (int i = 0; i < 128; i++)
            {
                Inode f = tmpfs.Root.Create(prefix + i, FileMode.S_IFREG | 0x1A4, 0, 0).Value;
                Assert.True(host.PathFor(new Dentry(prefix + i, root, f)).Ok);
            }
        }

        // Act
        Assert.Equal(Errno.OK, tmpfs.Root.Unlink("doomed"));
        bool goneAtOnce = !System.IO.File.Exists(storedAt);
        bool recordKeptUntilAPrune = doomed.ContentPath != null;
        OpenNewFiles("first");

        // Assert: the room came back at the unlink (a guest holding the file would have kept it, as on Linux).
        Assert.True(goneAtOnce);
        Assert.True(recordKeptUntilAPrune);
        Assert.Null(doomed.ContentPath);
        Assert.NotNull(tmpfs.Root.Lookup("first0").Value.ContentPath);
    }

    [Fact]
    public void Chmod_and_chown_are_the_overlays_own()
    {
        // Arrange
        Inode passwd = At("/etc/passwd");

        // Act
        Errno e = passwd.SetAttributes(mode: 0x180, uid: 12, gid: 34);

        // Assert
        Assert.Equal(Errno.OK, e);
        Assert.Equal(FileMode.S_IFREG | 0x180, passwd.Mode);
        Assert.Equal((12u, 34u), (passwd.Uid, passwd.Gid));
        Assert.Equal(FileMode.S_IFREG | 0x1A4, lower.Root.Lookup("etc").Value.Lookup("passwd").Value.Mode);
    }
}
