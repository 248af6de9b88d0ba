using System;
using System.IO;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using CliWrap;
using CliWrap.Buffered;
using UserKernel.TestSupport;
using Xunit;

namespace UserKernel.EndToEnd.Tests;

/// <summary>
/// Images made by `image from-host` from this host's programs, and the default image of `run`
/// (made the same way from busybox), booted and used.
/// </summary>
public sealed class FromHostTests(FromHostPythonImage python) : IClassFixture<FromHostPythonImage>, IDisposable
{
    private const string Python = FromHostPythonImage.Python;

    private readonly TempDir dir = new("from-host");

    public void Dispose() => dir.Dispose();

    [Fact]
    public async Task Python_from_the_host_imports_json_sqlite3_and_ssl()
    {
        // Arrange: the image, made by `image from-host /usr/bin/python3`, is clean.
        Assert.True(python.Build.ExitCode == 0, python.Build.ToString());
        string image = python.Image;
        await HostTool.RunAsync("e2fsck", "e2fsprogs", ["-fn", image]);

        // Act
        var run = await Runner.WritableGuestAsync(image, "python3", "-c",
            "import json, sqlite3, ssl; print(json.dumps({'ok': sqlite3.sqlite_version_info >= (3,), 'ssl': ssl.OPENSSL_VERSION.split()[0]}))");

        // Assert
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal("{\"ok\": true, \"ssl\": \"OpenSSL\"}\n", run.StandardOutput);
    }

    [Fact]
    public async Task The_image_holds_what_it_was_made_from_and_says_so()
    {
        Assert.True(python.Build.ExitCode == 0, python.Build.ToString());
        string image = python.Image;

        var osRelease = await Runner.UserKernelAsync(["image", "cat", image, "/etc/os-release"]);
        var loader = await Runner.UserKernelAsync(["image", "ls", "-l", image, "/lib64/ld-linux-x86-64.so.2"]);
        var tmp = await Runner.UserKernelAsync(["image", "ls", "-l", image, "/"]);

        Assert.Contains($"PRETTY_NAME=\"userkernel image from-host {Python}\"", osRelease.StandardOutput);
        Assert.True(loader.ExitCode == 0, loader.ToString());
        Assert.Contains($" -> {new FileInfo("/lib64/ld-linux-x86-64.so.2").LinkTarget}", loader.StandardOutput);
        Assert.Contains("drwxrwxrwt", tmp.StandardOutput);
        // The stdlib is copied whole, caches included.
        var stdlib = await Runner.UserKernelAsync(["image", "ls", image, "/usr/lib/python3." + PythonMinor() + "/json"]);
        Assert.Equal(Directory.GetFileSystemEntries("/usr/lib/python3." + PythonMinor() + "/json").Length,
            stdlib.StandardOutput.TrimEnd('\n').Split('\n').Length);
    }

    [Fact]
    public async Task Added_host_paths_land_where_asked()
    {
        using var extra = new TempDir("extra");
        File.WriteAllText(extra.Combine("greeting"), "hello from the host\n");
        string image = dir.Combine("busybox.img");

        var build = await Runner.UserKernelAsync(["image", "from-host", "busybox", "--add", extra.Path + ":/srv/extra", "--size", "32M", "-o", image]);
        var run = await Runner.WritableGuestAsync(image, "busybox", "cat", "/srv/extra/greeting");

        Assert.True(build.ExitCode == 0, build.ToString());
        Assert.Equal(32L << 20, new FileInfo(image).Length);
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal("hello from the host\n", run.StandardOutput);
    }

    [Fact]
    public async Task A_program_that_is_not_there_is_one_error_line_and_no_image()
    {
        string image = dir.Combine("none.img");

        var build = await Runner.UserKernelAsync(["image", "from-host", "/no/such/program", "-o", image]);

        Assert.Equal(125, build.ExitCode);
        Assert.Equal("userkernel: image from-host: /no/such/program: No such file or directory\n", build.StandardError);
        Assert.Empty(Directory.GetFiles(dir.Path));
    }

    [Fact]
    public async Task The_default_image_is_built_from_host_busybox_without_mke2fs_and_runs_a_shell()
    {
        // A fresh cache, so this run builds the default image; no PATH entry holds mke2fs.
        string cache = dir.CreateDirectory("cache");
        string busyboxDir = Path.GetDirectoryName(HostTool.Locate("busybox", "busybox-static"))!;
        using var timeout = new CancellationTokenSource(Runner.Timeout);

        BufferedCommandResult run = await Cli.Wrap("dotnet")
            .WithArguments(["exec", Runner.UserKernelDll, "run", "--", "sh", "-c", "echo hi from $(cat /etc/hostname); ls /bin/sh; grep -c . /etc/passwd"])
            .WithEnvironmentVariables(e => e.Set("XDG_CACHE_HOME", cache).Set("PATH", busyboxDir + ":/usr/bin:/bin").Set("TERM", "dumb"))
            .WithValidation(CommandResultValidation.None)
            .ExecuteBufferedAsync(Encoding.UTF8, timeout.Token);

        Assert.True(run.ExitCode == 0, $"{run.ExitCode}\n{run.StandardOutput}\n{run.StandardError}");
        Assert.Equal("hi from userkernel\n/bin/sh\n2\n", run.StandardOutput);
        string[] images = Directory.GetFiles(Path.Combine(cache, "userkernel"));
        Assert.Single(images);
        await HostTool.RunAsync("e2fsck", "e2fsprogs", ["-fn", images[0]]);
        var info = await Runner.UserKernelAsync(["image", "cat", images[0], "/etc/os-release"]);
        Assert.Contains("busybox", info.StandardOutput);
    }

    private static string PythonMinor()
    {
        string real = new FileInfo(Python).ResolveLinkTarget(returnFinalTarget: true)?.Name ?? "python3";
        return real["python3.".Length..];
    }
}

/// <summary>One image made by `image from-host /usr/bin/python3`, shared by the tests that read it.</summary>
public sealed class FromHostPythonImage : IAsyncLifetime
{
    /// <summary>The Debian interpreter, not pyenv's shims earlier on the test host's PATH.</summary>
    public const string Python = "/usr/bin/python3";

    private readonly TempDir dir = new("from-host-python");

    public string Image => dir.Combine("python.img");

    public RunResult Build { get; private set; } = new(-1, "", "not built");

    public async Task InitializeAsync()
    {
        HostTool.Locate("python3", "python3");
        Build = await Runner.UserKernelAsync(["image", "from-host", Python, "-o", Image]);
    }

    public Task DisposeAsync()
    {
        dir.Dispose();
        return Task.CompletedTask;
    }
}
