using UserKernel.Kernel.Abi;
using UserKernel.Kernel.Tasks;
using UserKernel.Kernel.Vfs;
using Xunit;

namespace UserKernel.Kernel.Tests;

public class PathWalkTests
{
    private readonly TreeFileSystem fs = new();
    private readonly MountTable mounts;
    private readonly PathWalk walk;

    public PathWalkTests()
    {
        fs.Dir("etc");
        fs.File("etc/passwd");
        fs.Dir("usr");
        fs.Dir("usr/bin");
        fs.File("usr/bin/sh");
        fs.Symlink("bin", "usr/bin");
        fs.Symlink("abs", "/etc/passwd");
        fs.Symlink("escape", "/../../../etc");
        fs.Symlink("loop1", "loop2");
        fs.Symlink("loop2", "loop1");
        fs.Symlink("dangling", "/nowhere");
        mounts = new MountTable(fs);
        walk = new PathWalk(mounts);
    }

    private Result<Dentry> Walk(string path, bool follow = true) => walk.Resolve(Credentials.Root, mounts.Root, path, follow);

    [Theory]
    [InlineData("/etc/passwd", "/etc/passwd")]
    [InlineData("/bin/sh", "/usr/bin/sh")]
    [InlineData("/../../etc/./passwd", "/etc/passwd")]
    [InlineData("/usr/bin/../../etc", "/etc")]
    [InlineData("/escape/passwd", "/etc/passwd")]
    [InlineData("//etc//passwd", "/etc/passwd")]
    [InlineData("/etc/", "/etc")]
    public void Resolves_as_Linux_does(string path, string expected)
    {
        Assert.True(Walk(path).TryGet(out Dentry? d, out Errno e), e.ToString());
        Assert.Equal(expected, d.Path);
    }

    [Theory]
    [InlineData("/nope", Errno.ENOENT)]
    [InlineData("", Errno.ENOENT)]
    [InlineData("/etc/passwd/x", Errno.ENOTDIR)]
    [InlineData("/etc/passwd/", Errno.ENOTDIR)]
    [InlineData("/loop1", Errno.ELOOP)]
    [InlineData("/dangling", Errno.ENOENT)]
    public void Errors_are_the_errnos_Linux_gives(string path, Errno expected)
    {
        Assert.Equal(expected, Walk(path).Error);
    }

    [Fact]
    public void A_component_longer_than_NAME_MAX_is_ENAMETOOLONG()
    {
        Assert.Equal(Errno.ENAMETOOLONG, Walk("/" + new string('x', 256)).Error);
    }

    [Fact]
    public void The_last_symlink_is_not_followed_when_asked()
    {
        Assert.True(Walk("/abs", follow: false).TryGet(out Dentry? d, out _));
        Assert.True(d.Inode.IsSymlink);
        Assert.True(Walk("/abs").TryGet(out d, out _));
        Assert.True(d.Inode.IsRegular);
    }

    [Fact]
    public void A_trailing_slash_follows_a_symlink_to_a_directory()
    {
        Assert.True(Walk("/bin/", follow: false).TryGet(out Dentry? d, out _));
        Assert.True(d.Inode.IsDirectory);
    }

    [Fact]
    public void A_path_walked_again_reuses_its_dentries()
    {
        Assert.True(Walk("/etc/passwd").TryGet(out Dentry? first, out _));
        Assert.True(Walk("//etc/./passwd").TryGet(out Dentry? again, out _));
        Assert.Same(first, again);
        Assert.Same(first.Parent, again.Parent);
    }

    [Fact]
    public void A_reused_dentry_never_outlives_its_name()
    {
        // Arrange
        Assert.True(Walk("/etc/passwd").TryGet(out Dentry? before, out _));
        TreeFileSystem.Node etc = (TreeFileSystem.Node)before.Parent!.Inode;

        // Act: the name now leads to another file, and the old file has another name.
        TreeFileSystem.Node old = etc.Children["passwd"];
        etc.Children.Remove("passwd");
        etc.Children["moved"] = old;
        TreeFileSystem.Node replacement = fs.File("etc/passwd");

        // Assert
        Assert.True(Walk("/etc/passwd").TryGet(out Dentry? now, out _));
        Assert.NotSame(before, now);
        Assert.Same(replacement, now.Inode);
        Assert.True(Walk("/etc/moved").TryGet(out Dentry? moved, out _));
        Assert.Same(old, moved.Inode);
        Assert.Equal("/etc/moved", moved.Path);
        Assert.Equal(Errno.ENOENT, Walk("/etc/gone").Error);
    }
}
