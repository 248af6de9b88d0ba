using System;
using System.IO;
using System.Threading.Tasks;
using UserKernel.TestSupport;
using Xunit;

namespace UserKernel.EndToEnd.Tests;

/// <summary>
/// The test tree with a /proc directory and tests/guest/corners.c built with gcc and musl-gcc into /guest: an image of
/// its own, since the program needs procfs both natively (a pid namespace of its own with procfs mounted, under chroot
/// into a writable copy of the tree) and under userkernel.
/// </summary>
public sealed class CornersImage : ImageFixture, IAsyncLifetime
{
    public CornersImage() : base("e2e-corners")
    {
    }

    /// <summary>The source tree the image was made from.</summary>
    public string SourceDir => Dir.Combine("tree");

    /// <summary>The ext4 image.</summary>
    public string Image { get; private set; } = "";

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(SourceDir);
        await TestTree.BuildAsync(SourceDir, withGuestPrograms: false);
        Directory.CreateDirectory(Path.Combine(SourceDir, "proc"));
        // 1777, as the guest's tmpfs /tmp is, where the program's ordinary user makes its own files.
        File.SetUnixFileMode(Path.Combine(SourceDir, "tmp"), (UnixFileMode)0x3FF);
        string source = Path.Combine(AppContext.BaseDirectory, "guest", "corners.c");
        Directory.CreateDirectory(Path.Combine(SourceDir, "guest"));
        await Task.WhenAll(
            GuestCompiler.CompileGlibcAsync(source, Path.Combine(SourceDir, "guest", "corners")),
            GuestCompiler.CompileMuslAsync(source, Path.Combine(SourceDir, "guest", "corners.musl")));
        Image = await MakeExtImageAsync("root.ext4", SourceDir, "ext4", "64M");
    }

    public Task DisposeAsync() => Task.CompletedTask;
}

/// <summary>
/// The errno corners the Linux Test Project's syscall suite found (issue 11): tests/guest/corners.c natively and under
/// userkernel's writable root, compared line for line.
/// </summary>
public sealed class ErrnoCornersTests(CornersImage image) : IClassFixture<CornersImage>
{
    [Theory]
    [InlineData("/guest/corners")]
    [InlineData("/guest/corners.musl")]
    public async Task Errno_corners_answer_as_natively(string program)
    {
        // Arrange
        using var copy = new TempDir("native-corners");
        await HostTool.RunAsync("cp", "coreutils", ["-a", image.SourceDir + "/.", copy.Path]);

        // Act
        RunResult native = await Runner.NativeWithProcAsync(copy.Path, program);
        RunResult guest = await Runner.WritableGuestAsync(image.Image, program);

        // Assert: the native run met the corners this test is about, and the guest met the same.
        Assert.Equal(0, native.ExitCode);
        foreach (string line in (string[])[
            "read /data/nested: EISDIR\n", "preadv /proc/self: EISDIR\n", "openat relative to it: ok\n",
            "user: open another's file O_NOATIME: EPERM\n", "user: kill another user's process: EPERM\n",
            "user: bind tcp 127.0.0.1:1023: EACCES\n", "user: PR_CAPBSET_DROP CAP_MKNOD: EPERM\n",
            "user: PR_SET_SECUREBITS SECBIT_KEEP_CAPS: EPERM\n", "readlink \"\": ENOENT\n",
            "truncate up past the limit: EFBIG\nSIGXFSZ so far: 1\n", "execve /data/prog while open for writing: ETXTBSY\n",
            "open /tmp/prog O_WRONLY while it runs: ETXTBSY\n", "bind AF_UNIX address on AF_INET socket: EAFNOSUPPORT\n",
            "user: clock_settime CLOCK_REALTIME: EPERM\n", "clock_gettime of a thread's clock: ok\n",
            "sched_getaffinity of a pid that does not exist: ESRCH\n", "tcsetpgrp on a descriptor that is not open: EBADF\n",
            "pidfd_send_signal SIGTERM to a /proc/PID descriptor: ok\n", "opens until the limit: 13, then EMFILE\n",
            "execve at the limit: exit 0\n", "F_GETLK from a child: ok, type F_WRLCK, holder is the parent: yes\n",
            "remount the bind read-only: ok\n", "open through it for writing: EROFS\n", "link across the bind: EXDEV\n",
            "after a CLONE_FS child's chdir and umask: cwd /tmp, umask 077\n", "after a forked child's chdir and umask: cwd /, umask 022\n"])
        {
            Assert.Contains(line, native.StandardOutput);
        }
        Assert.Equal(native.ToString(), guest.ToString());
    }
}
