using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using System.Threading.Tasks;
using UserKernel.TestSupport;
using Xunit;

namespace UserKernel.EndToEnd.Tests;

/// <summary>An image with every kind of program the kernel's loader takes: static, static-pie, dynamic (glibc and musl) and #! chains.</summary>
public sealed class LoaderImage : ImageFixture, IAsyncLifetime
{
    public LoaderImage() : base("loader") { }

    public string Tree => Dir.Combine("tree");
    public string Image { get; private set; } = "";

    public async Task InitializeAsync()
    {
        string bin = Dir.CreateDirectory("tree", "bin");
        Dir.CreateDirectory("tree", "dev");
        string source = Path.Combine(AppContext.BaseDirectory, "guest", "loader.c");
        await HostTool.RunAsync("gcc", "gcc", ["-O1", "-static", "-o", Path.Combine(bin, "static"), source]);
        await HostTool.RunAsync("gcc", "gcc", ["-O1", "-static-pie", "-o", Path.Combine(bin, "static-pie"), source]);
        await HostTool.RunAsync("gcc", "gcc", ["-O1", "-o", Path.Combine(bin, "glibc-dynamic"), source]);
        await HostTool.RunAsync("musl-gcc", "musl-tools", ["-O1", "-o", Path.Combine(bin, "musl-dynamic"), source]);

        // The dynamic loaders and libraries come from the host, at the paths the programs ask for.
        string ldd = await HostTool.RunAsync("ldd", "libc-bin", [Path.Combine(bin, "glibc-dynamic")]);
        foreach (Match m in Regex.Matches(ldd, @"(/\S+\.so[.\d]*)"))
            CopyInto(m.Groups[1].Value);
        CopyInto("/lib/ld-musl-x86_64.so.1");

        File.WriteAllText(Path.Combine(bin, "script2"), "#!/bin/static -x\n");
        File.WriteAllText(Path.Combine(bin, "script1"), "#! /bin/script2  two words \n");
        File.WriteAllText(Path.Combine(bin, "noexec"), "#!/bin/static\n");
        foreach (string s in new[] { "script1", "script2" })
            File.SetUnixFileMode(Path.Combine(bin, s), (UnixFileMode)0b111_101_101);
        Image = await MakeExtImageAsync("loader.ext4", Tree, "ext4", "64M");
    }

    private void CopyInto(string hostPath)
    {
        string target = Path.Combine(Tree, hostPath.TrimStart('/'));
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        if (!File.Exists(target)) File.Copy(Path.GetFullPath(new FileInfo(hostPath).ResolveLinkTarget(true)?.FullName ?? hostPath), target);
    }

    public Task DisposeAsync() => Task.CompletedTask;
}

/// <summary>Each kind of program starts under userkernel exactly as the host kernel starts it in a chroot of the same tree.</summary>
public sealed class ProgramLoaderTests : IClassFixture<LoaderImage>
{
    private readonly LoaderImage image;

    public ProgramLoaderTests(LoaderImage image) { this.image = image; }

    [Theory]
    [InlineData("/bin/static", "one", "two")]
    [InlineData("/bin/static-pie", "one")]
    [InlineData("/bin/glibc-dynamic", "one")]
    [InlineData("/bin/musl-dynamic", "one", "two", "three")]
    [InlineData("/bin/script1", "a", "b")]
    [InlineData("/bin/script2")]
    [InlineData("/bin/noexec")]
    [InlineData("/bin/missing")]
    public async Task Starts_as_natively(params string[] command)
    {
        RunResult native = await Runner.NativeAsync(image.Tree, command);
        RunResult guest = await Runner.GuestAsync(image.Image, command);
        // userkernel reports a program it cannot start itself (status 125, one line); the rest must match.
        if (command[0] is "/bin/noexec" or "/bin/missing")
        {
            Assert.NotEqual(0, native.ExitCode);
            Assert.Equal(125, guest.ExitCode);
            Assert.Single(guest.StandardError.TrimEnd('\n').Split('\n'));
            return;
        }
        Assert.Equal(native.ToString(), guest.ToString());
        Assert.Contains("AT_SYSINFO_EHDR set=1", guest.StandardOutput);
        Assert.Contains("clock_gettime=0", guest.StandardOutput);
    }
}
