using System.IO;
using System.Threading.Tasks;
using UserKernel.SyscallBridge.Seccomp;
using UserKernel.TestSupport;
using Xunit;

namespace UserKernel.SyscallBridge.Tests;

/// <summary>
/// The filter the kernel builds, loaded by the host into a small C program of its own (no tracer, no listener): the host
/// accepts it, and a few calls meet their rows' actions. With no tracer a TRACE call fails with ENOSYS, and so does a
/// USER_NOTIF call with no listener; an allowed call runs. Needs gcc.
/// </summary>
public class HostFilterTests
{
    private const string Program = """
        #define _GNU_SOURCE
        #include <errno.h>
        #include <fcntl.h>
        #include <linux/filter.h>
        #include <linux/seccomp.h>
        #include <stdio.h>
        #include <string.h>
        #include <sys/ioctl.h>
        #include <sys/prctl.h>
        #include <sys/stat.h>
        #include <sys/syscall.h>
        #include <sys/wait.h>
        #include <unistd.h>

        static struct sock_filter filter[BPF_MAXINSNS];

        /* After the filter, only write: stdio could call fstat, which the filter stops. */
        static void report(const char *what, long r)
        {
            char line[64];
            int n = snprintf(line, sizeof line, "%s %ld\n", what, r < 0 ? -errno : r);
            write(1, line, n);
        }

        static int i386_getpid(struct sock_fprog *prog)
        {
            pid_t child = fork();
            if (child == 0) {
                if (prog && syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, prog)) _exit(3);
                long r;
                __asm__ volatile("int $0x80" : "=a"(r) : "a"(20) : "memory");
                _exit(r > 0 ? 0 : 4);
            }
            int status;
            waitpid(child, &status, 0);
            return status;
        }

        int main(int argc, char **argv)
        {
            int fd = open(argv[1], O_RDONLY);
            ssize_t n = read(fd, filter, sizeof filter);
            struct sock_fprog prog = { .len = n / sizeof filter[0], .filter = filter };
            if (argc != 2 || n <= 0 || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)) return 2;

            /* An i386 getpid (int 0x80), without and then with the filter; some hosts have no 32-bit entry at all. */
            int unfiltered = i386_getpid(NULL), filtered = i386_getpid(&prog);
            if (WIFSIGNALED(unfiltered)) printf("i386 unavailable\n");
            else printf("i386 %s %d\n", WIFSIGNALED(filtered) ? "killed" : "exited", WIFSIGNALED(filtered) ? WTERMSIG(filtered) : WEXITSTATUS(filtered));
            fflush(stdout);

            report("seccomp", syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog));
            report("dup", syscall(SYS_dup, fd)); /* the lowest free descriptor: 0 to 2 are open, fd is 3 */
            report("getppid", syscall(SYS_getppid));
            struct stat st;
            report("fstat", syscall(SYS_fstat, 1, &st));
            int pending = 0, group = 0;
            report("ioctl-FIONREAD", syscall(SYS_ioctl, fd, FIONREAD, &pending));
            report("ioctl-TIOCGPGRP", syscall(SYS_ioctl, fd, TIOCGPGRP, &group));
            report("x32-getpid", syscall(0x40000000 | SYS_getpid));
            report("beyond-the-table", syscall(1000));
            return 0;
        }
        """;

    [Fact]
    public async Task The_host_loads_the_filter_and_its_answers_are_the_rows()
    {
        // Arrange
        using var dir = new TempDir("hostfilter");
        File.WriteAllText(dir.Combine("load.c"), Program);
        File.WriteAllBytes(dir.Combine("filter.bpf"), FilterBuilder.Encode(FilterBuilder.Build()));
        await HostTool.RunAsync("gcc", "gcc", ["-O1", "-Wall", "-o", dir.Combine("load"), dir.Combine("load.c")]);

        // Act
        string printed = await HostTool.RunAsync(dir.Combine("load"), "(the compiled loader)", [dir.Combine("filter.bpf")]);

        // Assert
        const int ENOSYS = 38, SIGSYS = 31;
        // Where the host runs i386 calls at all, the filter kills the process before the number is read.
        string[] i386 = [$"i386 killed {SIGSYS}\n", "i386 unavailable\n"];
        Assert.Contains(i386, first => printed.StartsWith(first, System.StringComparison.Ordinal));
        Assert.Equal(
            $"""
            seccomp 0
            dup 4
            getppid -{ENOSYS}
            fstat -{ENOSYS}
            ioctl-FIONREAD 0
            ioctl-TIOCGPGRP -{ENOSYS}
            x32-getpid -{ENOSYS}
            beyond-the-table -{ENOSYS}

            """, printed[(printed.IndexOf('\n', System.StringComparison.Ordinal) + 1)..]);
    }
}
