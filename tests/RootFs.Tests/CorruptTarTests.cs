using System;
using System.Collections.Generic;
using System.Formats.Tar;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading.Tasks;
using UserKernel.RootFs.Image;
using UserKernel.RootFs.Layers;
using UserKernel.RootFs.Sources;
using UserKernel.RootFs.Tree;
using UserKernel.TestSupport;
using Xunit;

namespace UserKernel.RootFs.Tests;

/// <summary>
/// A damaged tar archive, read as an image source (<see cref="TarSource"/>) or as a layer
/// (<see cref="LayerApplier.ApplyTar"/>), is one <see cref="ImageFormatException"/> of one line saying what is
/// wrong: never a shorter archive, never an empty one. System.Formats.Tar checks no header checksum and takes
/// any block with an empty checksum for the end of the archive, so before these checks a header with a bad
/// checksum was read as it was, and an empty or zero checksum, a lone zero block followed by anything, and data
/// after the end were read as the end: an empty layer when it happened at the first header. Valid archives in
/// every format, and an empty one (two zero blocks), still read.
/// </summary>
public sealed class CorruptTarTests
{
    public enum Reader { Source, Layer }

    private const int Block = 512;

    // The GNU-format tar the damage is done to: "a.txt" of 1000 bytes (its data ends inside a block), then "b.txt".
    // a.txt's header is at 0, its data at 512..1512 (padded to 1536); b.txt's header at 1536, its data at 2048;
    // the two zero blocks at 2560 and 3072; the archive is 3584 bytes.
    private const int SecondHeader = 3 * Block;
    private const int EndBlocks = 5 * Block;

    private static byte[] Tar(TarEntryFormat format = TarEntryFormat.Gnu)
    {
        var output = new MemoryStream();
        using (var writer = new TarWriter(output, format, leaveOpen: true))
        {
            writer.WriteEntry(Entry(format, "a.txt", Enumerable.Repeat((byte)'a', 1000).ToArray()));
            writer.WriteEntry(Entry(format, "b.txt", "bee\n"u8.ToArray()));
        }
        return output.ToArray();
    }

    private static TarEntry Entry(TarEntryFormat format, string name, byte[] data)
    {
        TarEntry entry = format switch
        {
            TarEntryFormat.V7 => new V7TarEntry(TarEntryType.V7RegularFile, name),
            TarEntryFormat.Ustar => new UstarTarEntry(TarEntryType.RegularFile, name),
            TarEntryFormat.Pax => new PaxTarEntry(TarEntryType.RegularFile, name),
            _ => new GnuTarEntry(TarEntryType.RegularFile, name),
        };
        entry.Mode = (UnixFileMode)0x1A4;
        entry.ModificationTime = new DateTimeOffset(2024, 5, 6, 7, 8, 9, TimeSpan.Zero);
        entry.DataStream = new MemoryStream(data);
        return entry;
    }

    /// <summary>Each kind of damage, and a piece of the message that must say what it is.</summary>
    private static (byte[] Archive, string Expected) Damaged(string kind)
    {
        byte[] tar = Tar();
        switch (kind)
        {
            case "bad checksum":
                tar[0] ^= 1; // 'a.txt' becomes '`.txt': the stored checksum no longer matches
                return (tar, "the header at offset 0 has a bad checksum");
            case "bad checksum of the second header":
                tar[SecondHeader + 2] ^= 0x40;
                return (tar, $"the header at offset {SecondHeader} has a bad checksum");
            case "bad checksum of a pax record header":
            {
                byte[] pax = Tar(TarEntryFormat.Pax);
                pax[0] ^= 1; // the 'x' header before a.txt's own
                return (pax, "the header at offset 0 has a bad checksum");
            }
            case "bad checksum of an entry after pax records":
            {
                byte[] pax = Tar(TarEntryFormat.Pax);
                pax[2 * Block + 1] ^= 1; // a.txt's own header, after the 'x' header and its records
                return (pax, $"the header at offset {2 * Block} has a bad checksum");
            }
            case "bad checksum in ustar":
            {
                byte[] ustar = Tar(TarEntryFormat.Ustar);
                ustar[SecondHeader + 100] ^= 2; // a mode digit
                return (ustar, $"the header at offset {SecondHeader} has a bad checksum");
            }
            case "bad checksum in v7":
            {
                byte[] v7 = Tar(TarEntryFormat.V7);
                v7[1] ^= 1;
                return (v7, "the header at offset 0 has a bad checksum");
            }
            case "empty checksum field":
                tar.AsSpan(148, 8).Clear(); // System.Formats.Tar took this for the end: an empty archive
                return (tar, "the header at offset 0 has no checksum");
            case "zero checksum":
                "0000000\0"u8.CopyTo(tar.AsSpan(148)); // also taken for the end
                return (tar, "the header at offset 0 has a bad checksum");
            case "empty checksum field of the second header":
                tar.AsSpan(SecondHeader + 148, 8).Clear(); // was read as an archive of a.txt alone
                return (tar, $"the header at offset {SecondHeader} has no checksum");
            case "cut in the middle of a header":
                return (tar[..256], "truncated: it ends at offset 256, inside a header");
            case "cut in the middle of a file's data":
                return (tar[..600], "truncated: it ends at offset 600, inside the 1000-byte data of 'a.txt'");
            case "cut in the padding after a file's data":
                return (tar[..1520], "truncated: it ends at offset 1520");
            case "cut where a header should start":
                return (tar[..SecondHeader], $"truncated: it ends at offset {SecondHeader}, without the two zero blocks");
            case "cut after the first zero block":
                return (tar[..(EndBlocks + Block)], $"truncated: it ends at offset {EndBlocks + Block}, inside the two zero blocks");
            case "garbage":
            {
                var garbage = new byte[8192];
                new Random(7).NextBytes(garbage);
                return (garbage, "the header at offset 0 has a checksum field that is not a number");
            }
            case "text":
                return (Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("This is not a tar archive.\n", 100))), "is not a tar header");
            case "zero-length file":
                return ([], "the archive is empty (0 bytes)");
            case "a zero block then garbage":
            {
                var archive = new byte[4096];
                new Random(8).NextBytes(archive.AsSpan(Block)); // System.Formats.Tar stopped at the zero block: an empty archive
                return (archive, "the zero block at offset 0 is not followed by a second one");
            }
            case "a zero block then a header":
            {
                // The first header zeroed out, as a damaged disk does: the rest was read as nothing.
                byte[] archive = (byte[])tar.Clone();
                archive.AsSpan(0, Block).Clear();
                return (archive, "the zero block at offset 0 is not followed by a second one");
            }
            case "data after the end":
            {
                // Two blocks zeroed in the middle: the entries after them were lost without a word.
                byte[] archive = tar[..SecondHeader].Concat(new byte[2 * Block]).Concat(tar[SecondHeader..]).ToArray();
                return (archive, $"there is data at offset {SecondHeader + 2 * Block}, after the end of the archive");
            }
            case "size field not octal":
                "0000000abcd\0"u8.CopyTo(tar.AsSpan(124));
                FixChecksum(tar, 0);
                return (tar, "the header of 'a.txt' at offset 0: its size field (\"0000000abcd\\0\") is not an octal number");
            case "size field with a 9":
                "00000001790\0"u8.CopyTo(tar.AsSpan(124));
                FixChecksum(tar, 0);
                return (tar, "its size field (\"00000001790\\0\") is not an octal number");
            case "mode field not octal":
                "00006x4\0"u8.CopyTo(tar.AsSpan(SecondHeader + 100));
                FixChecksum(tar, SecondHeader);
                return (tar, $"the header of 'b.txt' at offset {SecondHeader}: its mode field");
            case "empty name":
                tar.AsSpan(0, 100).Clear(); // a file named "" was dropped without a word
                FixChecksum(tar, 0);
                return (tar, "an entry of type RegularFile has an empty name");
            default:
                throw new ArgumentException(kind);
        }
    }

    public static TheoryData<string, Reader> Damages()
    {
        string[] kinds =
        [
            "bad checksum", "bad checksum of the second header", "bad checksum of a pax record header",
            "bad checksum of an entry after pax records", "bad checksum in ustar", "bad checksum in v7",
            "empty checksum field", "zero checksum", "empty checksum field of the second header",
            "cut in the middle of a header", "cut in the middle of a file's data", "cut in the padding after a file's data",
            "cut where a header should start", "cut after the first zero block",
            "garbage", "text", "zero-length file", "a zero block then garbage", "a zero block then a header",
            "data after the end", "size field not octal", "size field with a 9", "mode field not octal", "empty name",
        ];
        var data = new TheoryData<string, Reader>();
        foreach (string kind in kinds)
        {
            data.Add(kind, Reader.Source);
            data.Add(kind, Reader.Layer);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Damages))]
    public void A_damaged_tar_is_one_clear_error(string kind, Reader reader)
    {
        var (archive, expected) = Damaged(kind);

        var error = Assert.Throws<ImageFormatException>(() => Read(archive, reader));

        Assert.StartsWith("corrupt tar archive: ", error.Message);
        Assert.Contains(expected, error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }

    /// <summary>The same damage, and damage to the compressed stream itself, in gzip, xz and zstd layers.</summary>
    public static TheoryData<string, string, Reader> CompressedDamages()
    {
        var data = new TheoryData<string, string, Reader>();
        foreach (string compressor in new[] { "gzip", "xz", "zstd" })
            foreach (string kind in new[] { "bytes flipped", "cut in half", "cut in the trailer", "check damaged", "tar with a bad checksum", "garbage", "nothing", "a zero block then garbage" })
                foreach (var reader in new[] { Reader.Source, Reader.Layer })
                    data.Add(compressor, kind, reader);
        return data;
    }

    [Theory]
    [MemberData(nameof(CompressedDamages))]
    public async Task A_damaged_compressed_tar_is_one_clear_error(string compressor, string kind, Reader reader)
    {
        // Arrange
        byte[] tar = Tar(TarEntryFormat.Pax);
        var garbage = new byte[8192];
        new Random(9).NextBytes(garbage);
        byte[] compressed = await CompressAsync(compressor, kind switch
        {
            "tar with a bad checksum" => Flip(tar, 1),
            "garbage" => garbage,
            "nothing" => [],
            "a zero block then garbage" => new byte[Block].Concat(garbage).ToArray(),
            _ => tar,
        });
        (byte[] archive, string expected) = kind switch
        {
            "bytes flipped" => (FlipRun(compressed, compressed.Length / 2), $"corrupt {compressor} data: "),
            "cut in half" => (compressed[..(compressed.Length / 2)], $"corrupt {compressor} data: "),
            // gzip's last 8 bytes are its CRC and length; xz's 12 its stream footer; zstd's 4 its content checksum.
            "cut in the trailer" => (compressed[..^3], $"corrupt {compressor} data: "),
            // gzip's CRC32; xz's CRC64 of its block (before a 12-byte index and the footer); zstd's content checksum.
            "check damaged" => (Flip(compressed, compressed.Length - (compressor == "gzip" ? 8 : compressor == "xz" ? 28 : 2)), $"corrupt {compressor} data: "),
            "tar with a bad checksum" => (compressed, "corrupt tar archive: the header at offset 0 has a bad checksum"),
            "garbage" => (compressed, "corrupt tar archive: the header at offset 0 has a checksum field that is not a number"),
            "nothing" => (compressed, "corrupt tar archive: the archive is empty (0 bytes)"),
            _ => (compressed, "corrupt tar archive: the zero block at offset 0 is not followed by a second one"),
        };

        // Act
        var error = Assert.Throws<ImageFormatException>(() => Read(archive, reader));

        // Assert
        Assert.Contains(expected, error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Theory]
    [InlineData(1024, null)]
    [InlineData(10240, null)]
    [InlineData(1024, "gzip")]
    [InlineData(10240, "xz")]
    [InlineData(1024, "zstd")]
    public async Task An_empty_archive_of_two_zero_blocks_is_an_empty_layer(int length, string? compressor)
    {
        byte[] archive = compressor is null ? new byte[length] : await CompressAsync(compressor, new byte[length]);

        foreach (var reader in new[] { Reader.Source, Reader.Layer })
            Assert.Empty(Read(archive, reader).Root.Children!);
    }

    [Theory]
    [InlineData(TarEntryFormat.V7)]
    [InlineData(TarEntryFormat.Ustar)]
    [InlineData(TarEntryFormat.Pax)]
    [InlineData(TarEntryFormat.Gnu)]
    public void Every_format_System_Formats_Tar_writes_reads(TarEntryFormat format)
    {
        foreach (var reader in new[] { Reader.Source, Reader.Layer })
        {
            var tree = Read(Tar(format), reader);

            Assert.Equal(1000, tree.Lookup("a.txt")!.Content!.Length);
            Assert.Equal("bee\n", ReadAll(tree.Lookup("b.txt")!));
        }
    }

    /// <summary>
    /// GNU tar's formats, with what each does beyond plain octal: long names ('L' records, pax path records), uids
    /// too big for octal (GNU's base-256, pax records), times before 1970 (base-256 negative, pax records), and
    /// the padding of the last 10240-byte record.
    /// </summary>
    [Theory]
    [InlineData("gnu", true)]
    [InlineData("oldgnu", true)]
    [InlineData("posix", true)]
    [InlineData("ustar", false)]
    [InlineData("v7", false)]
    public async Task Archives_of_gnu_tar_in_every_format_read(string format, bool extended)
    {
        // Arrange
        using var dir = new TempDir("tar-formats");
        string root = dir.CreateDirectory("root");
        string longDir = Path.Combine(root, new string('d', 60), new string('e', 60));
        Directory.CreateDirectory(longDir);
        File.WriteAllBytes(Path.Combine(root, "odd.bin"), new byte[777]);
        File.WriteAllText(Path.Combine(longDir, new string('f', 80)), "deep\n");
        File.CreateSymbolicLink(Path.Combine(root, "link"), "odd.bin");
        if (extended) // ustar and v7 have no room for a time before 1970
            File.SetLastWriteTimeUtc(Path.Combine(root, "odd.bin"), new DateTime(1960, 1, 1, 0, 0, 0, DateTimeKind.Utc));
        string tarball = dir.Combine("t.tar");
        var args = new List<string> { "--format=" + format, "--numeric-owner", "-C", root, "-cf", tarball };
        if (extended)
            args.AddRange(["--owner=:3000000", "--group=:3000001"]);
        args.AddRange(extended ? ["."] : ["odd.bin", "link"]);
        await HostTool.RunAsync("tar", "tar", args);
        byte[] archive = File.ReadAllBytes(tarball);

        foreach (var reader in new[] { Reader.Source, Reader.Layer })
        {
            // Act
            var tree = Read(archive, reader);

            // Assert
            var odd = tree.Lookup("odd.bin")!;
            Assert.Equal(777, odd.Content!.Length);
            Assert.Equal(NodeKind.Symlink, tree.Lookup("link")!.Kind);
            if (extended)
            {
                Assert.Equal((3000000u, 3000001u), (odd.Uid, odd.Gid));
                Assert.Equal("deep\n", ReadAll(tree.Lookup($"{new string('d', 60)}/{new string('e', 60)}/{new string('f', 80)}")!));
                Assert.Equal(new DateTimeOffset(1960, 1, 1, 0, 0, 0, TimeSpan.Zero), odd.Mtime.ToDateTimeOffset());
            }
        }
    }

    /// <summary>Old tars summed the header's bytes as signed chars; a checksum made so is accepted, as GNU tar accepts it.</summary>
    [Fact]
    public void A_header_with_the_signed_checksum_of_old_tars_reads()
    {
        byte[] tar = Tar(TarEntryFormat.Gnu);
        tar[SecondHeader + 265] = 0xE9; // the owner name, a byte the signed and unsigned sums differ on
        long signed = 0;
        for (int i = 0; i < Block; i++)
            signed += i is >= 148 and < 156 ? ' ' : (sbyte)tar[SecondHeader + i];
        Encoding.ASCII.GetBytes(Convert.ToString(signed, 8).PadLeft(6, '0') + "\0 ").CopyTo(tar, SecondHeader + 148);

        var tree = Read(tar, Reader.Source);

        Assert.Equal("bee\n", ReadAll(tree.Lookup("b.txt")!));
    }

    /// <summary>
    /// An extended attribute's raw bytes are taken from the pax records, also when the entry follows a file whose
    /// data ends inside a block (the bytes read for the entry then start with that block's padding).
    /// </summary>
    [Fact]
    public void Binary_xattrs_after_a_file_that_ends_inside_a_block_keep_their_bytes()
    {
        // Arrange: the value is written as "AAAA" and made binary in place (pax record data has no checksum).
        var output = new MemoryStream();
        using (var writer = new TarWriter(output, TarEntryFormat.Pax, leaveOpen: true))
        {
            writer.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, "first") { DataStream = new MemoryStream(new byte[1000]) });
            writer.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, "capable", new Dictionary<string, string> { ["SCHILY.xattr.security.capability"] = "AAAA" }));
        }
        byte[] tar = output.ToArray();
        int at = tar.AsSpan().IndexOf("=AAAA\n"u8) + 1;
        byte[] value = [0x01, 0xFF, 0xFE, 0x80];
        value.CopyTo(tar, at);

        // Act
        var tree = Read(tar, Reader.Source);

        // Assert
        Assert.Equal(value, tree.Lookup("capable")!.Xattrs["security.capability"]);
    }

    private static FileTree Read(byte[] archive, Reader reader)
    {
        // The source is not disposed: the tree's contents are read after this returns (a test's temp file at most).
        var source = new TarSource();
        if (reader == Reader.Source)
            return source.Read(new MemoryStream(archive));
        var tree = new FileTree();
        LayerApplier.ApplyTar(tree, new MemoryStream(archive), source);
        return tree;
    }

    private static void FixChecksum(byte[] tar, int header)
    {
        tar.AsSpan(header + 148, 8).Fill((byte)' ');
        int sum = 0;
        for (int i = 0; i < Block; i++)
            sum += tar[header + i];
        Encoding.ASCII.GetBytes(Convert.ToString(sum, 8).PadLeft(6, '0') + "\0 ").CopyTo(tar, header + 148);
    }

    private static byte[] Flip(byte[] bytes, int at)
    {
        byte[] copy = (byte[])bytes.Clone();
        copy[at] ^= 0x55;
        return copy;
    }

    private static byte[] FlipRun(byte[] bytes, int at)
    {
        byte[] copy = (byte[])bytes.Clone();
        for (int i = at; i < at + 8 && i < copy.Length; i++)
            copy[i] ^= 0xA5;
        return copy;
    }

    private static async Task<byte[]> CompressAsync(string compressor, byte[] data)
    {
        using var dir = new TempDir("compress");
        string input = dir.Combine("in"), output = dir.Combine("out");
        await File.WriteAllBytesAsync(input, data);
        string package = compressor switch { "xz" => "xz-utils", "zstd" => "zstd", _ => "gzip" };
        string tool = HostTool.Locate(compressor, package);
        await HostTool.RunAsync("sh", "dash", ["-c", "\"$1\" -c < \"$2\" > \"$3\"", "sh", tool, input, output]);
        return await File.ReadAllBytesAsync(output);
    }

    private static string ReadAll(TreeNode node)
    {
        using var reader = new StreamReader(node.Content!.Open());
        return reader.ReadToEnd();
    }
}
