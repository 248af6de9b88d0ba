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
/// A Debian bookworm minbase image with python3, perl, gcc, strace and gdb, made by images/debian.sh from this
/// machine's apt sources, and a writable copy of the unpacked tree for native runs under chroot. The build is cached in
/// ~/.cache/userkernel/debian-HASH, HASH naming the script's contents and its arguments, so a change builds afresh.
/// </summary>
public sealed class DebianImage : IAsyncLifetime, IDisposable
{
    private readonly TempDir native = new("debian-native");
    private readonly TempDir images = new("debian-image");

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
        string script = Path.Combine(Repository.Root, "images", "debian.sh");
        string[] arguments = ["--with-gcc", "--include", "strace,gdb"];
        byte[] key = [.. File.ReadAllBytes(script), .. System.Text.Encoding.UTF8.GetBytes(string.Join(' ', arguments))];
        string hash = Convert.ToHexStringLower(SHA256.HashData(key))[..12];
        string cache = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "userkernel", "debian-" + hash);
        string scriptImage = Path.Combine(cache, "debian.img");
        UnpackedRoot = Path.Combine(cache, "rootfs");
        if (!File.Exists(scriptImage))
        {
            HostTool.Locate("mmdebstrap", "mmdebstrap");
            // The script makes the image with `userkernel image build`: this build of it, not the launcher's.
            var build = await Cli.Wrap(HostTool.Locate("bash", "bash"))
                .WithArguments([script, cache, .. arguments])
                .WithEnvironmentVariables(e => e.Set("USERKERNEL", "dotnet exec " + Runner.UserKernelDll))
                .WithValidation(CommandResultValidation.None)
                .ExecuteBufferedAsync();
            if (build.ExitCode != 0)
                throw new InvalidOperationException($"images/debian.sh failed ({build.ExitCode}): {build.StandardError.Trim()}");
        }
        // The cache keeps the unpacked tree; the image is made afresh by this build's writer, so a change to the
        // writer is tested here too (the script's own image in the cache may come from an older one).
        Image = images.Combine("debian.img");
        RunResult build2 = await Runner.UserKernelAsync(["image", "build", UnpackedRoot, "-o", Image, "--label", "debian"]);
        if (build2.ExitCode != 0)
            throw new InvalidOperationException($"image build of the Debian tree failed: {build2}");
        await HostTool.RunAsync("cp", "coreutils", ["-a", UnpackedRoot + "/.", NativeRoot]);
        ImageSha256 = GuestImage.Sha256Of(Image);
    }

    /// <summary>After every test of the collection, the image is still the one built: no run wrote it.</summary>
    public Task DisposeAsync()
    {
        string now = GuestImage.Sha256Of(Image);
        if (now != ImageSha256)
            throw new InvalidOperationException($"the Debian image changed during the tests: sha256 {ImageSha256} became {now}");
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        native.Dispose();
        images.Dispose();
    }
}

/// <summary>Tests that share <see cref="DebianImage"/>.</summary>
[CollectionDefinition(Name)]
public sealed class DebianImageCollection : ICollectionFixture<DebianImage>
{
    public const string Name = "debian image";
}
