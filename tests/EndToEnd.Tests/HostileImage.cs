using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using UserKernel.TestSupport;
using Xunit;

namespace UserKernel.EndToEnd.Tests;

/// <summary>
/// The image of the hostile-guest tests: the usual test tree (see <see cref="TestTree"/>) with the attack programs
/// of tests/hostile compiled into /hostile, and beside it the host-side programs of tests/hostile compiled natively
/// (the canary and supervise, which never enter the image). Built once for <see cref="HostileGuestCollection"/>.
/// </summary>
public sealed class HostileImage : ImageFixture, IAsyncLifetime
{
    /// <summary>The programs of tests/hostile that run on the host, not in the guest.</summary>
    public static readonly string[] HostPrograms = ["canary", "supervise"];

    public HostileImage() : base("hostile")
    {
    }

    /// <summary>The source tree the image was made from.</summary>
    public string SourceDir => Dir.Combine("tree");

    /// <summary>The ext4 image.</summary>
    public string Image { get; private set; } = "";

    /// <summary>The image file's sha256 right after mke2fs made it.</summary>
    public string ImageSha256 { get; private set; } = "";

    /// <summary>The host canary (tests/hostile/canary.c), static.</summary>
    public string Canary { get; private set; } = "";

    /// <summary>The host program that runs userkernel and says how it ended (tests/hostile/supervise.c).</summary>
    public string Supervise { get; private set; } = "";

    /// <summary>The script every hostile run is (tests/hostile/harness.sh).</summary>
    public static string Harness => Path.Combine(Sources, "harness.sh");

    /// <summary>The attack programs' names (their sources' names without .c), as they are in /hostile.</summary>
    public IReadOnlyList<string> Attacks { get; private set; } = [];

    /// <summary>Where the test output holds tests/hostile (the project copies it there).</summary>
    private static string Sources => Path.Combine(AppContext.BaseDirectory, "hostile");

    public async Task InitializeAsync()
    {
        // The tools every hostile run needs, named now so a missing one fails every test with its name.
        foreach ((string tool, string package) in new[] { ("unshare", "util-linux"), ("timeout", "coreutils"), ("bash", "bash"), ("gcc", "gcc") })
        {
            HostTool.Locate(tool, package);
        }
        Directory.CreateDirectory(SourceDir);
        string built = Dir.CreateDirectory("bin");
        string[] sources = Directory.GetFiles(Sources, "*.c");
        var builds = new List<Task> { TestTree.BuildAsync(SourceDir, withGuestPrograms: false) };
        foreach (string source in sources)
        {
            builds.Add(GuestCompiler.CompileGlibcAsync(source, Path.Combine(built, Path.GetFileNameWithoutExtension(source))));
        }
        await Task.WhenAll(builds);

        Canary = Path.Combine(built, "canary");
        Supervise = Path.Combine(built, "supervise");
        string hostile = Directory.CreateDirectory(Path.Combine(SourceDir, "hostile")).FullName;
        Directory.CreateDirectory(Path.Combine(SourceDir, "proc")); // where the kernel mounts its /proc (dying-fork reads it)
        Attacks = sources.Select(Path.GetFileNameWithoutExtension).Where(name => !HostPrograms.Contains(name)).Order(StringComparer.Ordinal).ToList()!;
        foreach (string attack in Attacks)
        {
            File.Copy(Path.Combine(built, attack), Path.Combine(hostile, attack));
        }
        Image = await MakeExtImageAsync("hostile.ext4", SourceDir, "ext4", "96M");
        ImageSha256 = GuestImage.Sha256Of(Image);
    }

    /// <summary>After every test of the collection, the image is still the one made: no run wrote it.</summary>
    public Task DisposeAsync()
    {
        if (Image.Length == 0) return Task.CompletedTask; // it was never made: InitializeAsync's failure says why
        string now = GuestImage.Sha256Of(Image);
        if (now != ImageSha256)
            throw new InvalidOperationException($"the hostile-guest image changed during the tests: sha256 {ImageSha256} became {now}");
        return Task.CompletedTask;
    }
}

/// <summary>Tests that share <see cref="HostileImage"/>.</summary>
[CollectionDefinition(Name)]
public sealed class HostileGuestCollection : ICollectionFixture<HostileImage>
{
    public const string Name = "hostile guest image";
}
