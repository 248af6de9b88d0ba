using System;
using UserKernel.RootFs.Ext4;
using UserKernel.RootFs.Tests.Fixtures;
using Xunit;

namespace UserKernel.RootFs.Tests;

/// <summary>The hot paths (copying a file out, looking a name up) allocate nothing.</summary>
[Collection(ExtImagesCollection.Name)]
public sealed class AllocationTests(ExtImages images)
{
    [Theory]
    [InlineData("ext2-1k", SourceTree.LargeFile)]
    [InlineData("ext4-4k", SourceTree.LargeFile)]
    [InlineData("ext4-1k-64bit", SourceTree.DeepSparseFile)]
    [InlineData("ext4-inline", "tiny/b")]
    public void Reading_a_file_allocates_nothing(string image, string path)
    {
        using var reader = Ext4Reader.Open(images.ImagePath(image));
        var ino = reader.Resolve(path);
        var buffer = new byte[64 * 1024];
        ReadWhole(reader, ino, buffer);

        long before = GC.GetAllocatedBytesForCurrentThread();
        long total = ReadWhole(reader, ino, buffer);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal((long)reader.ReadInode(ino).Size, total);
        Assert.Equal(0, allocated);
    }

    [Theory]
    [InlineData("ext4-4k")]
    [InlineData("ext2-1k")]
    [InlineData("ext4-inline")]
    public void Looking_names_up_allocates_nothing(string image)
    {
        using var reader = Ext4Reader.Open(images.ImagePath(image));
        var big = reader.Resolve(SourceTree.BigDir);
        var tiny = reader.Resolve(SourceTree.InlineDir);
        var bigInode = reader.ReadInode(big);
        var tinyInode = reader.ReadInode(tiny);
        var last = System.Text.Encoding.UTF8.GetBytes(SourceTree.BigName(SourceTree.BigDirEntries - 1));
        reader.Lookup(big, last);
        reader.Lookup(bigInode, last);

        long before = GC.GetAllocatedBytesForCurrentThread();
        var found = reader.Lookup(big, last);
        var missing = reader.Lookup(big, "no-such-entry"u8);
        var inline = reader.Lookup(tiny, "c"u8);
        var foundParsed = reader.Lookup(bigInode, last);
        var missingParsed = reader.Lookup(bigInode, "no-such-entry"u8);
        var inlineParsed = reader.Lookup(tinyInode, "c"u8);
        var inlineMissing = reader.Lookup(tinyInode, "no-such-entry"u8);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.NotNull(found);
        Assert.Null(missing);
        Assert.NotNull(inline);
        Assert.Equal(found, foundParsed);
        Assert.Null(missingParsed);
        Assert.Equal(inline, inlineParsed);
        Assert.Null(inlineMissing);
        Assert.Equal(0, allocated);
    }

    private static long ReadWhole(Ext4Reader reader, uint ino, byte[] buffer)
    {
        long offset = 0;
        int read;
        while ((read = reader.Read(ino, offset, buffer)) > 0)
        {
            offset += read;
        }
        return offset;
    }
}
