using System;
using System.IO;
using System.Threading.Tasks;
using UserKernel.TestSupport;
using Xunit;

namespace UserKernel.EndToEnd.Tests;

/// <summary>
/// The test tree with files whose owners and modes decide who may use them: a 0600 root file, a 0700
/// root program, a 0700 root directory, and user 1000's home with a 0600 file of the user's. Loop-mounted
/// read-only so that `chroot --userspec` can run the same bytes natively as the same user.
/// </summary>
public sealed class CredentialsImage : ImageFixture, IAsyncLifetime
{
    public CredentialsImage() : base("e2e-cred")
    {
    }

    /// <summary>The ext4 image.</summary>
    public string Image { get; private set; } = "";

    /// <summary>Where <see cref="Image"/> is mounted read-only (empty until mounted).</summary>
    public string MountPoint { get; private set; } = "";

    public async Task InitializeAsync()
    {
        string tree = Dir.Combine("tree");
        Directory.CreateDirectory(tree);
        await TestTree.BuildAsync(tree, withGuestPrograms: false);
        File.SetUnixFileMode(tree, (UnixFileMode)0x1ED); // 0755: the image's root directory

        File.WriteAllText(Path.Combine(tree, "secret.txt"), "top secret\n");
        File.SetUnixFileMode(Path.Combine(tree, "secret.txt"), UnixFileMode.UserRead | UnixFileMode.UserWrite);

        // A program only root may run: busybox under the name of its "true" applet.
        Directory.CreateDirectory(Path.Combine(tree, "opt"));
        File.Copy(Path.Combine(tree, "bin", "busybox"), Path.Combine(tree, "opt", "true"));
        File.SetUnixFileMode(Path.Combine(tree, "opt", "true"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        // The set*id family, run from root and from the user (tests/guest/credentials.c).
        await GuestCompiler.CompileGlibcAsync(Path.Combine(AppContext.BaseDirectory, "guest", "credentials.c"), Path.Combine(tree, "opt", "credentials"));

        string vault = Directory.CreateDirectory(Path.Combine(tree, "vault")).FullName;
        File.WriteAllText(Path.Combine(vault, "inside"), "in the vault\n");
        File.SetUnixFileMode(vault, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        string home = Directory.CreateDirectory(Path.Combine(tree, "home", "user")).FullName;
        File.WriteAllText(Path.Combine(home, "mine"), "the user's own\n");
        File.SetUnixFileMode(Path.Combine(home, "mine"), UnixFileMode.UserRead | UnixFileMode.UserWrite);
        await HostTool.RunAsync("chown", "coreutils", ["-R", "1000:1000", home]);

        Image = await MakeExtImageAsync("root.ext4", tree, "ext4", "64M");
        MountPoint = await MountReadOnlyAsync(Image);
    }

    public Task DisposeAsync() => Task.CompletedTask;
}

/// <summary>
/// `run --user UID:GID` against `chroot --userspec=UID:GID` on the same read-only image: the ids, and
/// what open, exec, chdir and writes answer for root and for an ordinary user.
/// </summary>
public sealed class CredentialsTests(CredentialsImage image) : IClassFixture<CredentialsImage>
{
    /// <summary>Each step prints its status so that a refusal and its message are both compared.</summary>
    private const string Script = """
        id
        cat /secret.txt; echo "cat secret: $?"
        /opt/true; echo "exec 0700: $?"
        cd /vault; echo "cd vault: $?"
        cat /vault/inside; echo "cat vault/inside: $?"
        ls /vault; echo "ls vault: $?"
        cat /home/user/mine; echo "cat mine: $?"
        echo x > /secret.txt; echo "write secret: $?"
        echo x > /home/user/mine; echo "write mine: $?"
        echo x > /home/user/new; echo "create in home: $?"
        test -r /secret.txt; echo "test -r secret: $?"
        test -x /opt/true; echo "test -x 0700: $?"
        stat -c '%U %a' /vault/inside; echo "stat vault/inside: $?"
        """;

    private Task<RunResult> Guest(string? user) =>
        Runner.UserKernelAsync(user == null
            ? ["run", "--read-only", "--image", image.Image, "--", "/bin/sh", "-c", Script]
            : ["run", "--read-only", "--image", image.Image, "--user", user, "--", "/bin/sh", "-c", Script]);

    /// <summary>chroot --userspec sets the ids; --groups gives the supplementary groups initgroups would from the image.</summary>
    private Task<RunResult> Native(string? userSpec, string? groups) =>
        Runner.NativeChrootAsync(userSpec == null ? [image.MountPoint] : ["--userspec=" + userSpec, "--groups=" + groups, image.MountPoint], "/bin/sh", "-c", Script);

    [Fact]
    public async Task Root_runs_as_natively()
    {
        // Act
        RunResult native = await Native(null, null);
        RunResult guest = await Guest(null);

        // Assert
        Assert.Equal(native.ToString(), guest.ToString());
        Assert.Contains("uid=0(root) gid=0(root)", guest.StandardOutput);
    }

    [Fact]
    public async Task An_ordinary_user_is_refused_as_natively()
    {
        // Act
        RunResult native = await Native("1000:1000", "1000,100");
        RunResult guest = await Guest("1000:1000");

        // Assert
        Assert.Equal(native.ToString(), guest.ToString());
        Assert.Contains("cat secret: 1", guest.StandardOutput);
        Assert.Contains("Permission denied", guest.StandardError);
    }

    [Theory]
    [InlineData(null, null)]
    [InlineData("1000:1000", "1000,100")]
    public async Task Set_id_calls_answer_as_natively(string? user, string? groups)
    {
        // Act
        RunResult native = await Runner.NativeChrootAsync(user == null ? [image.MountPoint] : ["--userspec=" + user, "--groups=" + groups, image.MountPoint], "/opt/credentials");
        RunResult guest = await Runner.UserKernelAsync(user == null
            ? ["run", "--read-only", "--image", image.Image, "--", "/opt/credentials"]
            : ["run", "--read-only", "--image", image.Image, "--user", user, "--", "/opt/credentials"]);

        // Assert
        Assert.Equal(native.ToString(), guest.ToString());
        Assert.Contains(user == null ? "setuid(0) = -1 EPERM" : "setgroups(0) = -1 EPERM", guest.StandardOutput);
    }

    [Fact]
    public async Task The_group_defaults_to_the_users_primary_group()
    {
        // Act
        RunResult result = await Runner.UserKernelAsync(["run", "--read-only", "--image", image.Image, "--user", "1000", "--", "id"]);

        // Assert
        Assert.Equal("uid=1000(user) gid=1000 groups=100(users),1000\n", result.StandardOutput);
    }

    [Fact]
    public async Task Children_inherit_the_ids()
    {
        // Act: the subshell is a forked child.
        RunResult user = await Runner.UserKernelAsync(["run", "--read-only", "--image", image.Image, "--user", "1000:100", "--", "/bin/sh", "-c", "id -u; id -g; (id -u)"]);

        // Assert
        Assert.Equal("1000\n100\n1000\n", user.StandardOutput);
    }
}

/// <summary>/proc/PID/status shows the four user and group ids and the supplementary groups (no native match: the chroot has no procfs).</summary>
public sealed class CredentialsProcTests(ProcImage image) : IClassFixture<ProcImage>
{
    [Fact]
    public async Task Status_shows_real_effective_saved_and_filesystem_ids_and_groups()
    {
        // Act
        RunResult result = await Runner.UserKernelAsync(["run", "--read-only", "--image", image.Image, "--user", "1000", "--", "cat", "/proc/self/status"]);

        // Assert
        Assert.True(result.ExitCode == 0, result.ToString());
        string[] lines = result.StandardOutput.Split('\n');
        Assert.Contains("Uid:\t1000\t1000\t1000\t1000", lines);
        Assert.Contains("Gid:\t1000\t1000\t1000\t1000", lines);
        Assert.Contains("Groups:\t100 1000 ", lines);
    }
}
