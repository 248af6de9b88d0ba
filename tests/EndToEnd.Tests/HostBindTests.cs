using System;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using UserKernel.TestSupport;
using Xunit;

namespace UserKernel.EndToEnd.Tests;

/// <summary>
/// --bind HOST:GUEST[:ro]: a host directory seen in the guest's tree. Read-only binds answer EROFS and leave
/// the host unchanged; writable ones reach the host, and only inside the bound directory, whatever the
/// guest's "../" or a host symlink pointing out of it.
/// </summary>
[Collection(GuestImageCollection.Name)]
public sealed class HostBindTests(GuestImage image)
{
    /// <summary>A host tree "bound" with a file, a subdirectory, and symlinks that lead out of it on the host.</summary>
    private static (string Bound, string Outside) MakeHostTree(TempDir dir)
    {
        string bound = dir.CreateDirectory("bound");
        string outside = dir.CreateDirectory("outside");
        File.WriteAllText(Path.Combine(bound, "file.txt"), "hello from the host\n");
        File.WriteAllBytes(Path.Combine(bound, "big.bin"), new byte[12345]);
        Directory.CreateDirectory(Path.Combine(bound, "sub"));
        File.WriteAllText(Path.Combine(outside, "secret"), "secret\n");
        File.CreateSymbolicLink(Path.Combine(bound, "up"), "../outside");
        File.CreateSymbolicLink(Path.Combine(bound, "abs"), Path.Combine(outside, "secret"));
        return (bound, outside);
    }

    private static string Snapshot(string root) =>
        string.Join("\n", Directory.EnumerateFileSystemEntries(root, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal)
            .Select(p => $"{p} {(File.GetAttributes(p).HasFlag(FileAttributes.Directory) ? "dir" : new FileInfo(p).LinkTarget ?? File.ReadAllText(p))}"));

    [Fact]
    public async Task A_read_only_bind_lists_reads_and_stats_host_files_and_refuses_writes()
    {
        // Arrange
        using var dir = new TempDir("bind-ro");
        (string bound, string outside) = MakeHostTree(dir);
        string before = Snapshot(dir.Path);

        // Act
        RunResult guest = await Runner.UserKernelAsync(["run", "--image", image.Image, "--bind", bound + ":/data:ro", "--",
            "/bin/sh", "-c",
            "ls /data; cat /data/file.txt; stat -c '%s %F' /data/big.bin /data/sub /data/up; readlink /data/up; " +
            "cd /data/sub && ls ../.. | grep -c data; " +
            "echo x > /data/new; echo x >> /data/file.txt; mkdir /data/d; rm /data/file.txt; mv /data/big.bin /data/b; " +
            "cat /data/up/secret /data/abs; true"]);

        // Assert
        Assert.Equal(0, guest.ExitCode);
        Assert.Equal("abs\nbig.bin\nfile.txt\nsub\nup\nhello from the host\n12345 regular file\n4096 directory\n10 symbolic link\n../outside\n1\n",
            guest.StandardOutput);
        Assert.Equal(5, guest.StandardError.Split('\n').Count(l => l.Contains("Read-only file system", StringComparison.Ordinal)));
        Assert.Contains("can't open '/data/up/secret': No such file or directory", guest.StandardError, StringComparison.Ordinal);
        Assert.Equal(before, Snapshot(dir.Path));
        Assert.Equal(image.ImageSha256, GuestImage.Sha256Of(image.Image));
    }

    [Fact]
    public async Task A_writable_bind_reaches_the_host_only_inside_the_bound_directory()
    {
        // Arrange
        using var dir = new TempDir("bind-rw");
        (string bound, string outside) = MakeHostTree(dir);
        string outsideBefore = Snapshot(outside);

        // Act
        RunResult guest = await Runner.UserKernelAsync(["run", "--image", image.Image, "--bind", bound + ":/data", "--",
            "/bin/sh", "-c",
            "cd /data/sub; echo new > /data/created; echo more >> /data/file.txt; mkdir /data/d; mv /data/created /data/d/moved; " +
            "echo escaped > ../../../data/dots; echo no > /data/up/evil; echo no > /data/abs; ln -s d/moved /data/link; " +
            "chmod 600 /data/file.txt; : > /data/big.bin; rmdir /data/sub; cat /data/link; stat -c %s /data/file.txt; ls /data"]);

        // Assert
        Assert.True(guest.StandardOutput == "new\n25\nabs\nbig.bin\nd\ndots\nfile.txt\nlink\nup\n", guest.ToString());
        Assert.Equal("hello from the host\nmore\n", File.ReadAllText(Path.Combine(bound, "file.txt")));
        Assert.Equal("new\n", File.ReadAllText(Path.Combine(bound, "d", "moved")));
        Assert.Equal("escaped\n", File.ReadAllText(Path.Combine(bound, "dots")));
        Assert.Equal("d/moved", new FileInfo(Path.Combine(bound, "link")).LinkTarget);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(bound, "file.txt")));
        Assert.Equal(0, new FileInfo(Path.Combine(bound, "big.bin")).Length);
        Assert.False(Directory.Exists(Path.Combine(bound, "sub")));
        Assert.Equal(outsideBefore, Snapshot(outside));
        Assert.False(File.Exists(Path.Combine(dir.Path, "dots")));
        Assert.Equal(image.ImageSha256, GuestImage.Sha256Of(image.Image));
    }

    [Fact]
    public async Task A_bind_on_a_missing_guest_directory_is_refused_with_one_line()
    {
        // Arrange
        using var dir = new TempDir("bind-missing");

        // Act
        RunResult guest = await Runner.UserKernelAsync(["run", "--image", image.Image, "--bind", dir.Path + ":/no/such/dir", "--", "/bin/true"]);

        // Assert
        Assert.Equal(125, guest.ExitCode);
        Assert.Equal("userkernel: run: --bind: /no/such/dir is no directory in the guest's tree\n", guest.StandardError);
    }
}
