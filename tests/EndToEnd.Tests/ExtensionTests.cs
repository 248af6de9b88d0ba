using System;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using UserKernel.TestSupport;
using Xunit;

namespace UserKernel.EndToEnd.Tests;

/// <summary>
/// The extension examples (examples/JsonFs, examples/Fortune) and a probe that throws (tests/extensions/Probe), built with
/// `dotnet build` and loaded with --extension into runs of an image holding tests/guest/extensions.c.
/// </summary>
public sealed class ExtensionImage : ImageFixture, IAsyncLifetime
{
    public ExtensionImage() : base("e2e-extensions")
    {
    }

    public string Image { get; private set; } = "";
    public string JsonFs { get; private set; } = "";
    public string Fortune { get; private set; } = "";
    public string Probe { get; private set; } = "";

    /// <summary>The JSON document the tests mount from the host with --mount jsonfs:…:source=.</summary>
    public string HostDocument => Path.Combine(Repository.Root, "examples", "JsonFs", "sample.json");

    public async Task InitializeAsync()
    {
        string tree = Dir.Combine("tree");
        Directory.CreateDirectory(tree);
        await TestTree.BuildAsync(tree, withGuestPrograms: false);
        foreach (string dir in new[] { "guest", "data", "mnt", "proc", "dev" }) Directory.CreateDirectory(Path.Combine(tree, dir));
        await GuestCompiler.CompileGlibcAsync(Path.Combine(AppContext.BaseDirectory, "guest", "extensions.c"), Path.Combine(tree, "guest", "extensions"));
        File.WriteAllText(Path.Combine(tree, "data", "doc.json"), """{"greeting": "hello", "list": [1, 2]}""");
        File.WriteAllText(Path.Combine(tree, "data", "not.json"), "not json\n");
        Image = await MakeExtImageAsync("root.ext4", tree, "ext4", "64M");
        JsonFs = await BuildAsync("examples/JsonFs/JsonFs.csproj", "JsonFs.dll");
        Fortune = await BuildAsync("examples/Fortune/Fortune.csproj", "Fortune.dll");
        Probe = await BuildAsync("tests/extensions/Probe/Probe.csproj", "Probe.dll");
    }

    /// <summary>Builds an extension project as a user would (a no-op when the solution's build made it) and returns its assembly.</summary>
    private static async Task<string> BuildAsync(string project, string assembly)
    {
        string path = Path.Combine(Repository.Root, project);
        // --no-dependencies: the kernel is the solution's, already built; another test may be building against it now.
        await HostTool.RunAsync("dotnet", "the .NET SDK", ["build", path, "-c", "Debug", "--no-dependencies", "-nologo", "-v", "q"]);
        string built = Path.Combine(Path.GetDirectoryName(path)!, "bin", "Debug", "net10.0", assembly);
        return File.Exists(built) ? built : throw new InvalidOperationException($"building {project} made no {built}");
    }

    public Task DisposeAsync() => Task.CompletedTask;
}

public sealed class ExtensionTests(ExtensionImage fixture) : IClassFixture<ExtensionImage>
{
    private Task<RunResult> Run(string[] extensions, params string[] rest) =>
        Runner.UserKernelAsync(["run", "--image", fixture.Image, .. extensions.SelectMany(e => new[] { "--extension", e }), .. rest]);

    [Fact]
    public async Task Jsonfs_mounted_with_mount_shows_the_document_as_a_tree()
    {
        RunResult r = await Run([fixture.JsonFs], "--mount", "jsonfs:/mnt:source=" + fixture.HostDocument, "--", "/bin/sh", "-c",
            "cd /mnt && find . | sort; cat name languages/1 kernel/devices/fortune; stat -c '%F %a %s' . name; grep jsonfs /proc/mounts /proc/filesystems; touch x");

        Assert.True(r.ExitCode == 1, r.ToString()); // touch fails: the filesystem is read-only
        Assert.Equal(string.Join('\n', [".", "./kernel", "./kernel/devices", "./kernel/devices/fortune", "./kernel/filesystems",
            "./kernel/filesystems/0", "./kernel/filesystems/1", "./kernel/filesystems/2", "./languages", "./languages/0", "./languages/1",
            "./name", "./stable", "./version",
            "userkernel", "C", "/dev/fortune",
            "directory 555 4096", "regular file 444 11",
            "/proc/mounts:jsonfs /mnt jsonfs ro,relatime 0 0", "/proc/filesystems:nodev\tjsonfs", ""]), r.StandardOutput);
        Assert.Contains("Read-only file system", r.StandardError);
    }

    [Fact]
    public async Task Jsonfs_mounted_by_the_guest_reads_its_source_from_the_guests_tree()
    {
        RunResult r = await Run([fixture.JsonFs], "--", "/guest/extensions", "jsonfs");

        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal("""
            mount jsonfs = 0
            greeting 6: hello
            getxattr list = 5
            type array
            write to jsonfs = -1 EROFS
            umount = 0
            open after umount = -1 ENOENT
            mount a file that is not JSON = -1 EINVAL
            mount with an option jsonfs does not take = -1 EINVAL
            mount a missing source = -1 ENOENT
            mount a type nobody registered = -1 ENODEV
            mount tmpfs read-only = 0
            mkdir in it = -1 EROFS
            umount it = 0
            mount as a user = -1 EPERM

            """, r.StandardOutput);
    }

    [Fact]
    public async Task Dev_fortune_reads_writes_answers_its_ioctls_and_its_syscall()
    {
        RunResult shell = await Run([fixture.Fortune], "--", "/bin/sh", "-c",
            "ls -l /dev/fortune | cut -c1-10; cat /dev/fortune; echo 'Added by a guest' > /dev/fortune; cat /dev/fortune /dev/fortune /dev/fortune; " +
            "mknod /tmp/again c 10 200 && cat /tmp/again");
        Assert.True(shell.ExitCode == 0, shell.ToString());
        Assert.Equal("""
            crw-rw-rw-
            The kernel is the guests' tracer; the guests are not the kernel's.
            Every guest descriptor is a real host descriptor.
            A syscall not implemented says ENOSYS, and says so in the trace.
            Added by a guest
            The kernel is the guests' tracer; the guests are not the kernel's.

            """, shell.StandardOutput);

        RunResult r = await Run([fixture.Fortune], "--", "/guest/extensions", "fortune");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal("""
            open /dev/fortune = 3
            fstat: char 10:200
            FORTUNE_COUNT = 0
            count 3
            FORTUNE_COUNT to a bad pointer = -1 EFAULT
            FORTUNE_SELECT 99 = -1 EINVAL
            TCGETS (not the device's) = -1 ENOTTY
            FORTUNE_SELECT 1 = 0
            read 50: Every guest descriptor is a real host descriptor.
            read at the end = 0
            syscall fortune = 65
            A syscall not implemented says ENOSYS, and says so in the trace.
            syscall fortune, small buffer = -1 ERANGE
            syscall fortune, bad buffer = -1 EFAULT

            """, r.StandardOutput);
    }

    [Fact]
    public async Task An_extensions_exceptions_are_errnos_for_the_guest_one_line_each_on_stderr_and_named_in_the_trace()
    {
        string trace = fixture.Dir.Combine("probe.trace");
        RunResult r = await Run([fixture.Probe], "--trace=" + trace, "--", "/guest/extensions", "probe");

        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal("""
            getcpu (replaced) = 0
            cpu 7 node 3
            syscall 1001 (throws) = -1 EIO
            mount probefs = 0
            stat /mnt/boom (lookup throws) = -1 EIO
            stat /mnt/other = -1 ENOENT
            mount probefs that throws = -1 EIO
            open /dev/probe read-write (open throws) = -1 EIO
            open /dev/probe = 3
            ioctl 0x7001 (throws) = -1 EIO
            read 11: first line
            read after the device threw = 0
            getppid still served = 0

            """, r.StandardOutput);
        string[] errors = r.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(6, errors.Length);
        foreach (string what in new[] { "in probe_throw (pid 1): InvalidOperationException: probe syscall threw at ProbeExtension.cs:",
            "in newfstatat (pid 1): InvalidOperationException: lookup of boom", "in mount -t probefs: InvalidOperationException: mount exploded",
            "in open of /dev/probe: InvalidOperationException: open for reading and writing", "in ioctl of /dev/probe (pid 1): InvalidOperationException: ioctl threw",
            "in read of /dev/probe: InvalidOperationException: second read" })
            Assert.Contains(errors, line => line.StartsWith("userkernel: extension Probe failed ", StringComparison.Ordinal) && line.Contains(what));

        string[] traced = File.ReadAllLines(trace);
        Assert.Contains(traced, l => l.Contains("getcpu(") && l.EndsWith("[emulated by Probe]", StringComparison.Ordinal));
        Assert.Contains(traced, l => l.Contains("probe_throw(") && l.Contains("= -1 EIO") && l.Contains("[emulated by Probe; extension Probe: InvalidOperationException: probe syscall threw"));
        Assert.Contains(traced, l => l.Contains("\"/mnt/boom\"") && l.Contains("= -1 EIO") && l.Contains("; extension Probe: InvalidOperationException: lookup of boom"));
    }

    [Fact]
    public async Task Syscalls_lists_an_extensions_rows_as_emulated_by_it()
    {
        RunResult r = await Runner.UserKernelAsync(["syscalls", "--extension", fixture.Fortune, "--extension", fixture.Probe]);

        Assert.True(r.ExitCode == 0, r.ToString());
        string[] lines = r.StandardOutput.Split('\n');
        Assert.Contains(lines, l => System.Text.RegularExpressions.Regex.IsMatch(l, @"^\s*1000\s+fortune\s+emulated by Fortune\s"));
        Assert.Contains(lines, l => System.Text.RegularExpressions.Regex.IsMatch(l, @"^\s*309\s+getcpu\s+emulated by Probe\s"));
    }

    [Fact]
    public async Task Bad_extensions_and_mounts_are_the_users_errors()
    {
        string notAssembly = fixture.Dir.Combine("not-an-assembly.dll");
        File.WriteAllText(notAssembly, "text\n");
        (string[] Args, string Message)[] cases =
        [
            (["--extension", fixture.Dir.Combine("missing.dll")], "missing.dll: no such file"),
            (["--extension", notAssembly], "not a .NET assembly this kernel can load"),
            (["--extension", typeof(ExtensionTests).Assembly.Location], "no public class implements UserKernel.Kernel.Extensions.IKernelExtension"),
            (["--extension", fixture.Fortune, "--extension", fixture.Fortune], "Fortune could not register: ArgumentException: device 'fortune' is already registered by Fortune"),
            (["--mount", "nosuchfs:/mnt"], "no filesystem type 'nosuchfs' (there are: tmpfs, proc, devtmpfs, sysfs;"),
            (["--extension", fixture.JsonFs, "--mount", "jsonfs:/mnt:source=/nonexistent.json"], "--mount jsonfs:/mnt: ENOENT"),
            (["--extension", fixture.JsonFs, "--mount", "jsonfs:/nonexistent:source=" + fixture.HostDocument], "/nonexistent is no directory"),
            (["--mount", "tmpfs"], "--mount wants TYPE:GUESTPATH[:OPTIONS]"),
        ];
        foreach ((string[] args, string message) in cases)
        {
            RunResult r = await Runner.UserKernelAsync(["run", "--image", fixture.Image, .. args, "--", "/bin/true"]);
            Assert.True(r.ExitCode == 125 && r.StandardError.Contains(message, StringComparison.Ordinal), string.Join(' ', args) + "\n" + r);
        }
    }

    [Fact]
    public async Task Tmpfs_and_proc_mount_from_the_guest_as_from_the_command_line()
    {
        RunResult r = await Runner.UserKernelAsync(["run", "--image", fixture.Image, "--mount", "tmpfs:/data:mode=700", "--", "/bin/sh", "-c",
            "stat -c %a /data; ls /data; mount -t tmpfs none /mnt && echo hi > /mnt/f && cat /mnt/f && umount /mnt && ls /mnt; " +
            "mount -t proc proc /mnt && test -d /mnt/self && echo proc; mount --make-private /mnt && echo private; umount /mnt; umount /; echo $?"]);

        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal("700\nhi\nproc\nprivate\n1\n", r.StandardOutput);
    }
}
