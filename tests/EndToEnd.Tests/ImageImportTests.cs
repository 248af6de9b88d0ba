using System;
using System.IO;
using System.Linq;
using System.Text.Json.Nodes;
using System.Threading.Tasks;
using UserKernel.TestSupport;
using Xunit;
using static UserKernel.TestSupport.OciImageBuilder;

namespace UserKernel.EndToEnd.Tests;

/// <summary>
/// `image import`, `image commit` and `run` without a command, through the real program, on a
/// container image made here around the host's static busybox.
/// </summary>
public sealed class ImageImportTests : IDisposable
{
    private readonly TempDir dir = new("import");

    public void Dispose() => dir.Dispose();

    /// <summary>Two layers: busybox, /etc and a user; then /app with a whiteout and an opaque directory.</summary>
    private static OciImageBuilder Busybox()
    {
        byte[] busybox = File.ReadAllBytes(HostTool.Locate("busybox", "busybox-static"));
        var image = new OciImageBuilder();
        image.AddLayer(Compression.Gzip)
            .Dir("bin").File("bin/busybox", busybox, 0x1ED /* 0755 */).HardLink("bin/sh", "bin/busybox").Symlink("bin/cat", "busybox")
            .Dir("etc").File("etc/passwd", "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000::/app:/bin/sh\n")
            .File("etc/group", "root:x:0:\napp:x:1000:\n")
            .Dir("app", 0x1ED, uid: 1000).File("app/old", "old").Dir("app/cache").File("app/cache/stale", "stale");
        image.AddLayer(Compression.Zstd)
            .Whiteout("app/.wh.old").Dir("app/cache").Whiteout("app/cache/.wh..wh..opq").File("app/cache/fresh", "fresh")
            .File("app/greeting", "hello from a layer\n", uid: 1000);
        image.RunConfig = new JsonObject
        {
            ["Env"] = new JsonArray("PATH=/bin", "GREETING=hello from the config"),
            ["WorkingDir"] = "/app",
            ["User"] = "app",
            ["Entrypoint"] = new JsonArray("/bin/sh", "-c"),
            ["Cmd"] = new JsonArray("echo $GREETING; pwd; id -u; cat greeting; ls -A; ls -A cache"),
        };
        return image;
    }

    private async Task<string> ImportAsync(string source, string name)
    {
        string output = dir.Combine(name);
        var result = await Runner.UserKernelAsync(["image", "import", source, "-o", output]);
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("", result.StandardError); // not a terminal: no progress
        return output;
    }

    [Fact]
    public async Task Run_without_a_command_runs_the_imported_config()
    {
        string layout = dir.CreateDirectory("layout");
        Busybox().WriteLayout(layout);
        string image = await ImportAsync(layout, "busybox.img");

        var result = await Runner.UserKernelAsync(["run", "--image", image]);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("hello from the config\n/app\n1000\nhello from a layer\ncache\ngreeting\nfresh\n", result.StandardOutput);
    }

    [Fact]
    public async Task Env_workdir_and_user_options_win_over_the_config()
    {
        string archive = dir.Combine("saved.tar");
        Busybox().WriteDockerSave(archive);
        string image = await ImportAsync(archive, "saved.img");

        var result = await Runner.UserKernelAsync(["run", "--image", image, "--env", "GREETING=from --env", "--workdir", "/app/cache", "--user", "0"]);
        var command = await Runner.UserKernelAsync(["run", "--image", image, "--", "/bin/sh", "-c", "pwd; id -u; echo ${GREETING:-unset}"]);

        Assert.StartsWith("from --env\n/app/cache\n0\n", result.StandardOutput);
        Assert.Equal("/\n0\nunset\n", command.StandardOutput);
    }

    [Fact]
    public async Task Commit_applies_layers_onto_an_image()
    {
        string layout = dir.CreateDirectory("layout");
        Busybox().WriteLayout(layout);
        string image = await ImportAsync(layout, "base.img");
        string layerTar = dir.Combine("change.tar");
        File.WriteAllBytes(layerTar, new Layer(Compression.Gzip)
            .Dir("app").Whiteout("app/.wh.greeting").Whiteout("app/.wh.cache").File("app/note", "committed\n").Tar());
        string committed = dir.Combine("next.img");

        var commit = await Runner.UserKernelAsync(["image", "commit", image, layerTar, "-o", committed]);
        var result = await Runner.UserKernelAsync(["run", "--image", committed, "--", "/bin/sh", "-c", "ls -A /app; cat /app/note; echo $GREETING"]);

        Assert.True(commit.ExitCode == 0, commit.ToString());
        Assert.Equal("note\ncommitted\n\n", result.StandardOutput);
        var config = await Runner.UserKernelAsync(["run", "--image", committed, "--env", "GREETING=kept"]);
        Assert.StartsWith("kept\n/app\n1000\n", config.StandardOutput);
    }

    [Fact]
    public async Task A_missing_platform_and_a_damaged_layer_are_clear_errors_that_leave_no_image()
    {
        string arm = dir.CreateDirectory("arm");
        Busybox().WriteLayout(arm, ["linux/arm64", "linux/arm/v7"]);
        string damaged = dir.CreateDirectory("damaged");
        var builder = Busybox();
        builder.WriteLayout(damaged);
        string blob = Path.Combine(damaged, "blobs", "sha256", Sha256(builder.Layers[1].Blob()));
        byte[] bytes = File.ReadAllBytes(blob);
        bytes[^5] ^= 0xFF;
        File.WriteAllBytes(blob, bytes);

        var platform = await Runner.UserKernelAsync(["image", "import", arm, "-o", dir.Combine("arm.img")]);
        var digest = await Runner.UserKernelAsync(["image", "import", damaged, "-o", dir.Combine("damaged.img")]);

        Assert.True(platform.ExitCode == 125, platform.ToString());
        Assert.Contains("no image for linux/amd64", platform.StandardError);
        Assert.Contains("linux/arm/v7, linux/arm64", platform.StandardError);
        Assert.True(digest.ExitCode == 125, digest.ToString());
        Assert.Contains("digest mismatch", digest.StandardError);
        Assert.Single(digest.StandardError.Trim().Split('\n'));
        Assert.Equal(["arm", "damaged"], Array.ConvertAll(Directory.GetFileSystemEntries(dir.Path), p => Path.GetFileName(p)!).Order());
    }

    [Fact]
    public async Task Run_without_a_command_on_an_image_without_a_config_is_an_error()
    {
        string layout = dir.CreateDirectory("layout");
        var builder = Busybox();
        builder.RunConfig = new JsonObject();
        builder.WriteLayout(layout);
        string image = await ImportAsync(layout, "plain.img");

        var result = await Runner.UserKernelAsync(["run", "--image", image]);

        Assert.Equal(125, result.ExitCode);
        Assert.Contains("stores no image config", result.StandardError);
    }
}
