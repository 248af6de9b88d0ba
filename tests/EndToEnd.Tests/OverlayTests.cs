using System.IO;
using System.Threading.Tasks;
using UserKernel.TestSupport;
using Xunit;

namespace UserKernel.EndToEnd.Tests;

/// <summary>
/// The writable root: userkernel's default overlay over the image, compared with a native run chrooted into a
/// writable copy of the tree the image was made from. The image file never changes.
/// </summary>
[Collection(GuestImageCollection.Name)]
public sealed class OverlayTests(GuestImage image)
{
    public static readonly TheoryData<string> Scripts = new()
    {
        "echo x > /f; cat /f; echo y >> /f; cat /f; stat -c '%a %s %h %F' /f",
        "mkdir -p /a/b; echo hi > /a/b/g; mv /a /c; ls -la /c | awk 'NR > 1 && $NF != \"..\" {print $1, $2, $3, $4, $NF}'; cat /c/b/g; ls -d /a /c 2>&1",
        "rm -rf /data/nested; ls /data; ls /data/nested 2>&1",
        "rm -r /data/many; ls /data; rmdir /data/types/directory; ls /data/types",
        "ln -s /data/nested/top.txt /s; ln /data/nested/top.txt /h; stat -c '%h %F %N' /data/nested/top.txt /h /s; cat /s /h",
        "chmod 600 /data/nested/top.txt; stat -c '%a %s %h' /data/nested/top.txt; chown 12:34 /data/nested/top.txt; stat -c '%u %g %a' /data/nested/top.txt",
        "echo 1 > /r1; echo 2 > /r2; mv /r1 /r2; cat /r2; ls /r1 2>&1; mv /data/nested/top.txt /data/nested/a/sibling.txt; cat /data/nested/a/sibling.txt; ls /data/nested",
        "rm -rf /data/nested/a; mkdir /data/nested/a; ls -a /data/nested/a; mkdir /data/nested/a/new; ls -a /data/nested/a",
        "echo t > /tmp/t; cat /tmp/t; mv /tmp/t /t; cat /t; ls /tmp",
        "sed -i s/top/TOP/ /data/nested/top.txt; cat /data/nested/top.txt; ls /data/nested",
        "touch -d '2001-02-03 04:05:06' /data/nested/top.txt; stat -c '%Y %s' /data/nested/top.txt; touch /new; stat -c '%s %F' /new",
        "cd /data/nested; for i in 1 2 3; do echo $i >> log; done; cat log; : > log; stat -c %s log; mkfifo p; stat -c %F p",
        // Renaming an ancestor of the working directory: getcwd follows it, the shell's $PWD does not.
        "mkdir -p /a/b; cd /a/b; mv /a /c; pwd; /bin/pwd; touch x; ls /c/b; cd .. 2>&1; pwd; cd /c/b; mv /c /d; /bin/pwd; cd ..; /bin/pwd",
        // chroot: absolute paths and ".." stop at the new root; errors for a missing path and a file.
        "mkdir -p /jail/bin /jail/tmp /jail/sub; cp /bin/busybox /jail/bin/; for a in sh ls pwd cat; do ln -s busybox /jail/bin/$a; done; echo inside > /jail/f; cd /jail/sub; chroot /jail /bin/sh -c 'pwd; ls /; cat /f; cd ../..; pwd; cat /../f'; echo rc=$?; chroot /nonexistent /bin/sh 2>&1; chroot /jail/f /bin/sh 2>&1; true",
        // Device nodes made by root: the pseudo-device works through it; a block node is only a name here.
        "mknod /nul c 1 3; stat -c '%F %t %T %a' /nul; echo hi > /nul && echo wrote; head -c 4 /nul | wc -c; mknod /blk b 7 200; stat -c '%F %t %T' /blk; mknod /bad x 1 1 2>&1 | head -c 20; echo",
        // Many files made and removed across prunes (every 128 opens, 2 s apart) while one unlinked file stays open.
        "echo kept > /tmp/keep; exec 3< /tmp/keep; rm /tmp/keep; for r in 1 2 3; do i=0; while [ $i -lt 150 ]; do echo $i > /tmp/f$i; read x < /tmp/f$i; rm /tmp/f$i; i=$((i+1)); done; sleep 2; done; echo $x; cat <&3; ls /tmp",
    };

    [Theory]
    [MemberData(nameof(Scripts))]
    public async Task Shell_changes_to_the_root_match_a_writable_native_tree(string script)
    {
        // Act
        (RunResult native, RunResult guest) = await image.NativeAndWritableGuestAsync("/bin/sh", "-c", script);

        // Assert
        Assert.Equal(native.ToString(), guest.ToString());
        Assert.Equal(image.ImageSha256, GuestImage.Sha256Of(image.Image));
    }

    [Fact]
    public async Task Open_unlinked_files_tmpfiles_and_renames_match_a_writable_native_tree()
    {
        // Act
        (RunResult native, RunResult guest) = await image.NativeAndWritableGuestAsync("/guest/overlay");

        // Assert
        Assert.Equal(0, native.ExitCode);
        Assert.Equal(native.ToString(), guest.ToString());
        Assert.Equal(image.ImageSha256, GuestImage.Sha256Of(image.Image));
    }

    [Fact]
    public async Task Extended_attributes_match_a_writable_native_tree()
    {
        // Act
        (RunResult native, RunResult guest) = await image.NativeAndWritableGuestAsync("/guest/xattr");

        // Assert
        Assert.Equal(0, native.ExitCode);
        Assert.Contains("get /data/nested/top.txt user.a = 'three'", native.StandardOutput);
        Assert.Contains("get /data/xattr/tagged user.colour = 'blue'", native.StandardOutput);
        Assert.Equal(native.ToString(), guest.ToString());
        Assert.Equal(image.ImageSha256, GuestImage.Sha256Of(image.Image));
    }

    [Fact]
    public async Task Capabilities_follow_capset_uid_changes_and_exec_as_natively()
    {
        // Act
        (RunResult native, RunResult guest) = await image.NativeAndWritableGuestAsync("/guest/caps");

        // Assert
        Assert.Equal(0, native.ExitCode);
        Assert.Contains("capset drop dac from eff: ok\nopen mode 000: EACCES", native.StandardOutput);
        Assert.Equal(native.ToString(), guest.ToString());
    }

    [Fact]
    public async Task Read_only_root_still_refuses_writes()
    {
        // Act
        RunResult guest = await Runner.GuestAsync(image.Image, "/bin/sh", "-c", "echo x > /f; mkdir /d; rm /data/nested/top.txt; echo $?");

        // Assert
        Assert.Contains("Read-only file system", guest.StandardError);
        Assert.Equal(image.ImageSha256, GuestImage.Sha256Of(image.Image));
    }

    [Fact]
    public async Task Each_run_starts_from_the_unchanged_image()
    {
        // Act
        RunResult first = await Runner.WritableGuestAsync(image.Image, "/bin/sh", "-c", "rm -rf /data; echo gone > /marker");
        RunResult second = await Runner.WritableGuestAsync(image.Image, "/bin/sh", "-c", "ls /data/nested; test -e /marker || echo no marker");

        // Assert
        Assert.Equal(0, first.ExitCode);
        Assert.Equal("a\nempty\ntop.txt\nno marker\n", second.StandardOutput);
        Assert.Equal(image.ImageSha256, GuestImage.Sha256Of(image.Image));
    }
}
