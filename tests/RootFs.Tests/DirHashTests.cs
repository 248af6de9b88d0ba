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

/// <summary>
/// The ext4 directory hash, and readdir order and d_off compared with the Linux kernel's own
/// getdents64 on the same images, loop-mounted read-only (needs root, gcc and e2fsprogs).
/// </summary>
public sealed class DirHashTests(DirHashTests.NativeListings native) : IClassFixture<DirHashTests.NativeListings>
{
    private const string LongName = "a-rather-long-file-name-that-spans-several-hash-chunks-ü.txt";

    // Printed by debugfs 1.47.0 `dx_hash -h VERSION NAME` (its default seed; it ignores -s).
    [Theory]
    [InlineData(DxHashVersion.Legacy, "a", 0xe74b53e2u, 0u)]
    [InlineData(DxHashVersion.Legacy, "..", 0x7c37aa9eu, 0u)]
    [InlineData(DxHashVersion.Legacy, "héllo", 0x239928ccu, 0u)]
    [InlineData(DxHashVersion.Legacy, LongName, 0x6252df82u, 0u)]
    [InlineData(DxHashVersion.LegacyUnsigned, "a", 0xe74b53e2u, 0u)]
    [InlineData(DxHashVersion.LegacyUnsigned, "héllo", 0x7798acd8u, 0u)]
    [InlineData(DxHashVersion.LegacyUnsigned, LongName, 0x8bda04eau, 0u)]
    [InlineData(DxHashVersion.HalfMd4, "a", 0xd5fa7d7au, 0xacb48187u)]
    [InlineData(DxHashVersion.HalfMd4, ".", 0x3df9c490u, 0x700a9a17u)]
    [InlineData(DxHashVersion.HalfMd4, "..", 0xb074c9aeu, 0x3040ba1eu)]
    [InlineData(DxHashVersion.HalfMd4, "héllo", 0x98e030c8u, 0xe189ee6eu)]
    [InlineData(DxHashVersion.HalfMd4, LongName, 0xd88cb8e4u, 0x35403fa6u)]
    [InlineData(DxHashVersion.HalfMd4Unsigned, "a", 0xd5fa7d7au, 0xacb48187u)]
    [InlineData(DxHashVersion.HalfMd4Unsigned, "héllo", 0xa5c67250u, 0x6cd261bbu)]
    [InlineData(DxHashVersion.HalfMd4Unsigned, LongName, 0xf849e40au, 0x0f5ff27du)]
    [InlineData(DxHashVersion.Tea, "a", 0x6d0ea4c0u, 0xc18922dfu)]
    [InlineData(DxHashVersion.Tea, "..", 0xbc44b5beu, 0x8d0d3174u)]
    [InlineData(DxHashVersion.Tea, "héllo", 0x313ecf7eu, 0xedbe6b7eu)]
    [InlineData(DxHashVersion.Tea, LongName, 0x288cd9a8u, 0xfa4d49edu)]
    [InlineData(DxHashVersion.TeaUnsigned, "héllo", 0x7472d1beu, 0x99e4e95bu)]
    [InlineData(DxHashVersion.TeaUnsigned, LongName, 0x3245838au, 0x3375769du)]
    public void Hash_matches_debugfs(DxHashVersion version, string name, uint major, uint minor)
    {
        var hash = new DirHash(version, null);

        var result = hash.Hash(Encoding.UTF8.GetBytes(name));

        Assert.Equal(new DxHash(major, minor), result);
    }

    [Fact]
    public void An_all_zero_seed_is_the_default_seed()
    {
        var zero = new DirHash(DxHashVersion.HalfMd4, [0, 0, 0, 0]);
        var seeded = new DirHash(DxHashVersion.HalfMd4, [1, 2, 3, 4]);

        var name = "héllo"u8.ToArray();

        Assert.Equal(new DirHash(DxHashVersion.HalfMd4, null).Hash(name), zero.Hash(name));
        Assert.NotEqual(zero.Hash(name), seeded.Hash(name));
    }

    [Theory]
    [InlineData(1, 0u, DxHashVersion.HalfMd4)]
    [InlineData(1, DirHash.FlagsSignedHash, DxHashVersion.HalfMd4)]
    [InlineData(1, DirHash.FlagsUnsignedHash, DxHashVersion.HalfMd4Unsigned)]
    [InlineData(0, DirHash.FlagsUnsignedHash, DxHashVersion.LegacyUnsigned)]
    [InlineData(2, DirHash.FlagsUnsignedHash, DxHashVersion.TeaUnsigned)]
    public void Superblock_flags_choose_signed_or_unsigned(byte version, uint flags, DxHashVersion expected)
    {
        Assert.Equal(expected, DirHash.Effective(version, flags));
    }

    public static TheoryData<string, string> Listings
    {
        get
        {
            var data = new TheoryData<string, string>();
            foreach (var image in NativeListings.Images)
            {
                foreach (var dir in NativeListings.Directories)
                {
                    data.Add(image.Name, dir);
                }
            }
            return data;
        }
    }

    [Theory]
    [MemberData(nameof(Listings))]
    public void Readdir_order_and_d_off_match_the_linux_kernel(string image, string dir)
    {
        using var reader = Ext4Reader.Open(native.ImagePath(image));
        uint ino = reader.Resolve(dir);

        var ours = reader.ReadDirectoryForReaddir(ino)
            .Select(e => $"{e.NextPosition} {Encoding.UTF8.GetString(e.Entry.Name)}").ToList();

        Assert.Equal(native.Listing(image, dir), ours);
    }

    [Theory]
    [InlineData("ext4", "small", true)]
    [InlineData("ext4", "big", true)]
    [InlineData("ext4-nodirindex", "small", false)]
    [InlineData("ext4-nodirindex", "big", false)]
    [InlineData("ext4-inline", "tiny", true)]
    [InlineData("ext4-inline-nodirindex", "tiny", false)]
    public void Hash_order_needs_dir_index_and_an_index_one_block_or_inline_data(string image, string dir, bool hashed)
    {
        using var reader = Ext4Reader.Open(native.ImagePath(image));

        Assert.Equal(hashed, reader.IsHashOrdered(reader.Resolve(dir)));
    }

    [Fact]
    public void Positions_resume_a_listing_where_d_off_points()
    {
        using var reader = Ext4Reader.Open(native.ImagePath("ext4"));

        var entries = reader.ReadDirectoryForReaddir(reader.Resolve("big"));

        Assert.Equal(entries.Skip(1).Select(e => e.Position), entries.SkipLast(1).Select(e => e.NextPosition));
        Assert.Equal(DxHash.EndPosition, entries[^1].NextPosition);
        Assert.Equal(0, entries[0].Position);
        Assert.True(entries.Zip(entries.Skip(1)).All(p => p.First.Position < p.Second.Position));
    }

    /// <summary>
    /// Builds one image per hash setup, each with a one-block directory, a 3000-entry one (indexed
    /// by e2fsck -D where dir_index is on) and a tiny one, mounts each read-only and records what
    /// the kernel's getdents64 reports: "d_off name" per entry.
    /// </summary>
    public sealed class NativeListings : ImageFixture, IAsyncLifetime
    {
        /// <summary>Each image: mke2fs options, then superblock fields set with debugfs before e2fsck -D indexes.</summary>
        public static readonly (string Name, string FsType, string[] Options, string[] Super)[] Images =
        [
            ("ext4", "ext4", [], ["hash_seed 01234567-89ab-cdef-fedc-ba9876543210"]),
            ("ext2", "ext2", ["-b", "1024"], []),
            ("ext4-tea", "ext4", [], ["def_hash_version tea"]),
            ("ext4-legacy", "ext4", [], ["def_hash_version legacy"]),
            ("ext4-unsigned", "ext4", [], ["flags 2"]),
            ("ext4-nodirindex", "ext4", ["-O", "^dir_index"], []),
            ("ext4-inline", "ext4", ["-O", "inline_data"], []),
            ("ext4-inline-nodirindex", "ext4", ["-O", "inline_data,^dir_index"], []),
        ];

        public static readonly string[] Directories = ["small", "big", "tiny", ""];

        private const string Lister = """
            #define _GNU_SOURCE
            #include <dirent.h>
            #include <fcntl.h>
            #include <stdio.h>
            #include <unistd.h>
            int main(int argc, char **argv)
            {
                int fd = open(argv[1], O_RDONLY | O_DIRECTORY);
                if (fd < 0) { perror(argv[1]); return 1; }
                char buf[32768];
                long got;
                while ((got = getdents64(fd, buf, sizeof buf)) > 0)
                    for (long pos = 0; pos < got; pos += ((struct dirent64 *)(buf + pos))->d_reclen) {
                        struct dirent64 *d = (struct dirent64 *)(buf + pos);
                        printf("%lld %s\n", (long long)d->d_off, d->d_name);
                    }
                return got < 0;
            }
            """;

        private readonly Dictionary<(string, string), List<string>> _listings = [];
        private readonly Dictionary<string, string> _images = new(StringComparer.Ordinal);

        public NativeListings() : base("dirhash")
        {
        }

        public string ImagePath(string image) => _images[image];

        public List<string> Listing(string image, string dir) => _listings[(image, dir)];

        public async Task InitializeAsync()
        {
            string source = Dir.CreateDirectory("src");
            foreach (var name in new[] { "a", "b", "héllo", "file1", "file2", "zz", LongName })
            {
                File.WriteAllText(Path.Combine(Dir.CreateDirectory("src", "small"), name), "");
            }
            Dir.CreateDirectory("src", "big");
            for (int i = 0; i < 3000; i++)
            {
                File.WriteAllText(Dir.Combine("src", "big", $"entry-{i}"), "");
            }
            File.WriteAllText(Path.Combine(Dir.CreateDirectory("src", "tiny"), "x"), "");
            string lister = Dir.Combine("lister");
            await File.WriteAllTextAsync(lister + ".c", Lister);
            await GuestCompiler.CompileGlibcAsync(lister + ".c", lister);

            foreach (var (name, fsType, options, super) in Images)
            {
                string image = await MakeExtImageAsync($"{name}.img", source, fsType, "32M", options);
                foreach (var field in super)
                {
                    await DebugfsAsync(image, $"ssv {field}", writable: true);
                }
                await E2fsckAsync(image, "-D");
                _images[name] = image;
                string mount = Dir.CreateDirectory("mnt", name);
                await HostTool.RunAsync("mount", "mount", ["-o", "loop,ro", image, mount]);
                try
                {
                    foreach (var dir in Directories)
                    {
                        string output = await HostTool.RunAsync(lister, "gcc", [Path.Combine(mount, dir)]);
                        _listings[(name, dir)] = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).ToList();
                    }
                }
                finally
                {
                    await HostTool.RunAsync("umount", "mount", [mount]);
                }
            }
        }

        public Task DisposeAsync() => Task.CompletedTask;
    }
}
