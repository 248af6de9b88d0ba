using System.Text.Json.Nodes;
using UserKernel.TestSupport;
using static UserKernel.TestSupport.OciImageBuilder;

namespace UserKernel.RootFs.Tests.Oci;

/// <summary>
/// The container image the import tests make: three layers (gzip, zstd, plain) with a whiteout
/// of a file and of a directory, an opaque directory, a hard link, a symlinked parent and a
/// device, and a config with Env, WorkingDir and Cmd; with the tree it must flatten to.
/// </summary>
public static class TestImage
{
    public static OciImageBuilder Build()
    {
        var image = new OciImageBuilder();
        image.AddLayer(Compression.Gzip)
            .Dir("./")
            .Dir("bin").File("bin/busybox", "BB", 0x1ED /* 0755 */).HardLink("bin/sh", "bin/busybox")
            .Dir("etc").File("etc/os-release", "base").File("etc/motd", "hello")
            .Dir("usr").Dir("usr/lib").Symlink("lib", "usr/lib")
            .Dir("usr/share").Dir("usr/share/doc").File("usr/share/doc/a", "a").Dir("usr/share/doc/sub").File("usr/share/doc/sub/b", "b")
            .Dir("var").Dir("var/cache").File("var/cache/x", "x");
        image.AddLayer(Compression.Zstd)
            .Dir("etc").Whiteout("etc/.wh.motd").File("etc/app.conf", "conf", 0x180 /* 0600 */, uid: 1000)
            .Dir("usr/share/doc").File("usr/share/doc/c", "c").Whiteout("usr/share/doc/.wh..wh..opq")
            .File("lib/libz.so", "z")
            .Dir("dev").CharDevice("dev/null", 1, 3);
        image.AddLayer(Compression.None)
            .Whiteout("var/.wh.cache")
            .File("etc/os-release", "v3")
            .Dir("app", 0x1C0 /* 0700 */, uid: 1000).File("app/run.sh", "#!/bin/sh", 0x1ED);
        image.RunConfig = new JsonObject
        {
            ["Env"] = new JsonArray("PATH=/usr/bin:/bin", "GREETING=hello from the config"),
            ["WorkingDir"] = "/app",
            ["Cmd"] = new JsonArray("/bin/sh", "-c", "echo $GREETING"),
        };
        return image;
    }

    /// <summary>The flattened tree, in <see cref="Layers.TreeListing"/>'s notation.</summary>
    public static readonly string[] Expected =
    [
        "/app 0700 1000:1000 dir",
        "/app/run.sh 0755 0:0 file '#!/bin/sh'",
        "/bin 0755 0:0 dir",
        "/bin/busybox 0755 0:0 file 'BB'",
        "/bin/sh 0755 0:0 file 'BB'",
        "/dev 0755 0:0 dir",
        "/dev/null 0666 0:0 CharDevice 1,3",
        "/etc 0755 0:0 dir",
        "/etc/app.conf 0600 1000:1000 file 'conf'",
        "/etc/os-release 0644 0:0 file 'v3'",
        "/lib 0777 0:0 link -> usr/lib",
        "/usr 0755 0:0 dir",
        "/usr/lib 0755 0:0 dir",
        "/usr/lib/libz.so 0644 0:0 file 'z'",
        "/usr/share 0755 0:0 dir",
        "/usr/share/doc 0755 0:0 dir",
        "/usr/share/doc/c 0644 0:0 file 'c'",
        "/var 0755 0:0 dir",
    ];
}
