using System;
using UserKernel.Kernel.Abi;
using UserKernel.Kernel.Filesystems.Tmpfs;
using UserKernel.Kernel.Tasks;
using UserKernel.Kernel.Vfs;
using UserKernel.Kernel.Vfs.Notify;
using Xunit;

namespace UserKernel.Kernel.Tests;

/// <summary>
/// The VFS's path operations without a guest: a writable tmpfs as the root, binds and read-only mounts over it, and
/// the checks <see cref="Namei"/> makes where Linux makes them.
/// </summary>
public sealed class NameiTests : IDisposable
{
    private readonly ContentStore store = new();
    private readonly HostFiles hostFiles = new() { GuestDescriptors = () => [] };
    private readonly Fsnotify fsnotify;
    private readonly MountTable mounts;
    private readonly Namei namei;
    private readonly FsCaller root;

    public NameiTests()
    {
        fsnotify = new Fsnotify(hostFiles, store);
        mounts = new MountTable(new TmpfsSuperBlock(9, store, 0x1ED));
        namei = new Namei(mounts, new PathWalk(mounts), fsnotify, _ => false, () => []);
        root = new FsCaller(Credentials.Root, mounts.Root, 0x12);
    }

    public void Dispose()
    {
        fsnotify.Dispose();
        hostFiles.Dispose();
        store.Dispose();
    }

    private PathAt At(string path) => new(mounts.Root, path);

    private Dentry Lookup(string path) => namei.Lookup(At(path), follow: true, root).Value;

    [Fact]
    public void A_read_only_bind_refuses_changes_through_it_and_only_through_it()
    {
        // Arrange
        Assert.Equal(Errno.OK, namei.MkdirAt(At("/a"), 0x1ED, root));
        Assert.Equal(Errno.OK, namei.MkdirAt(At("/b"), 0x1ED, root));
        Assert.True(namei.OpenAt(At("/a/f"), OpenFlags.O_CREAT | OpenFlags.O_WRONLY, 0x1A4, root).Ok);
        Mount bind = mounts.Bind(Lookup("/b"), Lookup("/a"), readOnly: true);

        // Act and assert: through the bind, every change is EROFS; by the directory's own name, none is.
        Assert.Same(bind, Lookup("/b/f").Mount);
        Assert.Equal(Errno.EROFS, namei.MkdirAt(At("/b/d"), 0x1ED, root));
        Assert.Equal(Errno.EEXIST, namei.MkdirAt(At("/b/f"), 0x1ED, root)); // filename_create's EEXIST comes first
        Assert.Equal(Errno.EROFS, namei.UnlinkAt(At("/b/missing"), rmdir: false, root)); // before the name is looked up
        Assert.Equal(Errno.EROFS, namei.OpenAt(At("/b/f"), OpenFlags.O_WRONLY, 0, root).Error);
        Assert.True(namei.OpenAt(At("/b/f"), OpenFlags.O_RDONLY, 0, root).Ok);
        Assert.Equal(Errno.EROFS, namei.ChangeMode(Lookup("/b/f"), 0x180, root));
        Assert.Equal(Errno.EROFS, namei.LinkAt(Lookup("/a/f"), At("/b/g"), root)); // filename_create's EROFS, then EXDEV
        Assert.Equal(Errno.EXDEV, namei.RenameAt(At("/b/f"), At("/a/g"), 0, root)); // EXDEV before the mount is taken
        Assert.Equal(Errno.OK, namei.MkdirAt(At("/a/d"), 0x1ED, root));
        Assert.Equal(Errno.OK, namei.ChangeMode(Lookup("/a/f"), 0x180, root));

        // A remount writable (the mount's own flag) lets the same changes through.
        bind.ReadOnly = false;
        Assert.Equal(Errno.OK, namei.MkdirAt(At("/b/e"), 0x1ED, root));
        Assert.True(Lookup("/a/e").Inode.IsDirectory);
        Assert.Equal(Errno.EXDEV, namei.LinkAt(Lookup("/a/f"), At("/b/g"), root)); // one filesystem, two mounts
    }

    [Fact]
    public void New_names_take_the_umask_and_a_set_group_id_directorys_group()
    {
        // Arrange
        Assert.Equal(Errno.OK, namei.MkdirAt(At("/shared"), 0x1FF, root));
        Assert.Equal(Errno.OK, namei.ChangeOwner(Lookup("/shared"), uint.MaxValue, 50, root));
        Assert.Equal(Errno.OK, namei.ChangeMode(Lookup("/shared"), 0x5FF, root)); // 02777

        // Act
        Assert.Equal(Errno.OK, namei.MkdirAt(At("/shared/sub"), 0x1FF, root));
        Assert.Equal(Errno.OK, namei.MknodAt(At("/shared/fifo"), FileMode.S_IFIFO | 0x1B6, 0, root));

        // Assert: 0777 and 0666 less the umask 022; the directory's group, and its set-group-ID bit for a subdirectory.
        Inode sub = Lookup("/shared/sub").Inode, fifo = Lookup("/shared/fifo").Inode;
        Assert.Equal(0x5EDu, sub.Mode & 0xFFF);
        Assert.Equal(50u, sub.Gid);
        Assert.Equal(FileMode.S_IFIFO | 0x1A4, fifo.Mode);
        Assert.Equal(50u, fifo.Gid);
    }

    [Fact]
    public void Binds_that_cover_each_others_roots_end_a_walk()
    {
        // Arrange: /x bound over /y, then /y's view bound over /x: a ring a hostile guest can build with mount(2).
        Assert.Equal(Errno.OK, namei.MkdirAt(At("/x"), 0x1ED, root));
        Assert.Equal(Errno.OK, namei.MkdirAt(At("/y"), 0x1ED, root));
        Dentry x = Lookup("/x"), y = Lookup("/y");
        mounts.Bind(y, x);
        mounts.Bind(x, y);

        // Act: the walk crosses at most as many mounts as there are, and answers.
        Result<Dentry> found = namei.Lookup(At("/x/."), follow: true, root);

        // Assert
        Assert.True(found.Ok);
        Assert.True(found.Value.Inode.IsDirectory);
    }

    [Fact]
    public void Rmdir_of_a_mount_point_is_busy_and_umount_frees_it()
    {
        // Arrange
        Assert.Equal(Errno.OK, namei.MkdirAt(At("/m"), 0x1ED, root));
        mounts.Mount(Lookup("/m"), new TmpfsSuperBlock(10, store, 0x1ED));

        // Act and assert
        Assert.Equal(Errno.EBUSY, namei.UnlinkAt(At("/m"), rmdir: true, root));
        Assert.Equal(Errno.OK, mounts.Unmount(Lookup("/m")));
        Assert.Equal(Errno.OK, namei.UnlinkAt(At("/m"), rmdir: true, root));
    }
}
