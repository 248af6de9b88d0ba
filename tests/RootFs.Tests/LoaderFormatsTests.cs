using System;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using System.Threading.Tasks;
using UserKernel.RootFs.Image;
using UserKernel.RootFs.Sources.HostPrograms;
using UserKernel.TestSupport;
using Xunit;

namespace UserKernel.RootFs.Tests;

/// <summary>The ELF dynamic section and /etc/ld.so.cache read as binutils and ldconfig read them.</summary>
public sealed class LoaderFormatsTests
{
    [Fact]
    public async Task Needed_libraries_and_interpreter_match_readelf()
    {
        const string program = "/usr/bin/python3";
        string dynamic = await HostTool.RunAsync("readelf", "binutils", ["-d", "-W", program]);
        string headers = await HostTool.RunAsync("readelf", "binutils", ["-l", "-W", program]);
        var needed = Regex.Matches(dynamic, @"\(NEEDED\)\s+Shared library: \[([^\]]+)\]").Select(m => m.Groups[1].Value).ToList();
        string interpreter = Regex.Match(headers, @"Requesting program interpreter: ([^\]]+)\]").Groups[1].Value;

        var elf = ElfDependencies.TryRead(program);

        Assert.NotNull(elf);
        Assert.Equal(needed, elf!.Needed);
        Assert.Equal(interpreter, elf.Interpreter);
    }

    [Fact]
    public void A_script_or_data_file_is_not_a_loadable_object()
    {
        using var dir = new TempDir("elf");
        File.WriteAllText(dir.Combine("script"), "#!/bin/sh\necho hi\n");
        File.WriteAllBytes(dir.Combine("short"), [0x7f, (byte)'E', (byte)'L', (byte)'F']);

        Assert.Null(ElfDependencies.TryRead(dir.Combine("script")));
        Assert.Null(ElfDependencies.TryRead(dir.Combine("short")));
    }

    [Fact]
    public void A_truncated_elf_file_is_a_format_error_naming_it()
    {
        using var dir = new TempDir("elf");
        byte[] head = File.ReadAllBytes("/usr/bin/python3").AsSpan(0, 200).ToArray();
        File.WriteAllBytes(dir.Combine("cut"), head);

        var ex = Assert.Throws<ImageFormatException>(() => ElfDependencies.TryRead(dir.Combine("cut")));

        Assert.Contains(dir.Combine("cut"), ex.Message);
    }

    [Fact]
    public async Task The_loader_cache_lists_what_ldconfig_prints()
    {
        // ldconfig -p: "\tlibz.so.1 (libc6,x86-64) => /lib/x86_64-linux-gnu/libz.so.1", hwcap entries marked "hwcap:".
        string printed = await HostTool.RunAsync("ldconfig", "libc-bin", ["-p"]);
        var expected = Regex.Matches(printed, @"^\s+(\S+) \(libc6,x86-64\) => (\S+)$", RegexOptions.Multiline)
            .GroupBy(m => m.Groups[1].Value)
            .ToDictionary(g => g.Key, g => g.First().Groups[2].Value);
        Assert.NotEmpty(expected);

        var cache = LdSoCache.Load("/etc/ld.so.cache");

        Assert.Equal(expected.Count, cache.Count);
        foreach (var (name, path) in expected)
        {
            Assert.Equal(path, cache.Lookup(name));
        }
    }

    [Fact]
    public void A_file_that_is_not_a_cache_is_a_format_error()
    {
        var ex = Assert.Throws<ImageFormatException>(() => LdSoCache.Parse("not a cache at all, just text"u8, "bad.cache"));

        Assert.Contains("bad.cache", ex.Message);
    }

    [Fact]
    public void A_cache_whose_entries_run_past_its_end_is_a_format_error()
    {
        byte[] header = new byte[48];
        "glibc-ld.so.cache1.1"u8.CopyTo(header);
        BitConverter.TryWriteBytes(header.AsSpan(20), 1000u);

        Assert.Throws<ImageFormatException>(() => LdSoCache.Parse(header, "short.cache"));
    }
}
