using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading.Tasks;
using UserKernel.RootFs.Ext4;
using UserKernel.RootFs.Tests.Fixtures;
using UserKernel.TestSupport;
using Xunit;

namespace UserKernel.RootFs.Tests;

[Collection(ExtImagesCollection.Name)]
public sealed class DirectoryTests(ExtImages images)
{
    [Theory]
    [MemberData(nameof(ExtImages.Names), MemberType = typeof(ExtImages))]
    public void Every_directory_lists_the_source_entries_with_dot_and_dotdot(string image)
    {
        var spec = ExtImages.Spec(image);
        using var reader = Ext4Reader.Open(images.ImagePath(image));
        var directories = images.Source.AllPaths().Where(p => images.Source.TypeOf(p) == InodeMode.Directory)
            .Where(p => p != SourceTree.RawNamesDir).Prepend("").ToList();

        foreach (var path in directories)
        {
            var ino = reader.Resolve(path);
            var parent = reader.Resolve(Path.GetDirectoryName(path) ?? "");

            var entries = reader.ReadDirectory(ino);

            var names = entries.Select(e => Encoding.UTF8.GetString(e.Name)).ToList();
            var expected = Directory.EnumerateFileSystemEntries(images.Source.Full(path)).Select(Path.GetFileName)
                .Concat(path == "" ? ["lost+found"] : []).Append(".").Append("..").Order(StringComparer.Ordinal);
            Assert.Equal(expected, names.Order(StringComparer.Ordinal));
            Assert.Equal(".", names[0]);
            Assert.Equal("..", names[1]);
            Assert.Equal(ino, entries[0].Inode);
            Assert.Equal(path == "" ? ino : parent, entries[1].Inode);
            foreach (var entry in entries)
            {
                Assert.Equal(spec.HasFileType ? reader.ReadInode(entry.Inode).DirEntryType : DirEntry2.TypeUnknown, entry.FileType);
            }
        }
    }

    [Theory]
    [MemberData(nameof(ExtImages.Names), MemberType = typeof(ExtImages))]
    public async Task A_directory_of_3000_entries_is_hash_indexed_unless_revision_0_and_every_name_is_listed_and_found(string image)
    {
        var path = images.ImagePath(image);
        bool indexed = ExtImages.Spec(image).HasDirIndex;
        var htree = await ImageFixture.DebugfsAsync(path, $"htree /{SourceTree.BigDir}");
        Assert.Equal(indexed, htree.Contains("Root node dump"));
        using var reader = Ext4Reader.Open(path);
        var dir = reader.Resolve(SourceTree.BigDir);
        Assert.Equal(indexed, reader.ReadInode(dir).HasFlag(InodeFlags.Index));

        var entries = reader.ReadDirectory(dir);

        Assert.Equal(SourceTree.BigDirEntries + 2, entries.Count);
        var expected = Enumerable.Range(0, SourceTree.BigDirEntries).Select(SourceTree.BigName).Append(".").Append("..");
        Assert.Equal(expected.Order(StringComparer.Ordinal), entries.Select(e => Encoding.UTF8.GetString(e.Name)).Order(StringComparer.Ordinal));
        Assert.Equal(entries.Count, entries.Select(e => e.Inode).Distinct().Count());
        foreach (var entry in entries)
        {
            Assert.Equal(entry.Inode, reader.Lookup(dir, entry.Name));
        }
    }

    [Theory]
    [InlineData("ext2-1k")]
    [InlineData("ext3-1k")]
    [InlineData("ext4-1k-32bit-128")]
    [InlineData("ext4-1k-64bit")]
    [InlineData("ext4-metabg")]
    public async Task An_htree_with_interior_index_blocks_is_read_whole(string image)
    {
        var path = images.ImagePath(image);
        var htree = await ImageFixture.DebugfsAsync(path, $"htree /{SourceTree.DeepHtreeDir}");
        Assert.Contains("Indirect levels: 1", htree);
        using var reader = Ext4Reader.Open(path);
        var dir = reader.Resolve(SourceTree.DeepHtreeDir);

        var entries = reader.ReadDirectory(dir);

        var expected = Directory.EnumerateFileSystemEntries(images.Source.Full(SourceTree.DeepHtreeDir)).Select(Path.GetFileName).Append(".").Append("..");
        Assert.Equal(expected.Order(StringComparer.Ordinal), entries.Select(e => Encoding.UTF8.GetString(e.Name)).Order(StringComparer.Ordinal));
        Assert.All(entries.Skip(2), e => Assert.Equal(e.Inode, reader.Lookup(dir, e.Name)));
    }

    [Theory]
    [MemberData(nameof(ExtImages.Names), MemberType = typeof(ExtImages))]
    public void Lost_and_found_is_empty_though_it_spans_several_blocks(string image)
    {
        using var reader = Ext4Reader.Open(images.ImagePath(image));
        var dir = reader.InodeAt("lost+found");

        var entries = reader.ReadDirectory(dir.Number);

        Assert.True(dir.Size > reader.BlockSize || reader.BlockSize > 16384, $"lost+found is {dir.Size} bytes");
        Assert.Equal([".", ".."], entries.Select(e => Encoding.UTF8.GetString(e.Name)));
    }

    [Theory]
    [MemberData(nameof(ExtImages.Names), MemberType = typeof(ExtImages))]
    public void Lookup_of_a_missing_or_impossible_name_returns_null(string image)
    {
        using var reader = Ext4Reader.Open(images.ImagePath(image));
        var big = reader.Resolve(SourceTree.BigDir);

        Assert.Null(reader.Lookup(big, "entry-9999"u8));
        Assert.Null(reader.Lookup(big, Encoding.UTF8.GetBytes(SourceTree.BigName(12) + "x")));
        Assert.Null(reader.Lookup(big, SourceTree.BigName(12).AsSpan(0, 8).ToArray().Select(c => (byte)c).ToArray()));
        Assert.Null(reader.Lookup(big, ReadOnlySpan<byte>.Empty));
        Assert.Null(reader.Lookup(big, new byte[256]));
        Assert.Equal(big, reader.Lookup(big, "."u8));
        Assert.Equal(Ext4Reader.RootInode, reader.Lookup(big, ".."u8));
        Assert.Equal(Ext4Reader.RootInode, reader.Lookup(Ext4Reader.RootInode, ".."u8));
    }

    [Theory]
    [MemberData(nameof(ExtImages.Names), MemberType = typeof(ExtImages))]
    public void Lookup_from_a_parsed_inode_answers_as_lookup_by_number(string image)
    {
        using var reader = Ext4Reader.Open(images.ImagePath(image));
        var directories = images.Source.AllPaths().Where(p => images.Source.TypeOf(p) == InodeMode.Directory)
            .Prepend("lost+found").Prepend("").ToList();
        byte[][] misses = [[], new byte[256], "no-such-entry"u8.ToArray(), Encoding.UTF8.GetBytes(SourceTree.BigName(12) + "x")];

        foreach (var path in directories)
        {
            var ino = reader.Resolve(path);
            var dir = reader.ReadInode(ino);

            foreach (var entry in reader.ReadDirectory(ino))
            {
                Assert.Equal(entry.Inode, reader.Lookup(dir, entry.Name));
            }
            foreach (var miss in misses)
            {
                Assert.Null(reader.Lookup(dir, miss));
            }
        }
    }

    [Theory]
    [MemberData(nameof(ExtImages.Names), MemberType = typeof(ExtImages))]
    public void Names_are_raw_bytes(string image)
    {
        using var reader = Ext4Reader.Open(images.ImagePath(image));
        var dir = reader.Resolve(SourceTree.RawNamesDir);

        var names = reader.ReadDirectory(dir).Select(e => e.Name).ToList();

        foreach (var name in SourceTree.RawNames)
        {
            Assert.Contains(names, n => n.AsSpan().SequenceEqual(name));
            var ino = reader.Lookup(dir, name);
            Assert.NotNull(ino);
            Assert.True(reader.ReadInode(ino.Value).IsRegular);
        }
    }

    [Fact]
    public void Small_directories_are_inline_on_an_inline_data_image()
    {
        using var reader = Ext4Reader.Open(images.ImagePath("ext4-inline"));
        var dir = reader.Resolve(SourceTree.InlineDir);
        Assert.True(reader.ReadInode(dir).HasFlag(InodeFlags.InlineData), "tiny/ is not inline");

        var entries = reader.ReadDirectory(dir);

        Assert.Equal([".", "..", "a", "b", "c", "sub"], entries.Select(e => Encoding.UTF8.GetString(e.Name)).Order(StringComparer.Ordinal));
        Assert.Equal(dir, reader.Lookup(dir, "."u8));
        Assert.Equal(Ext4Reader.RootInode, reader.Lookup(dir, ".."u8));
        var sub = reader.Lookup(dir, "sub"u8);
        Assert.NotNull(sub);
        Assert.Equal(dir, reader.Lookup(sub.Value, ".."u8));
        Assert.Equal(2, reader.ReadDirectory(sub.Value).Count);
    }

    [Theory]
    [MemberData(nameof(ExtImages.Names), MemberType = typeof(ExtImages))]
    public void Directory_calls_on_a_file_are_refused(string image)
    {
        using var reader = Ext4Reader.Open(images.ImagePath(image));
        var file = reader.Resolve(SourceTree.SmallFile);

        Assert.Throws<ArgumentException>(() => reader.ReadDirectory(file));
        Assert.Throws<ArgumentException>(() => reader.Lookup(file, "x"u8));
        Assert.Throws<ArgumentException>(() => reader.Lookup(reader.ReadInode(file), "x"u8));
    }
}
