using System;
using System.IO;
using System.Security.Cryptography;
using System.Text;
using UserKernel.RootFs.Ext4;
using Xunit;

namespace UserKernel.RootFs.Tests.Fixtures;

/// <summary>Path walking and whole-file reads on top of the reader's inode API.</summary>
public static class ReaderExtensions
{
    /// <summary>The inode a relative path names, walked with Lookup from the root; fails the test if a component is missing.</summary>
    public static uint Resolve(this Ext4Reader reader, string path)
    {
        uint ino = Ext4Reader.RootInode;
        foreach (var part in path.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            var next = reader.Lookup(ino, Encoding.UTF8.GetBytes(part));
            Assert.True(next.HasValue, $"'{part}' of '{path}' not found in inode {ino}");
            ino = next.Value;
        }
        return ino;
    }

    public static Ext4Inode InodeAt(this Ext4Reader reader, string path) => reader.ReadInode(reader.Resolve(path));

    public static byte[] ReadAll(this Ext4Reader reader, uint ino)
    {
        var inode = reader.ReadInode(ino);
        var data = new byte[inode.Size];
        int read = reader.Read(ino, 0, data);
        Assert.Equal(data.Length, read);
        return data;
    }

    /// <summary>SHA-256 of the file's contents, read in chunks of <paramref name="chunk"/> bytes; also checks the byte count.</summary>
    public static string Sha256(this Ext4Reader reader, uint ino, int chunk = 64 * 1024)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[chunk];
        long offset = 0;
        int read;
        while ((read = reader.Read(ino, offset, buffer)) > 0)
        {
            hash.AppendData(buffer, 0, read);
            offset += read;
        }
        Assert.Equal((long)reader.ReadInode(ino).Size, offset);
        return Convert.ToHexString(hash.GetHashAndReset());
    }

    public static string Sha256OfFile(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexString(SHA256.HashData(stream));
    }

    public static string Sha256OfBytes(ReadOnlySpan<byte> bytes) => Convert.ToHexString(SHA256.HashData(bytes));
}
