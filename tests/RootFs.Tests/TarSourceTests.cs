using System;
using System.Formats.Tar;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading.Tasks;
using UserKernel.RootFs.Image;
using UserKernel.RootFs.Sources;
using UserKernel.RootFs.Tests.Fixtures;
using UserKernel.RootFs.Tree;
using UserKernel.TestSupport;
using Xunit;

namespace UserKernel.RootFs.Tests;

public sealed class TarSourceTests
{
    [Theory]
    [InlineData(null)]
    [InlineData("gzip")]
    [InlineData("xz")]
    [InlineData("zstd")]
    public async Task A_gnu_tar_reads_back_as_the_tree_it_was_made_from(string? compressor)
    {
        // Arrange
        using var dir = new TempDir("tarsource");
        var root = dir.CreateDirectory("root");
        TarFixtures.MakeTree(root);
        var tarball = await TarFixtures.MakeTarballAsync(root, dir.Combine("t.tar"), compressor);

        // Act
        using var source = new TarSource();
        FileTree tree;
        using (var stream = System.IO.File.OpenRead(tarball))
        {
            tree = source.Read(stream);
        }

        // Assert
        var text = tree.Lookup(TarFixtures.Text)!;
        Assert.Equal("userkernel\n", ReadAll(text));
        Assert.Equal((1234u, 5678u), (text.Uid, text.Gid));
        Assert.Equal(new Timestamp(TarFixtures.NanoTime.tv_sec, (uint)TarFixtures.NanoTime.tv_nsec), text.Mtime);
        Assert.Equal("hello xattr", Encoding.UTF8.GetString(text.Xattrs["user.comment"]));
        Assert.Same(tree.Lookup(TarFixtures.HardA), tree.Lookup(TarFixtures.HardB));
        Assert.Equal(70000, tree.Lookup(TarFixtures.HardA)!.Content!.Length);
        var link = tree.Lookup(TarFixtures.Symlink)!;
        Assert.Equal((NodeKind.Symlink, "hostname"), (link.Kind, link.SymlinkTarget));
        Assert.Equal((100000u, 100001u), (link.Uid, link.Gid));
        Assert.Equal(NodeKind.Fifo, tree.Lookup(TarFixtures.Fifo)!.Kind);
        var ping = tree.Lookup(TarFixtures.Capable)!;
        Assert.Equal(Convert.ToUInt32("4755", 8), ping.Mode);
        Assert.Equal(TarFixtures.CapabilityValue, ping.Xattrs["security.capability"]);
        Assert.Equal(NodeKind.Directory, tree.Lookup("deep/a/b/c")!.Kind);
    }

    [Fact]
    public void Devices_and_whiteouts_come_through_as_entries()
    {
        var tar = MakeTar(w =>
        {
            w.WriteEntry(new PaxTarEntry(TarEntryType.CharacterDevice, "dev/null") { DeviceMajor = 1, DeviceMinor = 3 });
            w.WriteEntry(new PaxTarEntry(TarEntryType.BlockDevice, "dev/big") { DeviceMajor = 300, DeviceMinor = 70000 });
            w.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, "etc/.wh.motd"));
        });
        using var source = new TarSource();

        var tree = source.Read(tar);

        var null_ = tree.Lookup("dev/null")!;
        Assert.Equal((NodeKind.CharDevice, 1u, 3u), (null_.Kind, null_.DeviceMajor, null_.DeviceMinor));
        var big = tree.Lookup("dev/big")!;
        Assert.Equal((NodeKind.BlockDevice, 300u, 70000u), (big.Kind, big.DeviceMajor, big.DeviceMinor));
        Assert.Equal(NodeKind.Regular, tree.Lookup("etc/.wh.motd")!.Kind);
    }

    [Fact]
    public void Applying_a_second_archive_replaces_and_adds_entries()
    {
        using var source = new TarSource();
        var tree = source.Read(MakeTar(w => w.WriteEntry(File("a", "one"))));

        source.Apply(tree, MakeTar(w => { w.WriteEntry(File("a", "two")); w.WriteEntry(File("b/c", "three")); }));

        Assert.Equal("two", ReadAll(tree.Lookup("a")!));
        Assert.Equal("three", ReadAll(tree.Lookup("b/c")!));
    }

    [Theory]
    [InlineData("../escape")]
    [InlineData("a/../../escape")]
    public void Entries_that_climb_out_of_the_root_are_refused(string name)
    {
        using var source = new TarSource();

        var error = Assert.Throws<ImageFormatException>(() => source.Read(MakeTar(w => w.WriteEntry(File(name, "x")))));

        Assert.Contains("'..'", error.Message);
    }

    [Fact]
    public void A_hard_link_to_a_missing_file_is_refused()
    {
        using var source = new TarSource();
        var tar = MakeTar(w => w.WriteEntry(new PaxTarEntry(TarEntryType.HardLink, "b") { LinkName = "missing" }));

        var error = Assert.Throws<ImageFormatException>(() => source.Read(tar));

        Assert.Contains("missing", error.Message);
    }

    /// <summary>GNU tar's sparse files, old (type 'S') and pax (GNU.sparse.*) forms, are refused rather than misread.</summary>
    [Theory]
    [InlineData("gnu")]
    [InlineData("pax")]
    public async Task Sparse_tar_entries_are_refused_with_one_clear_error(string format)
    {
        // Arrange
        using var dir = new TempDir("sparse-tar");
        string root = dir.CreateDirectory("root");
        using (var f = System.IO.File.Create(Path.Combine(root, "sp.bin")))
        {
            f.SetLength(10 << 20);
            f.Write("data"u8);
        }
        string tarball = dir.Combine("sparse.tar");
        await HostTool.RunAsync("tar", "tar", ["--sparse", "--format=" + format, "-cf", tarball, "-C", root, "sp.bin"]);
        using var source = new TarSource();

        // Act
        using var stream = System.IO.File.OpenRead(tarball);
        var error = Assert.Throws<ImageFormatException>(() => source.Read(stream));

        // Assert
        Assert.Contains("--sparse", error.Message);
    }

    [Fact]
    public void A_truncated_archive_is_one_clear_error()
    {
        var tar = MakeTar(w => w.WriteEntry(File("a", new string('x', 5000))));
        var cut = new MemoryStream(tar.ToArray()[..3000]);
        using var source = new TarSource();

        Assert.Throws<ImageFormatException>(() => source.Read(cut));
    }

    private static PaxTarEntry File(string name, string text) =>
        new(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(Encoding.UTF8.GetBytes(text)) };

    private static MemoryStream MakeTar(Action<TarWriter> write)
    {
        var stream = new MemoryStream();
        using (var writer = new TarWriter(stream, TarEntryFormat.Pax, leaveOpen: true))
        {
            write(writer);
        }
        stream.Position = 0;
        return stream;
    }

    private static string ReadAll(TreeNode node)
    {
        using var reader = new StreamReader(node.Content!.Open());
        return reader.ReadToEnd();
    }
}
