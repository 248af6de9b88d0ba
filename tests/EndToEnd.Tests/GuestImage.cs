using System;
using System.IO;
using System.Security.Cryptography;
using System.Threading.Tasks;
using UserKernel.TestSupport;
using Xunit;

namespace UserKernel.EndToEnd.Tests;

/// <summary>
/// The shared ext4 test image (see <see cref="TestTree"/>, with the compiled guest programs in /guest),
/// also loop-mounted read-only so the same bytes can be run natively under chroot.
/// </summary>
public sealed class GuestImage : ImageFixture, IAsyncLifetime
{
    public GuestImage() : base("e2e")
    {
    }

    /// <summary>The source tree the image was made from.</summary>
    public string SourceDir => Dir.Combine("tree");

    /// <summary>The ext4 image.</summary>
    public string Image { get; private set; } = "";

    /// <summary>Where <see cref="Image"/> is mounted read-only (empty until mounted).</summary>
    public string MountPoint { get; private set; } = "";

    /// <summary>The image file's sha256 right after mke2fs made it.</summary>
    public string ImageSha256 { get; private set; } = "";

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(SourceDir);
        await TestTree.BuildAsync(SourceDir, withGuestPrograms: true);
        Image = await MakeExtImageAsync("root.ext4", SourceDir, "ext4", "64M");
        // mke2fs -d links entries linearly; e2fsck -D builds the htree index of the large directories.
        await E2fsckAsync(Image, "-D");
        ImageSha256 = Sha256Of(Image);
        MountPoint = await MountReadOnlyAsync(Image);
    }

    /// <summary>After every test of the collection, the image is still the one made: no run wrote it.</summary>
    public Task DisposeAsync()
    {
        string now = Sha256Of(Image);
        if (now != ImageSha256)
            throw new InvalidOperationException($"the shared test image changed during the tests: sha256 {ImageSha256} became {now}");
        return Task.CompletedTask;
    }

    /// <summary>
    /// COMMAND natively under chroot into a fresh writable copy of <see cref="SourceDir"/>, then under userkernel
    /// with its writable root over the image: the pair every "as natively" test of a changing tree compares.
    /// </summary>
    public async Task<(RunResult Native, RunResult Guest)> NativeAndWritableGuestAsync(params string[] command)
    {
        using TempDir copy = await WritableCopyAsync("native");
        RunResult native = await Runner.NativeAsync(copy.Path, command);
        RunResult guest = await Runner.WritableGuestAsync(Image, command);
        return (native, guest);
    }

    /// <summary>A writable copy of <see cref="SourceDir"/> (cp -a), for native runs that change the tree; deleted on Dispose.</summary>
    public async Task<TempDir> WritableCopyAsync(string prefix)
    {
        var copy = new TempDir(prefix);
        await HostTool.RunAsync("cp", "coreutils", ["-a", SourceDir + "/.", copy.Path]);
        return copy;
    }

    /// <summary>sha256 of a host file, lower-case hex.</summary>
    public static string Sha256Of(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }
}

/// <summary>Tests that share <see cref="GuestImage"/>.</summary>
[CollectionDefinition(Name)]
public sealed class GuestImageCollection : ICollectionFixture<GuestImage>
{
    public const string Name = "guest image";
}
