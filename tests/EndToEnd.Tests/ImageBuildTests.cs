using System.Threading.Tasks;
using UserKernel.TestSupport;
using Xunit;

namespace UserKernel.EndToEnd.Tests;

/// <summary>
/// `image build` from a directory and from a tarball: a guest booted from the built image sees the source
/// tree exactly (types, modes, owners, sizes, times with nanoseconds, link targets, contents, extended
/// attributes) as a native run under chroot into the source tree does, and e2fsck finds the image clean.
/// </summary>
[Collection(GuestImageCollection.Name)]
public sealed class ImageBuildTests(GuestImage image)
{
    private const string Listing =
        "cd /; P='( -path ./proc -o -path ./sys -o -path ./dev -o -path ./tmp -o -path ./lost+found ) -prune -o'; " +
        "find . $P ! -type d -exec stat -c '%n %F %a %u %g %s %h %Y %y %N' {} + | sort; " +
        "find . $P -type d -exec stat -c '%n %a %u %g %Y' {} + | sort; " +
        "find . $P -type f -exec md5sum {} + | sort";

    [Theory]
    [InlineData("directory")]
    [InlineData("tar")]
    [InlineData("tar.gz")]
    [InlineData("tar.xz")]
    [InlineData("tar.zst")]
    public async Task A_built_image_boots_with_the_source_tree(string source)
    {
        // Arrange
        using var dir = new TempDir("build");
        string from = image.SourceDir;
        if (source != "directory")
        {
            from = dir.Combine("tree." + source);
            string compress = source switch { "tar.gz" => "-z", "tar.xz" => "-J", "tar.zst" => "--zstd", _ => "--no-auto-compress" };
            await HostTool.RunAsync("tar", "tar", ["--xattrs", "--xattrs-include=*", compress, "-cf", from, "-C", image.SourceDir, "."]);
        }
        string built = dir.Combine("built.img");

        // Act
        RunResult build = await Runner.UserKernelAsync(["image", "build", from, "-o", built]);
        // Natively in the source tree itself (mke2fs, which made the shared image, drops nanoseconds); listing writes nothing.
        RunResult native = await Runner.NativeAsync(image.SourceDir, "/bin/sh", "-c", Listing);
        RunResult guest = await Runner.UserKernelAsync(["run", "--read-only", "--image", built, "--", "/bin/sh", "-c", Listing]);
        RunResult xattr = await Runner.UserKernelAsync(["run", "--read-only", "--image", built, "--", "/guest/xattr-read", "/data/xattr/tagged"]);

        // Assert
        Assert.True(build.ExitCode == 0, build.ToString());
        Assert.Equal(native.ToString(), guest.ToString());
        Assert.Equal("user.colour=blue\nuser.empty=\n", xattr.StandardOutput);
        await HostTool.RunAsync("e2fsck", "e2fsprogs", ["-fn", built]);
    }
}
