using System;
using System.IO;
using System.Security.Cryptography;
using System.Threading.Tasks;
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
        if (!File.Exists(Image))
        {
            HostTool.Locate("mmdebstrap", "mmdebstrap");
            await HostTool.RunAsync("bash", "bash", [script, cache, "--with-gcc"]);
        }
        await HostTool.RunAsync("cp", "coreutils", ["-a", Path.Combine(cache, "rootfs") + "/.", NativeRoot]);
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
