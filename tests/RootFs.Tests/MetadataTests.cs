using System;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.RegularExpressions;
using System.Threading.Tasks;
using UserKernel.RootFs.Ext4;
using UserKernel.RootFs.Image;
using UserKernel.RootFs.Tests.Fixtures;
using UserKernel.TestSupport;
using Xunit;

namespace UserKernel.RootFs.Tests;

[Collection(ExtImagesCollection.Name)]
public sealed class MetadataTests(ExtImages images)
{
    [Theory]
    [MemberData(nameof(ExtImages.Names), MemberType = typeof(ExtImages))]
    public void Every_entry_matches_its_source_stat(string image)
    {
        var spec = ExtImages.Spec(image);
        using var reader = Ext4Reader.Open(images.ImagePath(image));
        foreach (var path in images.Source.AllPaths())
        {
            var stat = SourceTree.Lstat(images.Source.Full(path));
            var inode = reader.InodeAt(path);
            bool isDir = inode.IsDirectory;

            Assert.True((ushort)(uint)stat.st_mode == inode.Mode, $"{path}: mode {Convert.ToString(inode.Mode, 8)}");
            Assert.True(stat.st_uid == inode.Uid, $"{path}: uid {inode.Uid}");
            Assert.True(stat.st_gid == inode.Gid, $"{path}: gid {inode.Gid}");
            if (!isDir)
            {
                if (!(spec.InlineData && path == SourceTree.TrailingHoleFile))
                {
                    Assert.True((ulong)stat.st_size == inode.Size, $"{path}: size {inode.Size}");
                }
                Assert.True(stat.st_nlink == inode.LinksCount, $"{path}: links {inode.LinksCount}");
                Assert.True(stat.st_ctime == inode.CtimeSec, $"{path}: ctime {inode.CtimeSec}");
                // Without extra fields, times past 2038 wrap: i_mtime is a signed 32-bit number.
                long mtime = spec.HasExtraFields ? stat.st_mtime : (int)stat.st_mtime;
                Assert.True(mtime == inode.MtimeSec, $"{path}: mtime {inode.MtimeSec}");
                long nsec = spec.HasExtraFields && images.NanosecondPaths.Contains(path) ? stat.st_mtime_nsec : 0;
                Assert.True(nsec == inode.MtimeNsec, $"{path}: mtime nsec {inode.MtimeNsec}");
            }
            else
            {
                int subdirectories = Directory.GetDirectories(images.Source.Full(path)).Length;
                Assert.True((uint)(2 + subdirectories) == inode.LinksCount, $"{path}: links {inode.LinksCount}");
            }
            var (major, minor) = SourceTree.SplitDev(stat.st_rdev);
            Assert.True(major == inode.RdevMajor && minor == inode.RdevMinor, $"{path}: rdev {inode.RdevMajor}:{inode.RdevMinor}");
        }
    }

    [Theory]
    [MemberData(nameof(ExtImages.Names), MemberType = typeof(ExtImages))]
    public void Ownership_needs_both_halves_of_uid_and_gid(string image)
    {
        Assert.True(images.Source.RootProblem == null, images.Source.RootProblem);
        using var reader = Ext4Reader.Open(images.ImagePath(image));

        var small = reader.InodeAt(SourceTree.SmallFile);
        var high = reader.InodeAt(SourceTree.HighOwner);
        var link = reader.InodeAt(SourceTree.FastSymlink);

        Assert.Equal((1234u, 5678u), (small.Uid, small.Gid));
        Assert.Equal(Convert.ToUInt16("100640", 8), small.Mode);
        Assert.Equal((123456u, 654321u), (high.Uid, high.Gid));
        Assert.Equal((42u, 43u), (link.Uid, link.Gid));
    }

    [Theory]
    [MemberData(nameof(ExtImages.Names), MemberType = typeof(ExtImages))]
    public void Times_have_nanoseconds_epoch_bits_and_crtime_when_the_inode_is_large(string image)
    {
        var spec = ExtImages.Spec(image);
        using var reader = Ext4Reader.Open(images.ImagePath(image));
        var nano = reader.InodeAt(SourceTree.NanoTime);
        var future = reader.InodeAt(SourceTree.FutureTime);
        var old = reader.InodeAt(SourceTree.OldTime);

        Assert.Equal(SourceTree.NanoTimeValue.tv_sec, nano.MtimeSec);
        Assert.Equal(SourceTree.OldTimeValue.tv_sec, old.MtimeSec);
        Assert.Equal(spec.HasExtraFields, nano.HasCrtime);
        if (spec.HasExtraFields)
        {
            Assert.Equal(123456789u, nano.MtimeNsec);
            Assert.Equal(SourceTree.FutureTimeValue.tv_sec, future.MtimeSec);
            Assert.Equal(500000000u, future.MtimeNsec);
            Assert.Equal(250000000u, old.MtimeNsec);
            // mke2fs stamps crtime with the time it ran.
            Assert.InRange(nano.CrtimeSec, DateTimeOffset.UtcNow.AddHours(-1).ToUnixTimeSeconds(), DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 1);
        }
        else
        {
            Assert.Equal(0u, nano.MtimeNsec);
            Assert.Equal((long)(int)SourceTree.FutureTimeValue.tv_sec, future.MtimeSec);
            Assert.Equal((0L, 0u), (nano.CrtimeSec, nano.CrtimeNsec));
        }
    }

    [Theory]
    [MemberData(nameof(ExtImages.Names), MemberType = typeof(ExtImages))]
    public void Special_files_keep_their_type_and_device_numbers(string image)
    {
        Assert.True(images.Source.RootProblem == null, images.Source.RootProblem);
        using var reader = Ext4Reader.Open(images.ImagePath(image));
        var dev = reader.Resolve("dev");
        var types = reader.ReadDirectory(dev).ToDictionary(e => Encoding.UTF8.GetString(e.Name), e => e.FileType);

        var old = reader.InodeAt(SourceTree.CharDeviceOld);
        var @new = reader.InodeAt(SourceTree.CharDeviceNew);
        var block = reader.InodeAt(SourceTree.BlockDevice);

        Assert.True(old.IsCharDevice);
        Assert.Equal((4u, 66u), (old.RdevMajor, old.RdevMinor));
        Assert.True(@new.IsCharDevice);
        Assert.Equal((300u, 70000u), (@new.RdevMajor, @new.RdevMinor));
        Assert.True(block.IsBlockDevice);
        Assert.Equal((7u, 200u), (block.RdevMajor, block.RdevMinor));
        Assert.True(reader.InodeAt(SourceTree.Fifo).IsFifo);
        Assert.True(reader.InodeAt(SourceTree.Socket).IsSocket);
        bool typed = ExtImages.Spec(image).HasFileType;
        Assert.Equal(typed ? DirEntry2.TypeCharDevice : DirEntry2.TypeUnknown, types["chr-old"]);
        Assert.Equal(typed ? DirEntry2.TypeBlockDevice : DirEntry2.TypeUnknown, types["blk"]);
        Assert.Equal(typed ? DirEntry2.TypeFifo : DirEntry2.TypeUnknown, types["fifo"]);
        Assert.Equal(typed ? DirEntry2.TypeSocket : DirEntry2.TypeUnknown, types["sock"]);
        Assert.Equal(0, reader.Read(old.Number, 0, new byte[16]));
    }

    [Theory]
    [MemberData(nameof(ExtImages.Names), MemberType = typeof(ExtImages))]
    public void Symlink_targets_read_back_fast_slow_and_long(string image)
    {
        var spec = ExtImages.Spec(image);
        using var reader = Ext4Reader.Open(images.ImagePath(image));
        foreach (var path in new[] { SourceTree.FastSymlink, SourceTree.SlowSymlink, SourceTree.LongSymlink, "links/dangling" })
        {
            var inode = reader.InodeAt(path);
            var expected = Encoding.UTF8.GetBytes(new FileInfo(images.Source.Full(path)).LinkTarget!);

            var target = reader.ReadSymlink(inode.Number);

            Assert.True(inode.IsSymlink, path);
            Assert.Equal(expected, target);
            Assert.Equal((ulong)expected.Length, inode.Size);
            var viaRead = new byte[expected.Length + 8];
            Assert.Equal(expected.Length, reader.Read(inode.Number, 0, viaRead));
            Assert.Equal(expected, viaRead[..expected.Length]);
        }
        Assert.Equal(0UL, reader.InodeAt(SourceTree.FastSymlink).Blocks512);
        if (!spec.InlineData)
        {
            Assert.True(reader.InodeAt(SourceTree.SlowSymlink).Blocks512 > 0, "slow symlink owns no block");
        }
        Assert.Throws<ArgumentException>(() => reader.ReadSymlink(reader.Resolve(SourceTree.SmallFile)));
    }

    [Theory]
    [MemberData(nameof(ExtImages.Names), MemberType = typeof(ExtImages))]
    public void Hard_links_share_one_inode_with_two_links(string image)
    {
        using var reader = Ext4Reader.Open(images.ImagePath(image));

        var a = reader.InodeAt(SourceTree.HardLinkA);
        var b = reader.InodeAt(SourceTree.HardLinkB);

        Assert.Equal(a.Number, b.Number);
        Assert.Equal(2u, a.LinksCount);
        Assert.Equal("linked twice\n"u8.ToArray(), reader.ReadAll(a.Number));
    }

    [Theory]
    [MemberData(nameof(ExtImages.Names), MemberType = typeof(ExtImages))]
    public async Task Blocks_and_flags_match_debugfs(string image)
    {
        var path = images.ImagePath(image);
        using var reader = Ext4Reader.Open(path);
        foreach (var file in new[] { SourceTree.LargeFile, SourceTree.SparseFile, SourceTree.SlowSymlink, SourceTree.BigDir })
        {
            var stat = await ImageFixture.DebugfsAsync(path, $"stat /{file}");
            var inode = reader.InodeAt(file);

            Assert.Equal(ulong.Parse(Regex.Match(stat, @"Blockcount: (\d+)").Groups[1].Value), inode.Blocks512);
            Assert.Equal(Convert.ToUInt32(Regex.Match(stat, @"Flags: 0x([0-9a-f]+)").Groups[1].Value, 16), inode.Flags);
            Assert.Equal(uint.Parse(Regex.Match(stat, @"Generation: (\d+)").Groups[1].Value), inode.Generation);
        }
    }

    [Theory]
    [MemberData(nameof(ExtImages.Names), MemberType = typeof(ExtImages))]
    public void Inode_numbers_out_of_range_or_unused_are_refused(string image)
    {
        using var reader = Ext4Reader.Open(images.ImagePath(image));

        var zero = Assert.Throws<ImageFormatException>(() => reader.ReadInode(0));
        var past = Assert.Throws<ImageFormatException>(() => reader.ReadInode(reader.InodesCount + 1));
        var unused = Assert.Throws<ImageFormatException>(() => reader.ReadInode(reader.InodesCount));

        Assert.Contains("inode 0", zero.Message);
        Assert.Contains($"inode {reader.InodesCount + 1}", past.Message);
        Assert.Contains("not in use", unused.Message);
        Assert.Throws<ImageFormatException>(() => reader.Read(0, 0, new byte[1]));
    }
}
