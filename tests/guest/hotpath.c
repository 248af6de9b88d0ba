/* The kernel's hot path, called over and over with the same arguments: getppid, stat, openat and close,
 * getdents64 (rewound with lseek), fstat. Run with --trace-json, the trace says what the kernel allocated for
 * each call (alloc_bytes); the test looks at the calls after the first, once caches and the JIT are warm.
 * Raw syscalls, so that no libc turns one call into another. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    int rounds = argc > 1 ? atoi(argv[1]) : 200;
    struct stat st;
    char buf[4096];
    long sum = 0;
    int dir = (int)syscall(SYS_openat, AT_FDCWD, "/etc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir < 0) { perror("open /etc"); return 1; }
    for (int i = 0; i < rounds; i++) {
        sum += syscall(SYS_getppid);
        if (syscall(SYS_stat, "/etc/passwd", &st) != 0) { perror("stat"); return 1; }
        int fd = (int)syscall(SYS_openat, AT_FDCWD, "/etc/passwd", O_RDONLY | O_CLOEXEC);
        if (fd < 0) { perror("openat"); return 1; }
        syscall(SYS_close, fd);
        if (syscall(SYS_fstat, dir, &st) != 0) { perror("fstat"); return 1; }
        syscall(SYS_lseek, dir, 0, SEEK_SET);
        long n = syscall(SYS_getdents64, dir, buf, sizeof buf);
        if (n <= 0) { perror("getdents64"); return 1; }
        sum += n;
    }
    printf("hotpath %d rounds done\n", rounds);
    return sum < 0;
}
