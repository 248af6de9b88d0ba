using System.IO;
using System.Threading.Tasks;
using UserKernel.TestSupport;
using Xunit;

namespace UserKernel.EndToEnd.Tests;

/// <summary>
/// inotify: /guest/inotify (tests/guest/inotify.c) watches files and directories of the image, the overlay, /tmp
/// and a --bind directory, changes them, and prints the events it reads. Each run is compared with the same
/// program run natively in a copy of the tree, where Linux itself raises the events. A directory's watch sees its
/// children opened, read, written and closed (LTP's inotify02 and inotify12 found them missing).
/// </summary>
[Collection(GuestImageCollection.Name)]
public sealed class InotifyTests(GuestImage image)
{
    public static readonly TheoryData<string> Programs = new() { "/guest/inotify", "/guest/inotify.musl" };

    [Theory]
    [MemberData(nameof(Programs))]
    public async Task Watches_on_the_writable_root_and_tmp_report_the_events_Linux_reports(string program)
    {
        // Act
        (RunResult native, RunResult guest) = await image.NativeAndWritableGuestAsync(program);

        // Assert: the native run saw the events this test is about, and the guest saw the same ones.
        Assert.Equal(0, native.ExitCode);
        Assert.Contains("== /tmp/w\n", native.StandardOutput);
        Assert.Contains("watch D again: ok, the same watch as D\nwatching kept F's ctime: yes\n", native.StandardOutput);
        Assert.Contains("append to F:\n  D OPEN top.txt\n  F OPEN\n  D MODIFY top.txt\n  F MODIFY\n  D CLOSE_WRITE top.txt\n  F CLOSE_WRITE\n", native.StandardOutput);
        Assert.Contains("read F:\n  D OPEN top.txt\n  F OPEN\n  D ACCESS top.txt\n  F ACCESS\n  D CLOSE_NOWRITE top.txt\n  F CLOSE_NOWRITE\n", native.StandardOutput);
        Assert.Contains("create new:\n  D CREATE new\n  D OPEN new\n  D MODIFY new\n  D CLOSE_WRITE new\n", native.StandardOutput);
        Assert.Contains("write g after its unlink:\n  D MODIFY g\n  G MODIFY\n", native.StandardOutput);
        Assert.Contains("close g:\n  D CLOSE_WRITE g\n  G CLOSE_WRITE\n  G DELETE_SELF\n  G IGNORED\n", native.StandardOutput);
        Assert.Contains("  H ATTRIB\n  D DELETE h\n  D MODIFY h\n  D CLOSE_WRITE h\n  H DELETE_SELF\n", native.StandardOutput);
        Assert.Contains("  K ATTRIB\n  K DELETE_SELF\n  K IGNORED\n  D DELETE k\n", native.StandardOutput);
        Assert.Contains("  A MOVED_TO moved cookie matches\n", native.StandardOutput);
        Assert.Contains("  sub DELETE_SELF\n  sub IGNORED\n  D DELETE|ISDIR sub2\n", native.StandardOutput);
        Assert.Contains("watch missing: ENOENT\n", native.StandardOutput);
        Assert.Contains("watch onlydir on a file: ENOTDIR\n", native.StandardOutput);
        Assert.Equal(native.ToString(), guest.ToString());
        Assert.Equal(image.ImageSha256, GuestImage.Sha256Of(image.Image));
    }

    [Fact]
    public async Task A_read_only_root_reports_reads_of_image_files()
    {
        // Act
        RunResult native = await Runner.NativeAsync(image.MountPoint, "/guest/inotify", "ro");
        RunResult guest = await Runner.GuestAsync(image.Image, "/guest/inotify", "ro");

        // Assert
        Assert.Equal(0, native.ExitCode);
        Assert.Contains("read F:\n  F OPEN\n  F ACCESS\n  F CLOSE_NOWRITE\n", native.StandardOutput);
        Assert.Contains("chmod F: EROFS\n", native.StandardOutput);
        Assert.Equal(native.ToString(), guest.ToString());
    }

    [Fact]
    public async Task A_bind_mounted_directory_is_watched_on_the_host()
    {
        // Arrange: the guest's /root is a host directory; natively it is the copy's own /root.
        using TempDir copy = await image.WritableCopyAsync("inotify-native");
        using var bound = new TempDir("inotify-bind");

        // Act
        RunResult native = await Runner.NativeAsync(copy.Path, "/guest/inotify", "in", "/root");
        RunResult guest = await Runner.UserKernelAsync(["run", "--image", image.Image, "--bind", bound.Path + ":/root", "--",
            "/guest/inotify", "in", "/root"]);

        // Assert
        Assert.Equal(0, native.ExitCode);
        Assert.Contains("rename back into watched A:\n  D MOVED_FROM back cookie set\n  A MOVED_TO moved cookie matches\n", native.StandardOutput);
        Assert.Contains("  K ATTRIB\n  K DELETE_SELF\n  K IGNORED\n  D DELETE k\n", native.StandardOutput);
        Assert.Equal(native.ToString(), guest.ToString());
        Assert.True(File.Exists(Path.Combine(bound.Path, "f")), "the guest's file reached the bound host directory");
    }

    /// <summary>busybox tail -f polls the file once a second (it does not use inotify); appended lines must show.</summary>
    [Fact]
    public async Task Busybox_tail_follows_appended_lines()
    {
        // Arrange
        const string script =
            "echo one > /tmp/log; tail -f /tmp/log > /tmp/out & sleep 1; echo two >> /tmp/log; echo three >> /tmp/log; " +
            "sleep 2; kill $!; wait; cat /tmp/out";

        // Act
        RunResult guest = await Runner.WritableGuestAsync(image.Image, "/bin/sh", "-c", script);

        // Assert
        Assert.Equal(0, guest.ExitCode);
        Assert.Equal("one\ntwo\nthree\n", guest.StandardOutput);
    }
}
