using System.IO;
using System.Threading.Tasks;
using Xunit;

namespace UserKernel.EndToEnd.Tests;

/// <summary>
/// A real distribution: Debian's own dynamically linked tools, run under userkernel from the Debian image
/// and natively under chroot into the unpacked tree; stdout, stderr and exit status must be identical and
/// the image unchanged. Commands stay clear of what differs by design between a chroot and a guest: /proc,
/// /dev, the host name, directory sizes and inode numbers.
/// </summary>
[Collection(DebianImageCollection.Name)]
public sealed class DebianTests(DebianImage debian)
{
    public static readonly TheoryData<string, string> ShellLines = new()
    {
        { "bash", """declare -A m=([a]=1 [b]=2); for k in "${!m[@]}"; do echo $k=${m[$k]}; done | sort; echo $((6*7)); printf '%05.1f\n' 3.14159; echo ${BASH_VERSINFO[0]}; (sleep 0.1; echo background) & wait; echo $?; [[ abc == a?c ]] && echo pattern; ls /etc/apt/[as]*; type cd ls""" },
        { "coreutils", """stat -c '%n %s %a %U %G %Y' /etc/passwd /usr/bin/ls /usr/bin/python3.11 /bin/sh; ls -l /usr/bin/[a-c]* | head -40; md5sum /usr/bin/perl /usr/lib/x86_64-linux-gnu/libc.so.6; sort -r /etc/shells; wc -l /etc/services; cut -d: -f1,7 /etc/passwd | tr : ' ' | head; readlink -f /bin/sh /lib64/ld-linux-x86-64.so.2; seq 3 | paste -sd+; date -u -d @0; basename /usr/lib/os-release; id""" },
        { "findutils", """find /etc -maxdepth 2 -name '*.d' -type d | sort; find /usr/share/perl5 -type f -name '*.pm' | wc -l; find /usr/lib -type l | wc -l; find /usr/bin -perm -4000 | sort; find /etc/apt -printf '%y %m %p\n' | sort; find / -xdev -name 'os-release' 2>/dev/null | sort | xargs ls -l""" },
        { "grep", """grep -rn '^root' /etc/passwd /etc/group /etc/shadow | sort; grep -c '' /etc/services; grep -E -o '[0-9]+/tcp' /etc/services | sort -un | head; grep -l bookworm -r /etc 2>/dev/null | sort; grep -q nothing-like-this /etc/passwd; echo $?""" },
        { "sed", """sed -n 's/^\([a-z]*\):.*:\([0-9]*\):[0-9]*:.*/\1 \2/p' /etc/passwd; sed '1d;$d' /etc/shells; cp /etc/os-release /tmp/os; sed -i 's/^NAME=/GUEST_NAME=/' /tmp/os; grep NAME /tmp/os""" },
        { "tar and gzip", """cd /tmp && tar -czf a.tgz -C / etc/apt usr/share/perl5/Debconf && tar -tvzf a.tgz | sort -k6 && gzip -dc a.tgz | wc -c && mkdir x && tar -xzf a.tgz -C x && diff -r x/etc/apt /etc/apt && echo same; gzip -9 < /etc/services | gzip -dc | md5sum; md5sum /etc/services""" },
        { "dpkg", """dpkg -l; dpkg -L coreutils | grep bin/ | sort | head -20; dpkg -S /bin/ls; dpkg -V coreutils bash dpkg perl-base; echo verify=$?; dpkg --print-architecture""" },
        { "apt", """apt-get --version; apt-config dump | grep -E '^(Dir|APT::Architecture) ' | sort; apt-cache policy 2>&1 | head -5""" },
        { "perl", """perl -e 'use strict; use warnings; my %h = (a => 1, b => 2); print join(",", map { "$_=$h{$_}" } sort keys %h), "\n"; open(my $f, "<", "/etc/debian_version") or die; print scalar(<$f>); my @l = grep { /^root:/ } do { open(my $p, "<", "/etc/passwd") or die; <$p> }; print @l; printf("%.3f\n", atan2(1, 1) * 4); my $pid = fork(); if ($pid == 0) { exit 7 } waitpid($pid, 0); print $? >> 8, "\n"; print `echo backticks`'""" },
        { "gcc", """cd /tmp && printf '#include <stdio.h>\n#include <math.h>\nint main(void) { printf("hello %.2f\\n", sqrt(2.0)); return 0; }\n' > hello.c && gcc -O2 -o hello hello.c -lm && ./hello && file_type=$(head -c 4 hello | od -An -c | tr -d ' ') && echo "$file_type"; gcc -o broken -x c - <<< 'int main(void) { return undefined; }' 2>&1 | grep -c error""" },
    };

    [Theory]
    [MemberData(nameof(ShellLines))]
    public async Task Debian_tools_behave_as_under_chroot(string what, string script)
    {
        // Act
        RunResult native = await Runner.NativeAsync(debian.NativeRoot, "/bin/bash", "-c", script);
        RunResult guest = await Runner.WritableGuestAsync(debian.Image, "/bin/bash", "-c", script);

        // Assert
        Assert.False(string.IsNullOrWhiteSpace(native.StandardOutput), $"{what}: the native run printed nothing\n{native}");
        Assert.Equal(native.ToString(), guest.ToString());
        Assert.Equal(debian.ImageSha256, GuestImage.Sha256Of(debian.Image));
    }

    /// <summary>Python: file I/O, subprocesses, threads, sqlite3, tempfile and json in one program.</summary>
    [Fact]
    public async Task Python_behaves_as_under_chroot()
    {
        const string program = """
            import json, os, sqlite3, subprocess, sys, tempfile, threading
            d = tempfile.mkdtemp(dir="/tmp")
            p = os.path.join(d, "f.txt")
            with open(p, "w") as f:
                f.write("line\n" * 3)
            with open(p, "a") as f:
                f.write("more\n")
            print(open(p).read().count("line"), os.path.getsize(p))
            os.rename(p, p + ".moved")
            print(sorted(os.listdir(d)))
            r = subprocess.run(["sh", "-c", "echo from child; echo err >&2; exit 3"], capture_output=True, text=True)
            print(r.returncode, repr(r.stdout), repr(r.stderr))
            print(subprocess.check_output("ls /etc/apt | sort", shell=True, text=True).split())
            total = []
            lock = threading.Lock()
            def work(n):
                s = sum(range(n * 10000))
                with lock:
                    total.append(s)
            threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
            for t in threads: t.start()
            for t in threads: t.join()
            print(sorted(total), len(total))
            db = sqlite3.connect(os.path.join(d, "t.db"))
            db.execute("create table t (k text primary key, v integer)")
            db.executemany("insert into t values (?, ?)", [(f"k{i}", i * i) for i in range(100)])
            db.commit()
            print(db.execute("select count(*), sum(v) from t where v % 2 = 0").fetchone())
            db.close()
            with tempfile.NamedTemporaryFile(dir=d) as t:
                t.write(b"x" * 10)
                t.flush()
                print(os.path.exists(t.name), os.stat(t.name).st_size)
            print(sorted(os.listdir(d)))
            print(json.dumps({"a": [1, 2, {"b": None}], "v": sys.version_info[:2]}, sort_keys=True))
            """;

        // Act
        RunResult native = await Runner.NativeAsync(debian.NativeRoot, "/usr/bin/python3", "-c", program);
        RunResult guest = await Runner.WritableGuestAsync(debian.Image, "/usr/bin/python3", "-c", program);

        // Assert
        Assert.Equal(0, native.ExitCode);
        Assert.Equal(native.ToString(), guest.ToString());
        Assert.Equal(debian.ImageSha256, GuestImage.Sha256Of(debian.Image));
    }

    /// <summary>
    /// Every name of the image as find sees it (type, mode, owner, size of non-directories, mtime with
    /// nanoseconds, symlink target) and every regular file's md5: the image writer and the guest's VFS
    /// together give back exactly the unpacked tree.
    /// </summary>
    [Fact]
    public async Task The_whole_tree_reads_back_as_the_unpacked_copy()
    {
        const string script = """
            list() { find / -xdev \( -path /proc -o -path /dev -o -path /sys -o -path /tmp \) -prune -o \( -type d -printf '%y %m %u %g %T@ %p\n' \) -o -printf '%y %m %u %g %s %T@ %p %l\n'; }
            list | wc -l; list | sort | md5sum
            find / -xdev \( -path /proc -o -path /dev -o -path /sys -o -path /tmp \) -prune -o -type f -print0 | xargs -0 md5sum | sort -k2 | md5sum
            """;

        // Act: natively in the pristine unpacked tree (the writable copy drifts: python writes __pycache__ there).
        RunResult native = await Runner.NativeAsync(debian.UnpackedRoot, "/bin/bash", "-c", script);
        RunResult guest = await Runner.WritableGuestAsync(debian.Image, "/bin/bash", "-c", script);

        // Assert
        Assert.Equal(0, native.ExitCode);
        Assert.True(int.Parse(native.StandardOutput.Split('\n')[0]) > 5000, native.ToString());
        Assert.Equal(native.ToString(), guest.ToString());
    }

    /// <summary>
    /// GNU tail -f waits on inotify (IN_MODIFY of the file) and would poll only every 30 s here (-s 30), so lines
    /// appended a second later show within the two seconds only if the guest's inotify watch reports them.
    /// </summary>
    [Fact]
    public async Task Gnu_tail_follows_appended_lines_through_inotify()
    {
        // Arrange
        const string script =
            "cd /tmp; echo one > log; tail -s 30 -f log > out & sleep 1; echo two >> log; echo three >> log; sleep 2; kill $!; wait; cat out";

        // Act
        RunResult native = await Runner.NativeAsync(debian.NativeRoot, "/bin/bash", "-c", script);
        RunResult guest = await Runner.WritableGuestAsync(debian.Image, "/bin/bash", "-c", script);

        // Assert
        Assert.Equal("one\ntwo\nthree\n", native.StandardOutput);
        Assert.Equal(native.ToString(), guest.ToString());
    }

    /// <summary>Debian's bash on a terminal: Ctrl-C interrupts the job, not bash; Ctrl-Z stops it and fg resumes it.</summary>
    [Fact]
    public async Task Bash_job_control_works_on_a_terminal()
    {
        // Act
        (int exitCode, string text) = await InteractiveShellTests.DriveJobControlAsync(debian.Image, "/bin/bash -i", "# ");

        // Assert
        Assert.True(exitCode == 0, "exit status " + exitCode + "\n" + text);
        Assert.Contains("alive 130", text);
        Assert.Matches(@"\[1\]\+ +Stopped +sleep 30", text);
        Assert.Contains("back 130", text);
    }

    /// <summary>
    /// Package tools for real: apt-get update and install over the network (the image's sources are this
    /// machine's), dpkg unpacking and running triggers, apt dropping to the _apt user; then the new program runs.
    /// All of it lands in the overlay, so the image is unchanged.
    /// </summary>
    [Fact]
    public async Task Apt_installs_a_package_and_the_image_stays_unchanged()
    {
        // Act
        RunResult guest = await Runner.WritableGuestAsync(debian.Image, "/bin/bash", "-c",
            "apt-get update -qq && apt-get install -y -qq --no-install-recommends jq >/dev/null && echo '{\"a\": [1, 2]}' | jq -c .a && dpkg -s jq | grep '^Status'");

        // Assert
        Assert.True(guest.ExitCode == 0, guest.ToString());
        Assert.Equal("[1,2]\nStatus: install ok installed\n", guest.StandardOutput);
        Assert.Equal(debian.ImageSha256, GuestImage.Sha256Of(debian.Image));
    }

    /// <summary>A full-screen editor on the terminal: vim-tiny, installed with apt in the guest, edits and saves a file.</summary>
    [Fact]
    public async Task Vi_edits_a_file_on_a_terminal()
    {
        // Act
        (int exitCode, string text) = await InteractiveShellTests.OnTerminalAsync(
            ["--image", debian.Image, "--", "/bin/bash", "-i"], async (screen, type) =>
            {
                await screen.WaitFor("# ", 1);
                await type("apt-get update -qq >/dev/null && apt-get install -y -qq vim-tiny >/dev/null 2>&1; echo installed=$?\n");
                await screen.WaitFor("installed=0", 1, seconds: 60); // apt over the network, on a machine that may be busy
                await type("vi /root/note\n");
                await screen.WaitFor("[New", 1);
                await type("ihello from vi\x1b");
                await Task.Delay(300);
                await type(":wq\r");
                await screen.WaitFor("# ", 3);
                await type("echo \"[$(cat /root/note)]\"\n");
                await screen.WaitFor("[hello from vi]", 1);
                await type("exit\n");
            });

        // Assert
        Assert.True(exitCode == 0, "exit status " + exitCode + "\n" + text);
        Assert.Contains("[hello from vi]", text);
        Assert.Equal(debian.ImageSha256, GuestImage.Sha256Of(debian.Image));
    }

    [Fact]
    public async Task Changes_stay_in_memory_and_the_next_run_sees_the_image_again()
    {
        // Act
        RunResult changed = await Runner.WritableGuestAsync(debian.Image, "/bin/sh", "-c",
            "rm -rf /usr/share/doc; echo x > /etc/motd; ls /usr/share/doc 2>&1; cat /etc/motd");
        RunResult after = await Runner.WritableGuestAsync(debian.Image, "/bin/sh", "-c", "ls /usr/share/doc | wc -l; cat /etc/motd");

        // Assert
        Assert.Equal("ls: cannot access '/usr/share/doc': No such file or directory\nx\n", changed.StandardError + changed.StandardOutput);
        Assert.NotEqual("0", after.StandardOutput.Split('\n')[0]);
        // The next run reads the image's own /etc/motd, as the unpacked tree has it.
        string motd = File.ReadAllText(Path.Combine(debian.UnpackedRoot, "etc", "motd"));
        Assert.Equal(motd, after.StandardOutput.Split('\n', 2)[1]);
        Assert.Equal(debian.ImageSha256, GuestImage.Sha256Of(debian.Image));
    }
}
