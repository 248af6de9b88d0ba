using System.Threading.Tasks;
using Xunit;

namespace UserKernel.EndToEnd.Tests;

/// <summary>
/// Busybox shell command lines run as <c>/bin/sh -c LINE</c> under userkernel and natively (chroot
/// into the same image, mounted read-only) must print the same bytes on stdout and stderr and end
/// with the same status. Lines avoid /dev, where the guest has userkernel's devfs and the native
/// chroot the image's empty directory.
/// </summary>
[Collection(GuestImageCollection.Name)]
public sealed class BusyboxCorpusTests(GuestImage image)
{
    public static readonly TheoryData<CorpusLine> Lines = new()
    {
        // Listings: ls sorts, so order is the filesystem's only under -f.
        "ls -la /data",
        "ls -lai /data",
        "ls -lR /data/nested",
        "ls -la /data/links /data/types",
        "ls -lai /data/links/ /data/nested/a/",
        "ls -l /data/many | head -5; ls /data/many | wc -l; ls -1 /data/many | sed -n '1p;1000p;2000p'",
        "ls -f /data/nested; ls -f /data/many | head -20",
        "ls -ld /data/nested/ /data/nested/a/ /data/nested//a//b /data/./nested/../nested/a/b/c/..",
        "ls -lL /data/links",
        "ls -l /bin | head -5; ls /bin | wc -l",
        "du -s /data/nested /data/random.bin /data/sparse.img /data/fragmented.bin; du -a /data/nested",
        // find and xargs.
        "find /data | sort",
        "find /data -type l | sort; find /data -type d | sort; find /data -type p -o -type c",
        "find /data -name '*.txt' -type f | sort",
        "find /data/nested -type d -exec ls -ld {} +",
        "find -L /data/links/dirlink /data/links/chain0 /data/links/loop_a /data/links/dangling /data/types 2>&1",
        // Linux follows at most 40 symlinks in one lookup: rel after 39 rootlinks is the 40th, after 40 the 41st.
        "p=/data/links; for i in $(seq 1 39); do p=$p/rootlink/data/links; done; cat $p/rel | head -1; cat $p/rootlink/data/links/rel; echo status=$?",
        "find /data/many -name 'file-19*' | sort | xargs wc -c | tail -3",
        "find /data/nested -type f -print0 | xargs -0 cat",
        // Reading files.
        "cat /data/text.txt",
        "wc -l -c -w /data/text.txt /data/words /data/random.bin",
        "sort /data/words; sort -r -u /data/words | head -3",
        "grep -r needle /data/nested /data/links /data/many /data/text.txt /data/words | sort",
        "grep -rn -i NEEDLE /data/nested /data/text.txt; echo status=$?",
        "grep -c hay /data/text.txt; grep -q nothing-like-this /data/text.txt; echo status=$?",
        "sha256sum /data/random.bin /data/sparse.img /data/fragmented.bin /data/text.txt /bin/busybox",
        "md5sum /data/*.txt /data/links/chain0",
        "head -c 64 /data/random.bin | od -A x -t x1; tail -c 1000 /data/sparse.img | od -c | tail -3",
        "cmp /data/text.txt /data/links/abs && echo same; cmp /data/text.txt /data/words; echo status=$?",
        "tar -cf - -C /data nested links | tar -tvf -",
        // stat with formats that print no device numbers (the native mount is a loop device).
        "stat -c '%n %s %b %B %h %u %g %U %G %f %F %a %A %i %X %Y %Z' /data/text.txt /data/hardlink.txt /data/random.bin /data/sparse.img /data/nested /data/links/abs /data/types/fifo",
        "stat -L -c '%n %s %i %F' /data/links/chain0 /data/links/dirlink /data/links/rootlink",
        "stat -c '%n %t %T %F' /data/types/null",
        // Symlinks.
        "readlink /data/links/rel /data/links/abs /data/links/dangling /data/links/chain3; readlink -f /data/links/chain0",
        "cat /data/links/chain0 | head -2; cat /data/links/rel /data/links/dirlink/top.txt",
        "cat /data/links/loop_a; echo status=$?",
        "cat /data/links/dangling /data/links/loop_b/x; echo status=$?",
        "cat /data/links/chain0/; echo status=$?; ls /data/links/dirlink/ /data/links/rootlink/data/links/rootlink/etc",
        "cd /data/links/dirlink && pwd && pwd -P && ls && cd .. && pwd",
        "realpath /data/links/rel /data/links/dirlink/a/../a/b; cd /data/nested/a && realpath ../../links/chain0",
        // Tests, missing files, odd names.
        "test -f /data/text.txt && echo file; test -d /data/nested && echo dir; test -L /data/links/rel && echo link; test -e /data/links/dangling || echo dangling; test -x /bin/busybox && echo exec; test -p /data/types/fifo && echo fifo; test -c /data/types/null && echo chr",
        "test -r /data/text.txt -a -s /data/random.bin; echo $?; test -s /data/exec/empty; echo $?; [ /data/text.txt -ef /data/hardlink.txt ] && echo same-inode",
        "cat /data/missing; echo status=$?; ls /data/missing /data/text.txt; echo status=$?",
        "cat /data/text.txt/; cat /data/text.txt/x; cd /data/text.txt; echo status=$?",
        "cat \"/data/file with spaces.txt\"; ls -l /data/*spaces*; for f in /data/file*; do echo \"[$f]\"; done",
        "cat /data/$(printf 'x%.0s' $(seq 1 300)); echo status=$?",
        "cd /data/nested/a/b && pwd && cd .. && pwd && cd ../../.. && pwd && cd /data/nested/a/b/c/../../.. && pwd && cd - && cd /../../data/./nested// && pwd",
        "cat /data/nested/a/../a/b/./c/deep.txt; cd /data/nested/a/b; cat ../../../text.txt | wc -l; cat ./c/../c/deep.txt",
        "basename /data/nested/a/b; dirname /data/nested/a/b/; cd /data && ls -d */",
        // Processes: loops that fork and exec, pipelines, exit codes, signals.
        "for i in 1 2 3 4 5; do /bin/echo \"n=$i\"; /bin/true; done; echo done",
        "for f in /data/nested/*; do ls -d \"$f\"; done",
        "cat /data/words | sort | uniq -c | sort -n | tail -3",
        "cat /data/text.txt | grep -v 9 | tr a-z A-Z | head -4 | wc -l",
        "seq 1 200 | xargs -n 50 echo | wc -l; seq 1 20 | while read n; do expr $n \\* $n; done | tail -2",
        "x=$(cat /data/words | wc -l); echo \"$x words\"; echo $(( x * 2 )); echo $(sh -c 'exit 4'; echo $?)",
        "sh -c 'exit 3'; echo $?; (exit 5); echo $?; false; echo $?; true; echo $?",
        "exit 42",
        "false",
        "kill -TERM $$",
        "sh -c 'kill -KILL $$'; echo status=$?; sh -c 'kill -USR1 $$'; echo status=$?",
        "(sleep 0; exit 9); echo sub=$?; { /bin/sh -c 'exit 6'; }; echo group=$?; /bin/sh -c '/bin/sh -c \"exit 8\"'; echo nested=$?",
        "nosuchcommand; echo status=$?; /data/missing; echo status=$?",
        "/data/exec/noexec.sh; echo status=$?; /data/exec/garbage; echo status=$?",
        "/data/exec/script.sh a 'b c'; echo status=$?; /data/exec/badinterp.sh; echo status=$?",
        "id; echo $HOME $PATH; umask; cd; pwd",
        "cat /etc/passwd /etc/group; grep -c : /etc/passwd",
        // Writes: the image is read-only under both.
        "echo hello > /data/new; echo status=$?; mkdir /data/x; echo status=$?; touch /data/text.txt; echo status=$?",
        "ln -s /x /data/y; rm /data/text.txt; rm -r /data/nested; mv /data/words /data/w; echo status=$?",
    };

    [Theory]
    [MemberData(nameof(Lines))]
    public async Task Line_behaves_as_under_native_chroot(CorpusLine corpusLine)
    {
        string line = corpusLine.Text;
        // Arrange
        RunResult expected = await Runner.NativeAsync(image.MountPoint, "/bin/sh", "-c", line);

        // Act
        RunResult actual = await Runner.GuestAsync(image.Image, "/bin/sh", "-c", line);

        // Assert
        Assert.True(expected == actual, $"line: {line}\n=== native ===\n{expected}\n=== userkernel ===\n{actual}");
        Assert.Equal(image.ImageSha256, GuestImage.Sha256Of(image.Image));
    }
}
