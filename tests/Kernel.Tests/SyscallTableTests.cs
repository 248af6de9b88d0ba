using System;
using System.Collections.Generic;
using System.IO;
using System.Text.RegularExpressions;
using UserKernel.Kernel.Syscalls;
using Xunit;

namespace UserKernel.Kernel.Tests;

public class SyscallTableTests
{
    [Fact]
    public void Every_row_that_stops_has_a_handler_or_says_ENOSYS()
    {
        foreach (SyscallEntry row in SyscallTable.Rows)
        {
            if (row.Disposition is Disposition.Emulate or Disposition.Forward) Assert.True(row.Handler != null, row.Name);
            if (row.Disposition is Disposition.Passthrough or Disposition.Unimplemented) Assert.True(row.Handler == null, row.Name);
        }
    }

    [Fact]
    public void Every_passthrough_row_says_why_it_cannot_name_a_host_object()
    {
        foreach (SyscallEntry row in SyscallTable.Rows)
        {
            if (row.Disposition == Disposition.Passthrough)
                Assert.True(row.Note.Length >= 10, $"{row.Name} runs on the host unstopped, but its row does not say why it cannot name a host object");
        }
    }

    /// <summary>Calls that take a path, a pid, an IPC id, an address or a host-wide id: each must stop (wholly, or for the arguments that name something).</summary>
    [Theory]
    [InlineData("open"), InlineData("openat"), InlineData("openat2"), InlineData("creat"), InlineData("execve"), InlineData("execveat")]
    [InlineData("connect"), InlineData("bind"), InlineData("sendto"), InlineData("sendmsg"), InlineData("sendmmsg"), InlineData("getsockopt"), InlineData("setsockopt")]
    [InlineData("kill"), InlineData("tkill"), InlineData("tgkill"), InlineData("rt_sigqueueinfo"), InlineData("rt_tgsigqueueinfo"), InlineData("pidfd_open"), InlineData("pidfd_send_signal")]
    [InlineData("fcntl"), InlineData("ioctl"), InlineData("clone"), InlineData("clone3"), InlineData("userfaultfd"), InlineData("ptrace"), InlineData("process_vm_readv"), InlineData("process_vm_writev"), InlineData("kcmp")]
    [InlineData("shmget"), InlineData("shmat"), InlineData("shmctl"), InlineData("semget"), InlineData("semop"), InlineData("semtimedop"), InlineData("semctl")]
    [InlineData("msgget"), InlineData("msgsnd"), InlineData("msgrcv"), InlineData("msgctl"), InlineData("inotify_add_watch")]
    [InlineData("getpriority"), InlineData("setpriority"), InlineData("ioprio_get"), InlineData("ioprio_set"), InlineData("get_robust_list"), InlineData("prlimit64")]
    [InlineData("sched_setaffinity"), InlineData("sched_getaffinity"), InlineData("sched_setattr"), InlineData("migrate_pages"), InlineData("move_pages"), InlineData("io_uring_setup")]
    [InlineData("clock_gettime"), InlineData("clock_getres"), InlineData("clock_nanosleep"), InlineData("timer_create"), InlineData("clock_settime")]
    public void A_call_that_can_name_a_host_object_is_mediated(string name)
    {
        SyscallEntry row = System.Linq.Enumerable.Single(SyscallTable.Rows, r => r.Name == name);

        Assert.NotEqual(Disposition.Passthrough, row.Disposition);
    }

    [Fact]
    public void Names_and_numbers_match_the_host_headers()
    {
        const string header = "/usr/include/x86_64-linux-gnu/asm/unistd_64.h";
        Assert.True(File.Exists(header), "needs the Linux UAPI headers (apt-get install linux-libc-dev)");
        var expected = new Dictionary<int, string>();
        foreach (string line in File.ReadLines(header))
        {
            Match m = Regex.Match(line, @"^#define __NR_(\w+) (\d+)$");
            if (m.Success) expected[int.Parse(m.Groups[2].Value)] = m.Groups[1].Value;
        }
        Assert.True(expected.Count > 300);
        foreach ((int nr, string name) in expected)
        {
            SyscallEntry? row = SyscallTable.Lookup(nr);
            Assert.True(row != null, $"no row for {name} ({nr})");
            Assert.Equal(name, row.Name);
        }
    }

    [Theory]
    [InlineData("openat")]
    [InlineData("execve")]
    [InlineData("getpid")]
    [InlineData("mount")]
    [InlineData("io_uring_setup")]
    [InlineData("process_vm_readv")]
    public void Calls_that_see_the_guests_world_never_pass_through(string name)
    {
        foreach (SyscallEntry row in SyscallTable.Rows)
            if (row.Name == name) Assert.NotEqual(Disposition.Passthrough, row.Disposition);
    }

    [Fact]
    public void Syscall_numbers_are_declared_only_in_Sysno()
    {
        // A number written out beside a name (an NR_ constant of its own) can drift from the table; Sysno is the one place.
        string root = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(root, "UserKernel.sln"))) root = Path.GetDirectoryName(root) ?? throw new DirectoryNotFoundException("UserKernel.sln");
        var offenders = new List<string>();
        int scanned = 0;
        foreach (string dir in new[] { "Kernel", "SyscallBridge", "Tools", "tests" })
            foreach (string file in Directory.EnumerateFiles(Path.Combine(root, dir), "*.cs", SearchOption.AllDirectories))
            {
                if (file.Contains("/obj/", StringComparison.Ordinal) || file.Contains("/bin/", StringComparison.Ordinal)) continue;
                if (file.EndsWith("/Kernel/Abi/Sysno.cs", StringComparison.Ordinal)) continue;
                scanned++;
                int n = 0;
                foreach (string line in File.ReadLines(file))
                {
                    n++;
                    if (Regex.IsMatch(line, @"\bNR_\w+\s*=\s*\d") || Regex.IsMatch(line, @"\bRow\(\d+,"))
                        offenders.Add($"{Path.GetRelativePath(root, file)}:{n}: {line.Trim()}");
                }
            }
        Assert.True(scanned > 100, $"scanned only {scanned} files under {root}");
        Assert.True(offenders.Count == 0, "syscall numbers declared outside Kernel/Abi/Sysno.cs:\n" + string.Join('\n', offenders));
    }
}
