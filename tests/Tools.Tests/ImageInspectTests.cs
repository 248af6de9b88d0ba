using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using Mono.Unix.Native;
using UserKernel.TestSupport;
using Xunit;

namespace UserKernel.Tools.Tests;

/// <summary>image info, ls, cat and extract, run as the real program, checked against the tree the image was made from.</summary>
[Collection(InspectImagesCollection.Name)]
public sealed class ImageInspectTests(InspectImages images)
{
    [Fact]
    public async Task Info_agrees_with_dumpe2fs()
    {
        var fields = await ImageFixture.SuperblockFieldsAsync(images.Image);

        var run = await UserKernelRun.StartAsync("image", "info", images.Image);

        Assert.True(run.ExitCode == 0, run.ToString());
        var info = Fields(run.StandardOutput);
        Assert.Equal("ext4", info["Format"]);
        Assert.Equal(fields["Block size"], info["Block size"]);
        Assert.StartsWith($"{fields["Block count"]} total, {fields["Free blocks"]} free, {fields["Reserved block count"]} reserved", info["Blocks"]);
        Assert.Equal($"{fields["Inode count"]} total, {fields["Free inodes"]} free", info["Inodes"]);
        Assert.Equal(fields["Filesystem UUID"], info["UUID"]);
        Assert.Equal(fields["Filesystem features"].Split(' ').Order(), info["Features"].Split(' ').Order());
        Assert.Equal("(none)", info["Label"]);
        Assert.Contains("(16777216 bytes)", info["Size"]);
        var created = DateTime.ParseExact(info["Created"], "yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);
        Assert.InRange(created, File.GetLastWriteTimeUtc(images.Image).AddHours(-1), DateTime.UtcNow.AddMinutes(1));
        Assert.Equal("(none)", info["Config"]);
    }

    [Fact]
    public async Task Info_prints_the_stored_config()
    {
        var run = await UserKernelRun.StartAsync("image", "info", images.ConfigImage);

        Assert.True(run.ExitCode == 0, run.ToString());
        string config = run.StandardOutput[run.StandardOutput.IndexOf("Config:", StringComparison.Ordinal)..];
        Assert.Equal(
            [
                "Config:       Env: [\"PATH=/usr/bin:/bin\",\"GREETING=hi there\"]",
                "              WorkingDir: /srv",
                "              User: nobody",
                "              Entrypoint: [\"/bin/sh\",\"-c\"]",
                "              Cmd: [\"echo hi\"]",
            ],
            config.TrimEnd('\n').Split('\n'));
    }

    [Fact]
    public async Task Ls_lists_the_names_of_the_source_directory()
    {
        foreach (string dir in new[] { "etc", "usr/lib/data", "modes", "hard" })
        {
            var run = await UserKernelRun.StartAsync("image", "ls", images.Image, "/" + dir);

            Assert.True(run.ExitCode == 0, run.ToString());
            var expected = Directory.EnumerateFileSystemEntries(images.Full(dir)).Select(Path.GetFileName).Order(StringComparer.Ordinal);
            Assert.Equal(expected, run.StandardOutput.TrimEnd('\n').Split('\n'));
        }
    }

    [Fact]
    public async Task Ls_long_matches_stat_of_every_source_entry()
    {
        var run = await UserKernelRun.StartAsync("image", "ls", images.Image, "/", "-l");

        Assert.True(run.ExitCode == 0, run.ToString());
        var lines = run.StandardOutput.TrimEnd('\n').Split('\n');
        Assert.Equal(".", Name(lines[0]));
        Assert.Equal("..", Name(lines[1]));
        var byName = lines.Skip(2).ToDictionary(Name);
        foreach (string path in Directory.EnumerateFileSystemEntries(images.Source))
        {
            string name = Path.GetFileName(path);
            // %A mode string, %h links, %u uid, %g gid, %s size, %Y mtime, %F type.
            string stat = await HostTool.RunAsync("stat", "coreutils", ["-c", "%A %h %u %g %s %Y %F", path]);
            string[] s = stat.Trim().Split(' ', 7);
            Assert.True(byName.TryGetValue(name, out string? line), $"no line for {name} in\n{run.StandardOutput}");
            string[] f = line!.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            Assert.True(s[0] == f[0], $"{name}: mode {f[0]}, stat says {s[0]}");
            Assert.True(s[1] == f[1], $"{name}: links {f[1]}, stat says {s[1]}");
            Assert.True(s[2] == f[2] && s[3] == f[3], $"{name}: owner {f[2]}:{f[3]}, stat says {s[2]}:{s[3]}");
            if (s[6] is "regular file" or "symbolic link" or "regular empty file")
            {
                Assert.True(s[4] == f[4], $"{name}: size {f[4]}, stat says {s[4]}");
            }
            string mtime = DateTimeOffset.FromUnixTimeSeconds(long.Parse(s[5], CultureInfo.InvariantCulture)).UtcDateTime.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture);
            Assert.Contains($" {mtime} {name}", line);
            if (s[6] == "symbolic link")
            {
                Assert.EndsWith($" {name} -> {new FileInfo(path).LinkTarget}", line);
            }
        }
        Assert.Contains("lost+found", byName.Keys);
        Assert.Equal(Directory.EnumerateFileSystemEntries(images.Source).Count() + 1, byName.Count);
    }

    [Fact]
    public async Task Ls_shows_set_id_and_sticky_bits_as_ls_does()
    {
        var run = await UserKernelRun.StartAsync("image", "ls", images.Image, "/modes", "-l");

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains(run.StandardOutput.Split('\n'), l => l.StartsWith("-rwsr-xr-x", StringComparison.Ordinal) && l.EndsWith(" suid", StringComparison.Ordinal));
        Assert.Contains(run.StandardOutput.Split('\n'), l => l.StartsWith("drwxrwxrwt", StringComparison.Ordinal) && l.EndsWith(" sticky", StringComparison.Ordinal));
        Assert.Contains(run.StandardOutput.Split('\n'), l => l.StartsWith("-rw-------", StringComparison.Ordinal) && l.EndsWith(" private", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Ls_follows_symlinks_inside_the_image_only()
    {
        // /deep/er/up climbs far above the root and lands on the image's /etc, not the host's.
        var run = await UserKernelRun.StartAsync("image", "ls", images.Image, "/deep/er/up");
        var viaAbsolute = await UserKernelRun.StartAsync("image", "ls", images.Image, "/lib/data");

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal(["hostname", "os-release"], run.StandardOutput.TrimEnd('\n').Split('\n'));
        Assert.True(viaAbsolute.ExitCode == 0, viaAbsolute.ToString());
        Assert.Equal("sparse.bin", viaAbsolute.StandardOutput.Trim());
    }

    [Fact]
    public async Task Ls_long_of_a_symlink_shows_the_link_and_a_trailing_slash_its_directory()
    {
        var link = await UserKernelRun.StartAsync("image", "ls", images.Image, "/lib", "-l");
        var dir = await UserKernelRun.StartAsync("image", "ls", images.Image, "/lib/", "-l");

        Assert.True(link.ExitCode == 0, link.ToString());
        Assert.StartsWith("lrwxrwxrwx", link.StandardOutput);
        Assert.EndsWith(" /lib -> usr/lib\n", link.StandardOutput);
        Assert.Contains(" data\n", dir.StandardOutput);
    }

    [Fact]
    public async Task Cat_writes_the_exact_bytes_through_symlinks()
    {
        foreach (var (path, source) in new[] { ("/bin/prog", "bin/prog"), ("/abs", "etc/hostname"), ("/lib/data/sparse.bin", "usr/lib/data/sparse.bin") })
        {
            string output = images.Dir.Combine("cat-" + Path.GetFileName(path));
            await HostTool.RunAsync("sh", "dash", ["-c", "dotnet exec \"$1\" image cat \"$2\" \"$3\" > \"$4\"", "sh",
                Path.Combine(AppContext.BaseDirectory, "userkernel.dll"), images.Image, path, output]);

            Assert.Equal(File.ReadAllBytes(images.Full(source)), File.ReadAllBytes(output));
        }
    }

    [Fact]
    public async Task Cat_of_several_files_concatenates_them()
    {
        var run = await UserKernelRun.StartAsync("image", "cat", images.Image, "/etc/hostname", "/hard/b");

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal("inspect-test\nlinked\n", run.StandardOutput);
    }

    [Theory]
    [InlineData("/etc", "/etc: Is a directory")]
    [InlineData("/no/such", "/no/such: No such file or directory")]
    [InlineData("/etc/hostname/x", "/etc/hostname/x: Not a directory")]
    [InlineData("/dangling", "/dangling: No such file or directory")]
    [InlineData("/loop1", "/loop1: Too many levels of symbolic links")]
    public async Task Cat_of_a_directory_or_missing_path_is_one_error_line(string path, string message)
    {
        var run = await UserKernelRun.StartAsync("image", "cat", images.Image, "/etc/hostname", path);

        Assert.Equal(125, run.ExitCode);
        Assert.Equal("", run.StandardOutput);
        Assert.Equal($"userkernel: image cat: {message}\n", run.StandardError);
    }

    [Fact]
    public async Task Extract_of_the_root_reproduces_the_source_tree()
    {
        using var dest = new TempDir("extract");

        var run = await UserKernelRun.StartAsync("image", "extract", images.Image, "/", dest.Path);

        Assert.True(run.ExitCode == 0, run.ToString());
        var sourceEntries = Entries(images.Source);
        var extracted = Entries(dest.Path).Where(e => !e.StartsWith("lost+found", StringComparison.Ordinal)).ToList();
        Assert.Equal(sourceEntries, extracted);
        foreach (string entry in sourceEntries)
        {
            var s = Lstat(images.Full(entry));
            var d = Lstat(Path.Combine(dest.Path, entry));
            Assert.True(s.st_mode == d.st_mode, $"{entry}: mode {d.st_mode}, source {s.st_mode}");
            bool isDir = (s.st_mode & FilePermissions.S_IFMT) == FilePermissions.S_IFDIR;
            Assert.True(s.st_mtime == d.st_mtime, $"{entry}: mtime {d.st_mtime}, source {s.st_mtime}");
            if (images.IsRoot)
            {
                Assert.True(s.st_uid == d.st_uid && s.st_gid == d.st_gid, $"{entry}: owner {d.st_uid}:{d.st_gid}");
            }
            if (isDir)
            {
                continue;
            }
            Assert.True(s.st_size == d.st_size, $"{entry}: size {d.st_size}, source {s.st_size}");
            Assert.True(s.st_rdev == d.st_rdev, $"{entry}: rdev {d.st_rdev}, source {s.st_rdev}");
            if ((s.st_mode & FilePermissions.S_IFMT) == FilePermissions.S_IFREG)
            {
                Assert.Equal(File.ReadAllBytes(images.Full(entry)), File.ReadAllBytes(Path.Combine(dest.Path, entry)));
            }
            if ((s.st_mode & FilePermissions.S_IFMT) == FilePermissions.S_IFLNK)
            {
                Assert.Equal(new FileInfo(images.Full(entry)).LinkTarget, new FileInfo(Path.Combine(dest.Path, entry)).LinkTarget);
            }
        }
        // The nanoseconds mke2fs kept, the hard link, and the hole.
        Assert.Equal(Lstat(images.Full("etc/hostname")).st_mtime_nsec, Lstat(Path.Combine(dest.Path, "etc/hostname")).st_mtime_nsec);
        Assert.Equal(Lstat(Path.Combine(dest.Path, "hard/a")).st_ino, Lstat(Path.Combine(dest.Path, "hard/b")).st_ino);
        var sparse = Lstat(Path.Combine(dest.Path, "usr/lib/data/sparse.bin"));
        Assert.True(sparse.st_blocks * 512 < sparse.st_size / 2, $"sparse.bin takes {sparse.st_blocks * 512} bytes for {sparse.st_size}");
    }

    [Fact]
    public async Task Extract_of_a_path_puts_it_under_its_name()
    {
        using var dest = new TempDir("extract");

        var dir = await UserKernelRun.StartAsync("image", "extract", images.Image, "/lib/data", dest.Path);
        var file = await UserKernelRun.StartAsync("image", "extract", images.Image, "/abs", dest.Path);

        Assert.True(dir.ExitCode == 0, dir.ToString());
        Assert.True(file.ExitCode == 0, file.ToString());
        Assert.Equal(File.ReadAllBytes(images.Full("usr/lib/data/sparse.bin")), File.ReadAllBytes(Path.Combine(dest.Path, "data/sparse.bin")));
        // /abs is a symlink to /etc/hostname: followed in the image, it arrives as the file it names.
        Assert.Equal("inspect-test\n", File.ReadAllText(Path.Combine(dest.Path, "abs")));
        Assert.Null(new FileInfo(Path.Combine(dest.Path, "abs")).LinkTarget);
    }

    [Fact]
    public async Task Extract_makes_device_nodes_only_as_root()
    {
        using var dest = new TempDir("extract");

        var run = await UserKernelRun.StartAsync("image", "extract", images.Image, "/", dest.Path);

        Assert.True(run.ExitCode == 0, run.ToString());
        if (images.IsRoot)
        {
            var st = Lstat(Path.Combine(dest.Path, "dev/null"));
            Assert.Equal(FilePermissions.S_IFCHR, st.st_mode & FilePermissions.S_IFMT);
            Assert.Equal(0x103UL, st.st_rdev);
            Assert.Equal("", run.StandardError);
        }
        else
        {
            Assert.False(Directory.Exists(Path.Combine(dest.Path, "dev")));
        }
    }

    [Fact]
    public async Task Extract_never_writes_through_a_symlink_the_image_planted()
    {
        using var destForDir = new TempDir("extract");
        using var destForFile = new TempDir("extract");

        var dirRun = await UserKernelRun.StartAsync("image", "extract", images.LinkThenDirImage, "/", destForDir.Path);
        var fileRun = await UserKernelRun.StartAsync("image", "extract", images.LinkThenFileImage, "/", destForFile.Path);

        Assert.True(dirRun.ExitCode == 0, dirRun.ToString());
        Assert.True(fileRun.ExitCode == 0, fileRun.ToString());
        Assert.Empty(Directory.EnumerateFileSystemEntries(images.Victim));
        // The later entry of the two named "evil" replaced the earlier symlink.
        Assert.Equal(FilePermissions.S_IFDIR, Lstat(Path.Combine(destForDir.Path, "evil")).st_mode & FilePermissions.S_IFMT);
        Assert.True(File.Exists(Path.Combine(destForDir.Path, "evil", "payload")));
        Assert.Equal(FilePermissions.S_IFREG, Lstat(Path.Combine(destForFile.Path, "evil")).st_mode & FilePermissions.S_IFMT);
    }

    [Fact]
    public async Task Extract_into_a_directory_holding_a_symlink_replaces_the_symlink()
    {
        using var dest = new TempDir("extract");
        using var elsewhere = new TempDir("elsewhere");
        File.CreateSymbolicLink(Path.Combine(dest.Path, "etc"), elsewhere.Path);
        File.CreateSymbolicLink(Path.Combine(dest.Path, "abs"), Path.Combine(elsewhere.Path, "planted"));

        var run = await UserKernelRun.StartAsync("image", "extract", images.Image, "/", dest.Path);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Empty(Directory.EnumerateFileSystemEntries(elsewhere.Path));
        Assert.Equal("inspect-test\n", File.ReadAllText(Path.Combine(dest.Path, "etc/hostname")));
        Assert.Null(new FileInfo(Path.Combine(dest.Path, "etc")).LinkTarget);
    }

    [Fact]
    public async Task Extract_of_a_missing_path_is_one_error_line()
    {
        using var dest = new TempDir("extract");

        var run = await UserKernelRun.StartAsync("image", "extract", images.Image, "/nothing/here", dest.Path);

        Assert.Equal(125, run.ExitCode);
        Assert.Equal("userkernel: image extract: /nothing/here: No such file or directory\n", run.StandardError);
        Assert.Empty(Directory.EnumerateFileSystemEntries(dest.Path));
    }

    [Fact]
    public async Task Image_help_lists_every_inspection_verb()
    {
        var run = await UserKernelRun.StartAsync("image", "--help");

        Assert.Equal(0, run.ExitCode);
        foreach (string verb in new[] { "info IMG", "ls IMG [PATH]", "cat IMG PATH...", "extract IMG PATH DIR" })
        {
            Assert.Contains(verb, run.StandardOutput);
        }
    }

    private static Stat Lstat(string path)
    {
        Assert.True(Syscall.lstat(path, out var st) == 0, $"lstat {path}: {Stdlib.GetLastError()}");
        return st;
    }

    /// <summary>Every path under <paramref name="root"/>, relative, sorted, symlinks not followed.</summary>
    private static List<string> Entries(string root) =>
        Directory.EnumerateFileSystemEntries(root, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 })
            .Select(p => Path.GetRelativePath(root, p)).Order(StringComparer.Ordinal).ToList();

    /// <summary>The name in an `ls -l` line: after mode, links, uid, gid, size (two fields for a device), date and time.</summary>
    private static string Name(string longLine)
    {
        string[] f = longLine.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return f[0][0] is 'c' or 'b' ? f[8] : f[7];
    }

    private static Dictionary<string, string> Fields(string output) =>
        output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Where(l => l.Length > 14 && l[0] != ' ')
            .ToDictionary(l => l[..l.IndexOf(':')], l => l[14..]);
}
