using System;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading.Tasks;
using Mono.Unix.Native;
using UserKernel.TestSupport;
using Xunit;

namespace UserKernel.Tools.Tests;

/// <summary>
/// A small source tree with one of each thing the inspection verbs must show (symlinks relative,
/// absolute and climbing, hard links, set-id and sticky modes, a FIFO, a device node when run as
/// root, a sparse file, nanosecond times), and images of it made by mke2fs: plain, with a stored
/// config, and hostile ones whose duplicate names try to make extract write through a symlink.
/// </summary>
public sealed class InspectImages : ImageFixture, IAsyncLifetime
{
    public const string ConfigJson =
        """{"Env":["PATH=/usr/bin:/bin","GREETING=hi there"],"WorkingDir":"/srv","User":"nobody","Entrypoint":["/bin/sh","-c"],"Cmd":["echo hi"]}""";

    public InspectImages() : base("inspect") { }

    public string Source { get; private set; } = "";
    public string Image { get; private set; } = "";
    public string ConfigImage { get; private set; } = "";
    /// <summary>Root holds symlink "evil" to <see cref="Victim"/>, then a directory also named "evil" holding "payload".</summary>
    public string LinkThenDirImage { get; private set; } = "";
    /// <summary>Root holds symlink "evil" to <see cref="Victim"/>/file, then a regular file also named "evil".</summary>
    public string LinkThenFileImage { get; private set; } = "";
    /// <summary>A host directory outside every extraction that hostile images point their symlinks at.</summary>
    public string Victim { get; private set; } = "";
    public bool IsRoot { get; } = Syscall.geteuid() == 0;

    public string Full(string relative) => Path.Combine(Source, relative);

    public async Task InitializeAsync()
    {
        Source = Dir.CreateDirectory("src");
        Victim = Dir.CreateDirectory("victim");
        Directory.CreateDirectory(Full("etc"));
        File.WriteAllText(Full("etc/hostname"), "inspect-test\n");
        File.WriteAllText(Full("etc/os-release"), "NAME=\"test\"\n");
        Directory.CreateDirectory(Full("bin"));
        var random = new Random(4);
        byte[] program = new byte[200 * 1024 + 17];
        random.NextBytes(program);
        File.WriteAllBytes(Full("bin/prog"), program);
        Chmod("bin/prog", "755");
        Directory.CreateDirectory(Full("usr/lib/data"));
        using (var sparse = File.OpenWrite(Full("usr/lib/data/sparse.bin")))
        {
            byte[] chunk = new byte[4096];
            random.NextBytes(chunk);
            sparse.Write(chunk);
            sparse.Position = 3 * 1024 * 1024;
            sparse.Write(chunk);
        }
        File.CreateSymbolicLink(Full("lib"), "usr/lib");
        File.CreateSymbolicLink(Full("abs"), "/etc/hostname");
        Directory.CreateDirectory(Full("deep/er"));
        File.CreateSymbolicLink(Full("deep/er/up"), "../../../../../../etc");
        File.CreateSymbolicLink(Full("dangling"), "nowhere");
        File.CreateSymbolicLink(Full("loop1"), "loop2");
        File.CreateSymbolicLink(Full("loop2"), "/loop1");
        Directory.CreateDirectory(Full("hard"));
        File.WriteAllText(Full("hard/a"), "linked\n");
        Check(Syscall.link(Full("hard/a"), Full("hard/b")), "link");
        Directory.CreateDirectory(Full("modes"));
        File.WriteAllText(Full("modes/suid"), "s");
        Chmod("modes/suid", "4755");
        File.WriteAllText(Full("modes/private"), "p");
        Chmod("modes/private", "600");
        Directory.CreateDirectory(Full("modes/sticky"));
        Chmod("modes/sticky", "1777");
        Check(Syscall.mkfifo(Full("fifo"), FilePermissions.S_IRUSR | FilePermissions.S_IWUSR), "mkfifo");
        if (IsRoot)
        {
            Directory.CreateDirectory(Full("dev"));
            Check(Syscall.mknod(Full("dev/null"), FilePermissions.S_IFCHR | (FilePermissions)Convert.ToUInt32("666", 8), 0x103), "mknod");
            Check(Syscall.lchown(Full("etc/os-release"), 1234, 5678), "lchown");
        }
        var when = new Timespec { tv_sec = 1614834367, tv_nsec = 123456789 };
        Check(Syscall.utimensat(Syscall.AT_FDCWD, Full("etc/hostname"), [when, when], AtFlags.AT_SYMLINK_NOFOLLOW), "utimensat");

        Image = await MakeExtImageAsync("plain.img", Source, "ext4", "16M");
        // mke2fs 1.47 copies whole seconds only; the nanoseconds go in i_mtime_extra (above 2 epoch bits).
        await DebugfsAsync(Image, $"set_inode_field /etc/hostname mtime_extra {123456789L << 2}", writable: true);
        ConfigImage = await MakeExtImageAsync("config.img", Source, "ext4", "16M");
        string json = Dir.Combine("config.json");
        File.WriteAllText(json, ConfigJson);
        await DebugfsAsync(ConfigImage, $"ea_set -f {json} / user.userkernel.config", writable: true);

        LinkThenDirImage = await HostileAsync("link-then-dir.img", $"symlink evil {Victim}", "mkdir evix", "cd evix", "write /dev/null payload");
        LinkThenFileImage = await HostileAsync("link-then-file.img", $"symlink evil {Victim}/file", "write /dev/null evix");
    }

    public Task DisposeAsync() => Task.CompletedTask;

    /// <summary>
    /// An image of a tiny tree plus the debugfs <paramref name="requests"/>, whose entry "evix" is
    /// then renamed to "evil" in place, giving the root two entries of that name (no tool makes
    /// that; only a hostile or corrupt image has it). Without metadata_csum, so the edit needs no checksum.
    /// </summary>
    private async Task<string> HostileAsync(string name, params string[] requests)
    {
        string tiny = Dir.CreateDirectory("tiny-" + name);
        File.WriteAllText(Path.Combine(tiny, "ok"), "ok\n");
        string image = await MakeExtImageAsync(name, tiny, "ext4", "4M", "-O", "^metadata_csum", "-b", "1024");
        string script = Dir.Combine(name + ".debugfs");
        File.WriteAllLines(script, requests);
        await DebugfsScriptAsync(image, script);
        string bmap = await DebugfsAsync(image, "bmap / 0");
        long block = long.Parse(bmap.Trim(), System.Globalization.CultureInfo.InvariantCulture);
        using var file = new FileStream(image, FileMode.Open, FileAccess.ReadWrite);
        byte[] data = new byte[1024];
        file.Position = block * 1024;
        file.ReadExactly(data);
        int at = data.AsSpan().IndexOf("evix"u8);
        if (at < 0)
        {
            throw new InvalidOperationException($"no entry 'evix' in the root directory block {block} of {image}");
        }
        Encoding.ASCII.GetBytes("evil").CopyTo(data, at);
        file.Position = block * 1024;
        file.Write(data);
        return image;
    }

    private void Chmod(string relative, string octal) =>
        Check(Syscall.chmod(Full(relative), (FilePermissions)Convert.ToUInt32(octal, 8)), "chmod");

    private static void Check(int result, string call)
    {
        if (result != 0)
        {
            throw new InvalidOperationException($"{call} failed: {Stdlib.GetLastError()}");
        }
    }
}

[CollectionDefinition(Name)]
public sealed class InspectImagesCollection : ICollectionFixture<InspectImages>
{
    public const string Name = "inspect images";
}
