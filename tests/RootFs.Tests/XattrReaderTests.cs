using System;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading.Tasks;
using UserKernel.RootFs.Ext4;
using UserKernel.RootFs.Tests.Fixtures;
using UserKernel.TestSupport;
using Xunit;

namespace UserKernel.RootFs.Tests;

/// <summary>Extended attributes set with debugfs read back through Ext4Reader.ReadXattrs, in the inode and in a block.</summary>
public sealed class XattrReaderTests
{
    [Fact]
    public async Task Xattrs_in_the_inode_and_in_a_block_read_back_with_full_names()
    {
        // Arrange
        using var fixture = new ImageFixture("xattr-reader");
        var src = fixture.Dir.CreateDirectory("src");
        await File.WriteAllTextAsync(Path.Combine(src, "f"), "data");
        var image = await fixture.MakeExtImageAsync("x.img", src, "ext4", "16M", "-b", "4096", "-I", "256");
        var big = string.Concat(Enumerable.Repeat("0123456789abcdef", 125)); // 2000 bytes: too big for the inode body
        var bigFile = fixture.Dir.Combine("big");
        await File.WriteAllTextAsync(bigFile, big);
        var script = fixture.Dir.Combine("script");
        await File.WriteAllTextAsync(script, string.Join('\n',
            "ea_set /f user.small hello",
            $"ea_set -f {bigFile} /f user.big",
            "ea_set / trusted.t tv",
            "ea_set / security.selinux ctx",
            ""));
        await ImageFixture.DebugfsScriptAsync(image, script);

        // Act
        using var reader = Ext4Reader.Open(image);
        var file = reader.ReadXattrs(reader.Resolve("f")).ToDictionary(x => x.Name, x => Encoding.UTF8.GetString(x.Value));
        var root = reader.ReadXattrs(Ext4Reader.RootInode).ToDictionary(x => x.Name, x => Encoding.UTF8.GetString(x.Value));

        // Assert
        Assert.Equal("hello", file["user.small"]);
        Assert.Equal(big, file["user.big"]);
        Assert.NotEqual(0ul, reader.InodeAt("f").FileAcl);
        Assert.Equal("tv", root["trusted.t"]);
        Assert.Equal("ctx", root["security.selinux"]);
    }

    [Theory]
    [InlineData("user.x", 1, "x")]
    [InlineData("trusted.overlay.opaque", 4, "overlay.opaque")]
    [InlineData("security.capability", 6, "capability")]
    [InlineData("system.posix_acl_access", 2, "")]
    [InlineData("system.posix_acl_default", 3, "")]
    [InlineData("system.data", 7, "data")]
    public void Names_encode_to_their_index_and_back(string name, byte index, string suffix)
    {
        Assert.True(XattrName.TryEncode(name, out var i, out var s));
        Assert.Equal((index, suffix), (i, Encoding.UTF8.GetString(s)));
        Assert.Equal(name, XattrName.Decode(i, s));
    }
}
