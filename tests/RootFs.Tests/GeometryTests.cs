using System.Linq;
using System.Text.RegularExpressions;
using System.Threading.Tasks;
using UserKernel.RootFs.Ext4;
using UserKernel.RootFs.Tests.Fixtures;
using UserKernel.TestSupport;
using Xunit;

namespace UserKernel.RootFs.Tests;

[Collection(ExtImagesCollection.Name)]
public sealed class GeometryTests(ExtImages images)
{
    [Theory]
    [MemberData(nameof(ExtImages.Names), MemberType = typeof(ExtImages))]
    public async Task The_superblock_reads_as_dumpe2fs_shows_it(string image)
    {
        var spec = ExtImages.Spec(image);
        var path = images.ImagePath(image);
        var fields = await ImageFixture.SuperblockFieldsAsync(path);

        using var reader = Ext4Reader.Open(path);

        Assert.Equal(uint.Parse(fields["Block size"]), reader.BlockSize);
        Assert.Equal(spec.BlockSize, reader.BlockSize);
        Assert.Equal(ulong.Parse(fields["Block count"]), reader.BlocksCount);
        Assert.Equal(uint.Parse(fields["Inode count"]), reader.InodesCount);
        Assert.Equal(ulong.Parse(fields["Free blocks"]), reader.FreeBlocksCount);
        Assert.Equal(uint.Parse(fields["Free inodes"]), reader.FreeInodesCount);
        Assert.Equal(fields["Filesystem volume name"], reader.VolumeName);
        Assert.Equal(spec.InodeSize, reader.SuperBlock.InodeSize);
        var features = fields["Filesystem features"].Split(' ');
        Assert.Equal(features.Contains("64bit"), reader.Incompat.HasFlag(IncompatFeatures.Is64Bit));
        Assert.Equal(spec.Is64Bit, reader.Incompat.HasFlag(IncompatFeatures.Is64Bit));
        Assert.Equal(spec.Is64Bit ? 64 : 32, reader.SuperBlock.GroupDescriptorSize);
        Assert.Equal(features.Contains("extent"), reader.Incompat.HasFlag(IncompatFeatures.Extents));
        Assert.Equal(features.Contains("meta_bg"), reader.Incompat.HasFlag(IncompatFeatures.MetaBg));
        Assert.Equal(features.Contains("inline_data"), reader.Incompat.HasFlag(IncompatFeatures.InlineData));
        Assert.Equal(features.Contains("has_journal"), reader.Compat.HasFlag(CompatFeatures.HasJournal));
        Assert.Equal(features.Contains("bigalloc"), reader.RoCompat.HasFlag(RoCompatFeatures.Bigalloc));
        Assert.Equal(features.Contains("metadata_csum"), reader.RoCompat.HasFlag(RoCompatFeatures.MetadataCsum));
    }

    [Theory]
    [MemberData(nameof(ExtImages.Names), MemberType = typeof(ExtImages))]
    public async Task Every_group_descriptor_reads_as_dumpe2fs_shows_it(string image)
    {
        var path = images.ImagePath(image);
        var dump = await HostTool.RunAsync("dumpe2fs", "e2fsprogs", [path]);
        var groups = Regex.Matches(dump, @"^Group (\d+):.*?Inode table at (\d+)-(\d+).*?(\d+) free (?:blocks|clusters), (\d+) free inodes, (\d+) (?:directories|used directories)",
            RegexOptions.Multiline | RegexOptions.Singleline);

        using var reader = Ext4Reader.Open(path);

        Assert.Equal((int)reader.GroupCount, groups.Count);
        foreach (Match group in groups)
        {
            var descriptor = reader.ReadGroupDescriptor(uint.Parse(group.Groups[1].Value));
            Assert.Equal(ulong.Parse(group.Groups[2].Value), descriptor.InodeTable);
            Assert.Equal(uint.Parse(group.Groups[4].Value), descriptor.FreeBlocksCount);
            Assert.Equal(uint.Parse(group.Groups[5].Value), descriptor.FreeInodesCount);
            Assert.Equal(uint.Parse(group.Groups[6].Value), descriptor.UsedDirsCount);
        }
        if (ExtImages.Spec(image).Options.Contains("meta_bg,^resize_inode,^64bit"))
        {
            Assert.True(reader.GroupCount > reader.BlockSize / 32, $"only {reader.GroupCount} groups: meta_bg not exercised");
        }
    }
}
