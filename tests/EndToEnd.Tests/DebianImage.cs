using System;
using System.IO;
using System.Security.Cryptography;
using System.Threading.Tasks;
using CliWrap;
using CliWrap.Buffered;
using UserKernel.TestSupport;
using Xunit;

namespace UserKernel.EndToEnd.Tests;

/// <summary>
/// A Debian bookworm minbase image with python3, perl and gcc, made by images/debian.sh from this machine's
/// apt sources, and a writable copy of the unpacked tree for native runs under chroot. The build is cached in
/// ~/.cache/userkernel/debian-HASH, HASH naming the script's contents, so a changed script builds afresh.
/// </summary>
public sealed class DebianImage : IAsyncLifetime, IDisposable
{
    private readonly TempDir native = new("debian-native");

    /// <summary>The ext4 image the guest boots.</summary>
    public string Image { get; private set; } = "";

    /// <summary>The unpacked tree the image was made from, as the script left it: only for runs that write nothing.</summary>
    public string UnpackedRoot { get; private set; } = "";

    /// <summary>A writable copy of the unpacked tree the image was made from, for chroot.</summary>
    public string NativeRoot => native.Path;

    /// <summary>The image's sha256 before any test ran.</summary>
    public string ImageSha256 { get; private set; } = "";

    public async Task InitializeAsync()
    {
        string script = Path.Combine(RepositoryRoot(), "images", "debian.sh");
        string hash = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(script)))[..12];
        string cache = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "userkernel", "debian-" + hash);
        Image = Path.Combine(cache, "debian.img");
        UnpackedRoot = Path.Combine(cache, "rootfs");
        if (!File.Exists(Image))
        {
            HostTool.Locate("mmdebstrap", "mmdebstrap");
            // The script makes the image with `userkernel image build`: this build of it, not the launcher's.
            var build = await Cli.Wrap(HostTool.Locate("bash", "bash"))
                .WithArguments([script, cache, "--with-gcc"])
                .WithEnvironmentVariables(e => e.Set("USERKERNEL", "dotnet exec " + Runner.UserKernelDll))
                .WithValidation(CommandResultValidation.None)
                .ExecuteBufferedAsync();
            if (build.ExitCode != 0)
                throw new InvalidOperationException($"images/debian.sh failed ({build.ExitCode}): {build.StandardError.Trim()}");
        }
        await HostTool.RunAsync("cp", "coreutils", ["-a", UnpackedRoot + "/.", NativeRoot]);
        ImageSha256 = GuestImage.Sha256Of(Image);
    }

    public Task DisposeAsync() => Task.CompletedTask;

    public void Dispose() => native.Dispose();

    /// <summary>The folder holding UserKernel.sln, found by walking up from the test's base directory.</summary>
    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "UserKernel.sln"))) return dir.FullName;
        throw new InvalidOperationException($"no UserKernel.sln above {AppContext.BaseDirectory}");
    }
}

/// <summary>Tests that share <see cref="DebianImage"/>.</summary>
[CollectionDefinition(Name)]
public sealed class DebianImageCollection : ICollectionFixture<DebianImage>
{
    public const string Name = "debian image";
}
