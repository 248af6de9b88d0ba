// Micro-benchmarks run natively, under proot and under userkernel: each prints "name value unit"
// (ns/op; ms for the shell loop; MB/s for the read).
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static void report(const char *name, double t0, long n) { printf("%-14s %10.0f ns/op\n", name, (now() - t0) / n); }

int main(int argc, char **argv) {
    const char *what = argc > 1 ? argv[1] : "all";
    int all = strcmp(what, "all") == 0;
    long n;
    double t0;
    if (all || !strcmp(what, "getppid")) {
        n = 200000; t0 = now();
        for (long i = 0; i < n; i++) syscall(SYS_getppid);
        report("getppid", t0, n);
    }
    if (all || !strcmp(what, "passthrough")) {
        n = 200000; t0 = now();
        for (long i = 0; i < n; i++) syscall(SYS_umask, 022);
        report("umask", t0, n);
    }
    if (all || !strcmp(what, "open")) {
        n = 20000; t0 = now();
        for (long i = 0; i < n; i++) { int fd = open("/etc/passwd", O_RDONLY); close(fd); }
        report("open+close", t0, n);
    }
    if (all || !strcmp(what, "stat")) {
        struct stat st;
        n = 20000; t0 = now();
        for (long i = 0; i < n; i++) stat("/etc/passwd", &st);
        report("stat", t0, n);
    }
    if (all || !strcmp(what, "flock")) {
        /* A lock taken and dropped on an image file opened to read: under userkernel each flock stops, and the first
           gives the run its own copy of the file (the content cache's file is shared with other runs). */
        int fd = open("/etc/passwd", O_RDONLY);
        n = 20000; t0 = now();
        for (long i = 0; i < n; i++) {
            flock(fd, LOCK_EX);
            flock(fd, LOCK_UN);
        }
        report("flock+unlock", t0, n);
        close(fd);
    }
    if (all || !strcmp(what, "spawn")) {
        n = 300; t0 = now();
        for (long i = 0; i < n; i++) {
            pid_t p = fork();
            if (p == 0) { execl("/bench/true", "true", (char *)0); _exit(127); }
            int status;
            waitpid(p, &status, 0);
        }
        report("fork+exec+wait", t0, n);
    }
    if ((all || !strcmp(what, "shloop")) && access("/bin/sh", X_OK) == 0) {
        /* A shell running /bench/true 50 times, as `for i in $(seq 50); do /bin/true; done` does:
           the mean wall time of one whole loop, the shell's own start included. Skipped without /bin/sh. */
        n = 5; t0 = now();
        for (long i = 0; i < n; i++) {
            pid_t p = fork();
            if (p == 0) {
                execl("/bin/sh", "sh", "-c", "i=0; while [ $i -lt 50 ]; do /bench/true; i=$((i+1)); done", (char *)0);
                _exit(127);
            }
            int status;
            waitpid(p, &status, 0);
        }
        printf("%-14s %10.2f ms\n", "sh loop 50x", (now() - t0) / n / 1e6);
    }
    if (all || !strcmp(what, "read")) {
        static char buf[1 << 16];
        int fd = open("/bench/large", O_RDONLY);
        long total = 0; ssize_t r;
        t0 = now();
        while ((r = read(fd, buf, sizeof buf)) > 0) total += r;
        close(fd);
        printf("%-14s %10.0f MB/s\n", "read 64MiB", total / ((now() - t0) / 1e9) / 1e6);
    }
    return 0;
}
