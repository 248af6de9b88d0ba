/* The errno corners an external syscall suite (the Linux Test Project's) found, each compared with native Linux:
 * reads of directory descriptors, O_NOATIME, signals and low ports for an ordinary user, prctl's capability calls,
 * readlink(""), RLIMIT_FSIZE, ETXTBSY, mixed socket families, clock_settime, CPU-time clocks, calls on pids that do
 * not exist, tcsetpgrp, pidfd_send_signal on a /proc/PID descriptor, RLIMIT_NOFILE, SCM_CREDENTIALS, senders' addresses
 * oom_score_adj, read-only binds and remounts, and CLONE_FS. Run as root in a writable root
 * with /proc mounted: natively in a pid namespace of its own, under chroot into a copy of the tree. Work that needs
 * an ordinary user runs in a child that became uid 1000. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <fcntl.h>
#include <grp.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "errnames.h"

static const char *self;

/* capget and capset's structures (linux/capability.h, which musl's headers lack). */
#define CAP_CHOWN 0
#define CAP_SETPCAP 8
#define CAP_MKNOD 27
struct cap_header { unsigned version; int pid; };
struct cap_data { unsigned effective, permitted, inheritable; };

/* Runs F in a child, as root or (USER) as uid and gid 1000 with no supplementary groups, and waits for it. */
static void in_child(int user, void (*f)(void))
{
    pid_t pid = fork();
    if (pid == 0) {
        if (user && (setgroups(0, NULL) != 0 || setresgid(1000, 1000, 1000) != 0 || setresuid(1000, 1000, 1000) != 0)) {
            printf("becoming uid 1000: %s\n", errname(errno));
            _exit(1);
        }
        f();
        _exit(0);
    }
    waitpid(pid, NULL, 0);
}

/* A child that waits to be killed. */
static pid_t sleeper(void)
{
    pid_t pid = fork();
    if (pid == 0) {
        for (;;) pause();
    }
    return pid;
}

/* A descriptor's number or -1, closed at once: an open checked for its errno leaves nothing open behind it. */
static int opened(int fd)
{
    if (fd >= 0) close(fd);
    return fd;
}

/* Waits up to SECONDS for CHILD to end, then kills it; its status. */
static int reap_within_seconds(pid_t child, int seconds)
{
    int status;
    for (int i = 0; i < seconds * 100; i++) {
        if (waitpid(child, &status, WNOHANG) == child) return status;
        usleep(10000);
    }
    kill(child, SIGKILL);
    waitpid(child, &status, 0);
    return status;
}

static void copy_file(const char *from, const char *to)
{
    int in = open(from, O_RDONLY), out = open(to, O_WRONLY | O_CREAT | O_TRUNC, 0755);
    char buf[65536];
    ssize_t n;
    while ((n = read(in, buf, sizeof buf)) > 0)
        if (write(out, buf, (size_t)n) != n) break;
    close(in);
    close(out);
}

static void directory_reads(const char *dir)
{
    char buf[64], line[128];
    struct iovec iov = { buf, sizeof buf };
    int fd = open(dir, O_RDONLY | O_DIRECTORY);
    snprintf(line, sizeof line, "read %s", dir);
    CHECK(line, read(fd, buf, sizeof buf));
    snprintf(line, sizeof line, "pread %s", dir);
    CHECK(line, pread(fd, buf, sizeof buf, 0));
    snprintf(line, sizeof line, "readv %s", dir);
    CHECK(line, readv(fd, &iov, 1));
    snprintf(line, sizeof line, "preadv %s", dir);
    CHECK(line, preadv(fd, &iov, 1, 0));
    snprintf(line, sizeof line, "mmap %s", dir);
    CHECK(line, mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 0) == MAP_FAILED ? -1 : 0);
    close(fd);
}

static void directories(void)
{
    mkdir("/data/made", 0755);
    const char *dirs[] = { "/data/nested", "/", "/tmp", "/data/made", "/proc", "/proc/self", NULL };
    for (int i = 0; dirs[i]; i++) directory_reads(dirs[i]);

    /* What a directory descriptor is for still works, after a read has failed. */
    char buf[4096];
    int fd = open("/data/nested", O_RDONLY | O_DIRECTORY);
    CHECK("read before getdents", read(fd, buf, sizeof buf));
    long n = syscall(SYS_getdents64, fd, buf, sizeof buf);
    printf("getdents64 lists entries: %s\n", n > 0 ? "yes" : errname(errno));
    printf("getdents64 at the end: %ld\n", syscall(SYS_getdents64, fd, buf, sizeof buf));
    CHECK("lseek back to the start", lseek(fd, 0, SEEK_SET));
    printf("getdents64 again: %s\n", syscall(SYS_getdents64, fd, buf, sizeof buf) == n ? "same count" : "differs");
    struct stat st;
    printf("fstat: %s\n", fstat(fd, &st) == 0 && S_ISDIR(st.st_mode) ? "a directory" : "not a directory");
    CHECK("openat relative to it", openat(fd, "top.txt", O_RDONLY));
    CHECK("fchdir to it", fchdir(fd));
    CHECK("open relative to the new cwd", open("a/sibling.txt", O_RDONLY));
    CHECK("write to it", write(fd, "x", 1));
    chdir("/");
    int path = open("/data/nested", O_PATH);
    CHECK("read an O_PATH directory descriptor", read(path, buf, sizeof buf));
    close(path);
    close(fd);
}

static void noatime_as_user(void)
{
    CHECK("user: open another's file O_NOATIME", open("/data/text.txt", O_RDONLY | O_NOATIME));
    CHECK("user: open another's unreadable file O_NOATIME", open("/tmp/secret", O_RDONLY | O_NOATIME));
    int mine = open("/tmp/mine", O_CREAT | O_WRONLY, 0644);
    CHECK("user: create own file", mine);
    close(mine);
    CHECK("user: open own file O_NOATIME", open("/tmp/mine", O_RDONLY | O_NOATIME));
    CHECK("user: open a directory of another's O_NOATIME", open("/data/nested", O_RDONLY | O_NOATIME));
}

static void noatime(void)
{
    close(open("/tmp/secret", O_CREAT | O_WRONLY, 0600));
    CHECK("root: open another's file O_NOATIME", open("/tmp/mine-not", O_CREAT | O_RDONLY | O_NOATIME, 0644));
    in_child(1, noatime_as_user);
    CHECK("root: open the user's file O_NOATIME", open("/tmp/mine", O_RDONLY | O_NOATIME));
}

static pid_t root_child;

static void signals_as_user(void)
{
    CHECK("user: kill another user's process", kill(root_child, SIGTERM));
    CHECK("user: kill 0 another user's process", kill(root_child, 0));
    CHECK("user: tkill another user's process", syscall(SYS_tkill, root_child, SIGTERM));
    CHECK("user: tgkill another user's process", syscall(SYS_tgkill, root_child, root_child, SIGTERM));
    union sigval v = { 0 };
    CHECK("user: sigqueue to another user's process", sigqueue(root_child, SIGTERM, v));
    int pidfd = (int)syscall(SYS_pidfd_open, root_child, 0);
    CHECK("user: pidfd_open another user's process", pidfd);
    CHECK("user: pidfd_send_signal to another user's process", syscall(SYS_pidfd_send_signal, pidfd, SIGTERM, NULL, 0));
    CHECK("user: SIGCONT to another user's process of the session", kill(root_child, SIGCONT));
    CHECK("user: kill itself with 0", kill(getpid(), 0));
    pid_t mine = sleeper();
    CHECK("user: kill its own child", kill(mine, SIGTERM));
    waitpid(mine, NULL, 0);
    CHECK("user: kill a pid that does not exist", kill(99999, 0));
}

static void signals(void)
{
    root_child = sleeper();
    in_child(1, signals_as_user);
    printf("root's child still runs: %s\n", waitpid(root_child, NULL, WNOHANG) == 0 ? "yes" : "no");
    CHECK("root: kill another user's process", kill(root_child, SIGTERM));
    int status;
    waitpid(root_child, &status, 0);
    printf("root's child: killed by %d\n", WIFSIGNALED(status) ? WTERMSIG(status) : -1);
}

static int bind_inet(int type, const char *addr, int port)
{
    int s = socket(AF_INET, type, 0);
    struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons((unsigned short)port) };
    inet_pton(AF_INET, addr, &sin.sin_addr);
    int r = bind(s, (struct sockaddr *)&sin, sizeof sin);
    int e = errno;
    close(s);
    errno = e;
    return r;
}

static void ports_as_user(void)
{
    CHECK("user: bind tcp 127.0.0.1:1023", bind_inet(SOCK_STREAM, "127.0.0.1", 1023));
    CHECK("user: bind udp 0.0.0.0:1", bind_inet(SOCK_DGRAM, "0.0.0.0", 1));
    CHECK("user: bind tcp 127.0.0.1:0", bind_inet(SOCK_STREAM, "127.0.0.1", 0));
    CHECK("user: bind tcp 192.0.2.1:80 (not local)", bind_inet(SOCK_STREAM, "192.0.2.1", 80));
    int s6 = socket(AF_INET6, SOCK_STREAM, 0);
    if (s6 >= 0) {
        struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6, .sin6_port = htons(1023), .sin6_addr = IN6ADDR_LOOPBACK_INIT };
        int r = bind(s6, (struct sockaddr *)&sin6, sizeof sin6);
        printf("user: bind tcp6 [::1]:1023: %s\n", r == 0 ? "ok" : errname(errno));
        close(s6);
    }
}

static void families(void)
{
    struct sockaddr_un sun = { .sun_family = AF_UNIX };
    strcpy(sun.sun_path, "/tmp/sock");
    int s = socket(AF_INET, SOCK_STREAM, 0);
    CHECK("bind AF_UNIX address on AF_INET socket", bind(s, (struct sockaddr *)&sun, sizeof sun));
    CHECK("bind short AF_UNIX address on AF_INET socket", bind(s, (struct sockaddr *)&sun, 4));
    CHECK("connect AF_UNIX address on AF_INET socket", connect(s, (struct sockaddr *)&sun, sizeof sun));
    close(s);
    s = socket(AF_INET, SOCK_DGRAM, 0);
    CHECK("sendto AF_UNIX address on AF_INET socket", sendto(s, "x", 1, 0, (struct sockaddr *)&sun, sizeof sun));
    close(s);
    struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(5000) };
    s = socket(AF_UNIX, SOCK_STREAM, 0);
    CHECK("bind AF_INET address on AF_UNIX socket", bind(s, (struct sockaddr *)&sin, sizeof sin));
    close(s);
    in_child(1, ports_as_user);
}

static void prctl_as_user(void)
{
    CHECK("user: PR_CAPBSET_READ CAP_MKNOD", prctl(PR_CAPBSET_READ, CAP_MKNOD, 0, 0, 0));
    CHECK("user: PR_CAPBSET_DROP CAP_MKNOD", prctl(PR_CAPBSET_DROP, CAP_MKNOD, 0, 0, 0));
    CHECK("user: PR_CAPBSET_DROP 999", prctl(PR_CAPBSET_DROP, 999, 0, 0, 0));
    CHECK("user: PR_SET_SECUREBITS SECBIT_KEEP_CAPS", prctl(PR_SET_SECUREBITS, 0x10, 0, 0, 0));
    CHECK("user: PR_SET_SECUREBITS 0", prctl(PR_SET_SECUREBITS, 0, 0, 0, 0));
    CHECK("user: PR_SET_KEEPCAPS", prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0));
}

static void prctl_as_root(void)
{
    printf("root: PR_CAPBSET_READ CAP_MKNOD: %d\n", prctl(PR_CAPBSET_READ, CAP_MKNOD, 0, 0, 0));
    CHECK("root: PR_CAPBSET_DROP CAP_MKNOD", prctl(PR_CAPBSET_DROP, CAP_MKNOD, 0, 0, 0));
    printf("root: PR_CAPBSET_READ CAP_MKNOD after the drop: %d\n", prctl(PR_CAPBSET_READ, CAP_MKNOD, 0, 0, 0));
    CHECK("root: PR_CAPBSET_DROP 999", prctl(PR_CAPBSET_DROP, 999, 0, 0, 0));
    CHECK("root: PR_SET_SECUREBITS SECBIT_KEEP_CAPS", prctl(PR_SET_SECUREBITS, 0x10, 0, 0, 0));
    printf("root: PR_GET_SECUREBITS: %d\n", prctl(PR_GET_SECUREBITS, 0, 0, 0, 0));
    CHECK("root: PR_SET_SECUREBITS an unknown bit", prctl(PR_SET_SECUREBITS, 0x10000, 0, 0, 0));

    /* Without CAP_SETPCAP in the effective set, root is refused too. */
    struct cap_header h = { 0x20080522 /* _LINUX_CAPABILITY_VERSION_3 */, 0 };
    struct cap_data d[2];
    syscall(SYS_capget, &h, d);
    d[0].effective &= ~(1u << CAP_SETPCAP);
    CHECK("root: capset without CAP_SETPCAP", syscall(SYS_capset, &h, d));
    CHECK("root without CAP_SETPCAP: PR_CAPBSET_DROP CAP_CHOWN", prctl(PR_CAPBSET_DROP, CAP_CHOWN, 0, 0, 0));
    CHECK("root without CAP_SETPCAP: PR_SET_SECUREBITS 0", prctl(PR_SET_SECUREBITS, 0, 0, 0, 0));
}

static void links(void)
{
    char buf[64];
    CHECK("readlink \"\"", readlink("", buf, sizeof buf));
    CHECK("readlink \"\" with size 0", readlink("", buf, 0));
    int dir = open("/data", O_RDONLY | O_DIRECTORY);
    CHECK("readlinkat a directory, \"\"", readlinkat(dir, "", buf, sizeof buf));
    int link = open("/data/links/rel", O_PATH | O_NOFOLLOW);
    ssize_t n = readlinkat(link, "", buf, sizeof buf);
    printf("readlinkat an O_PATH symlink, \"\": %s '%.*s'\n", n >= 0 ? "ok" : errname(errno), n > 0 ? (int)n : 0, buf);
    close(link);
    close(dir);
}

/* The first option of the mount at PATH, as /proc/self/mountinfo shows it: "ro" or "rw". */
static void mount_option(const char *path)
{
    FILE *f = fopen("/proc/self/mountinfo", "r");
    char line[1024], point[512], options[256], found[8] = "none";
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "%*d %*d %*s %*s %511s %255s", point, options) == 2 && strcmp(point, path) == 0)
            snprintf(found, sizeof found, "%.2s", options);
    if (f) fclose(f);
    printf("mountinfo %s: %s\n", path, found);
}

static void statvfs_flag(const char *path)
{
    struct statvfs v;
    if (statvfs(path, &v) != 0) printf("statvfs %s: %s\n", path, errname(errno));
    else printf("statvfs %s: %s\n", path, (v.f_flag & ST_RDONLY) ? "ST_RDONLY" : "writable");
}

/* Opens PATH with FLAGS and closes what it got. */
static long open_close(const char *path, int flags)
{
    int fd = open(path, flags, 0644);
    if (fd >= 0) close(fd);
    return fd;
}

/* A bind mount made read-only by a remount refuses every change through it, and only through it. */
static void mounts(void)
{
    mkdir("/tmp/mt", 0755);
    mkdir("/tmp/mt/a", 0755);
    mkdir("/tmp/mt/b", 0755);
    mkdir("/tmp/mt/c", 0755);
    close(open("/tmp/mt/a/f", O_CREAT | O_WRONLY, 0644));
    CHECK("bind /tmp/mt/a on /tmp/mt/b", mount("/tmp/mt/a", "/tmp/mt/b", NULL, MS_BIND, NULL));
    CHECK("the bind shows the file", access("/tmp/mt/b/f", F_OK));
    CHECK("link across the bind", link("/tmp/mt/a/f", "/tmp/mt/b/g"));
    CHECK("rename across the bind", rename("/tmp/mt/b/f", "/tmp/mt/a/g"));
    CHECK("remount the bind read-only", mount("none", "/tmp/mt/b", NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL));
    mount_option("/tmp/mt/b");
    statvfs_flag("/tmp/mt/b");
    statvfs_flag("/tmp/mt/a");
    CHECK("open through it for reading", open_close("/tmp/mt/b/f", O_RDONLY));
    CHECK("open through it for writing", open_close("/tmp/mt/b/f", O_WRONLY));
    CHECK("open through it O_TRUNC", open_close("/tmp/mt/b/f", O_RDONLY | O_TRUNC));
    CHECK("open a new name through it O_CREAT", open_close("/tmp/mt/b/new", O_CREAT | O_WRONLY));
    CHECK("open an existing name through it O_CREAT|O_EXCL", open_close("/tmp/mt/b/f", O_CREAT | O_EXCL | O_WRONLY));
    CHECK("mkdir through it", mkdir("/tmp/mt/b/d", 0755));
    CHECK("mkdir of an existing name through it", mkdir("/tmp/mt/b/f", 0755));
    CHECK("mkdir where the parent is missing", mkdir("/tmp/mt/b/no/d", 0755));
    CHECK("unlink through it", unlink("/tmp/mt/b/f"));
    CHECK("unlink a missing name through it", unlink("/tmp/mt/b/missing"));
    CHECK("rmdir of \".\" through it", rmdir("/tmp/mt/b/."));
    CHECK("rename within it", rename("/tmp/mt/b/f", "/tmp/mt/b/h"));
    CHECK("chmod through it", chmod("/tmp/mt/b/f", 0600));
    CHECK("chown through it", chown("/tmp/mt/b/f", 0, 0));
    CHECK("utimes through it", utimes("/tmp/mt/b/f", NULL));
    CHECK("truncate through it", truncate("/tmp/mt/b/f", 0));
    CHECK("truncate a missing name through it", truncate("/tmp/mt/b/missing", 0));
    CHECK("access W_OK through it", access("/tmp/mt/b/f", W_OK));
    CHECK("symlink through it", symlink("f", "/tmp/mt/b/s"));
    CHECK("mknod a FIFO through it", mknod("/tmp/mt/b/p", S_IFIFO | 0644, 0));
    CHECK("write the file by its own name", open_close("/tmp/mt/a/f", O_WRONLY));
    CHECK("mkdir by its own name", mkdir("/tmp/mt/a/d", 0755));
    CHECK("remount a directory that is no mount", mount("none", "/tmp/mt/c", NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL));
    CHECK("remount the bind writable", mount("none", "/tmp/mt/b", NULL, MS_REMOUNT | MS_BIND, NULL));
    mount_option("/tmp/mt/b");
    CHECK("open through it for writing again", open_close("/tmp/mt/b/f", O_WRONLY));
    CHECK("umount the bind", umount("/tmp/mt/b"));
    CHECK("the file is gone from there", access("/tmp/mt/b/f", F_OK));
    CHECK("mount a read-only tmpfs", mount("tmpfs", "/tmp/mt/c", "tmpfs", MS_RDONLY, NULL));
    mount_option("/tmp/mt/c");
    CHECK("mkdir in it", mkdir("/tmp/mt/c/d", 0755));
    CHECK("remount it writable", mount("tmpfs", "/tmp/mt/c", "tmpfs", MS_REMOUNT, NULL));
    CHECK("mkdir in it now", mkdir("/tmp/mt/c/d", 0755));
    CHECK("umount it", umount("/tmp/mt/c"));
}

static int fs_child(void *arg)
{
    (void)arg;
    chdir("/tmp");
    umask(077);
    return 0;
}

/* clone(CLONE_FS) shares the working directory and umask with the child; fork copies them. */
static void shared_fs(void)
{
    static char stack[64 * 1024];
    char cwd[256];
    chdir("/");
    pid_t pid = clone(fs_child, stack + sizeof stack, CLONE_FS | SIGCHLD, NULL);
    waitpid(pid, NULL, 0);
    mode_t mask = umask(022);
    printf("after a CLONE_FS child's chdir and umask: cwd %s, umask %03o\n", getcwd(cwd, sizeof cwd) ? cwd : "?", (unsigned)mask);
    chdir("/");
    if ((pid = fork()) == 0) {
        fs_child(NULL);
        _exit(0);
    }
    waitpid(pid, NULL, 0);
    mask = umask(022);
    printf("after a forked child's chdir and umask: cwd %s, umask %03o\n", getcwd(cwd, sizeof cwd) ? cwd : "?", (unsigned)mask);
}

static volatile sig_atomic_t xfsz;
static void on_xfsz(int sig) { (void)sig; xfsz++; }

static void file_size_limit(void)
{
    signal(SIGXFSZ, on_xfsz);
    int fd = open("/tmp/big", O_CREAT | O_RDWR | O_TRUNC, 0644);
    char block[8192] = { 0 };
    if (write(fd, block, sizeof block) != (ssize_t)sizeof block) printf("write: %s\n", errname(errno));
    struct rlimit limit = { 4096, 4096 };
    CHECK("setrlimit RLIMIT_FSIZE 4096", setrlimit(RLIMIT_FSIZE, &limit));
    CHECK("truncate a bigger file down, past the limit", truncate("/tmp/big", 6000));
    printf("SIGXFSZ so far: %d\n", (int)xfsz);
    CHECK("truncate up past the limit", truncate("/tmp/big", 8192));
    printf("SIGXFSZ so far: %d\n", (int)xfsz);
    CHECK("ftruncate up past the limit", ftruncate(fd, 8192));
    printf("SIGXFSZ so far: %d\n", (int)xfsz);
    CHECK("truncate to the limit", truncate("/tmp/big", 4096));
    CHECK("truncate an image file up past the limit", truncate("/data/words", 5000));
    printf("SIGXFSZ so far: %d\n", (int)xfsz);
    CHECK("pwrite past the limit", pwrite(fd, "x", 1, 5000));
    printf("SIGXFSZ so far: %d\n", (int)xfsz);
    int ro = open("/tmp/big", O_RDONLY);
    CHECK("ftruncate a read-only descriptor up past the limit", ftruncate(ro, 8192));
    printf("SIGXFSZ so far: %d\n", (int)xfsz);
    close(ro);
    close(fd);
}

/* Runs PROGRAM with ARG in a child: "ok" and its status, or the errno execve gave. */
static void try_exec(const char *what, const char *program, const char *arg)
{
    int p[2];
    pipe(p);
    pid_t pid = fork();
    if (pid == 0) {
        close(p[0]);
        execl(program, arg, (char *)NULL);
        int e = errno;
        if (write(p[1], &e, sizeof e) != sizeof e) _exit(126);
        _exit(127);
    }
    close(p[1]);
    int e = 0, status;
    ssize_t n = read(p[0], &e, sizeof e);
    close(p[0]);
    waitpid(pid, &status, 0);
    if (n == sizeof e) printf("%s: %s\n", what, errname(e));
    else printf("%s: ok, exit %d\n", what, WEXITSTATUS(status));
}

static void text_busy_in(const char *prog)
{
    char line[128];
    copy_file("/bin/busybox", prog);
    int w = open(prog, O_WRONLY);
    snprintf(line, sizeof line, "execve %s while open for writing", prog);
    try_exec(line, prog, "true");
    close(w);
    snprintf(line, sizeof line, "execve %s once closed", prog);
    try_exec(line, prog, "true");

    /* A program being executed: its exec closed the close-on-exec pipe, so it runs when the read returns. */
    int p[2];
    pipe2(p, O_CLOEXEC);
    pid_t pid = fork();
    if (pid == 0) {
        execl(prog, "sleep", "30", (char *)NULL);
        _exit(127);
    }
    close(p[1]);
    char c;
    if (read(p[0], &c, 1) != 0) printf("the pipe did not close\n");
    close(p[0]);
    snprintf(line, sizeof line, "open %s O_WRONLY while it runs", prog);
    CHECK(line, opened(open(prog, O_WRONLY)));
    snprintf(line, sizeof line, "open %s O_RDWR|O_TRUNC while it runs", prog);
    CHECK(line, opened(open(prog, O_RDWR | O_TRUNC)));
    snprintf(line, sizeof line, "open %s O_RDONLY while it runs", prog);
    CHECK(line, opened(open(prog, O_RDONLY)));
    snprintf(line, sizeof line, "truncate %s while it runs", prog);
    CHECK(line, truncate(prog, 0));
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    snprintf(line, sizeof line, "open %s O_WRONLY once it ended", prog);
    CHECK(line, opened(open(prog, O_WRONLY)));
}

static void text_busy(void)
{
    text_busy_in("/data/prog");
    text_busy_in("/tmp/prog");

    /* A script open for writing, by the process that executes it (close-on-exec or not). */
    int fd = open("/tmp/script.sh", O_CREAT | O_WRONLY | O_TRUNC | O_CLOEXEC, 0755);
    if (write(fd, "#!/bin/sh\nexit 4\n", 17) != 17) printf("write: %s\n", errname(errno));
    try_exec("execve a script open for writing", "/tmp/script.sh", "script");
    close(fd);
    try_exec("execve the script once closed", "/tmp/script.sh", "script");
    CHECK("open the program running now for writing", opened(open(self, O_WRONLY)));
    CHECK("open a program no one runs for writing", opened(open("/bin/busybox", O_WRONLY)));
}

static void clocks_as_user(void)
{
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    CHECK("user: clock_settime CLOCK_REALTIME", clock_settime(CLOCK_REALTIME, &now));
    struct timeval tv = { now.tv_sec, 0 };
    CHECK("user: settimeofday", settimeofday(&tv, NULL));
}

static void *spin(void *arg)
{
    struct timespec t;
    do clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t); while (t.tv_nsec < 30000000 && t.tv_sec == 0);
    return arg;
}

static void clocks(void)
{
    struct timespec now, bad = { 0, 2000000000 };
    clock_gettime(CLOCK_REALTIME, &now);
    CHECK("clock_settime CLOCK_REALTIME, tv_nsec out of range", clock_settime(CLOCK_REALTIME, &bad));
    CHECK("clock_settime CLOCK_MONOTONIC", clock_settime(CLOCK_MONOTONIC, &now));
    CHECK("clock_settime clock 99", clock_settime(99, &now));
    in_child(1, clocks_as_user);

    clockid_t clock;
    struct timespec t;
    pthread_t thread;
    pthread_create(&thread, NULL, spin, NULL);
    printf("pthread_getcpuclockid: %s\n", errname(pthread_getcpuclockid(thread, &clock)));
    pthread_join(thread, NULL); /* a finished thread's clock is gone: read it while it runs instead */
    pthread_create(&thread, NULL, spin, NULL);
    pthread_getcpuclockid(thread, &clock);
    CHECK("clock_gettime of a thread's clock", clock_gettime(clock, &t));
    CHECK("clock_getres of a thread's clock", clock_getres(clock, &t));
    pthread_join(thread, NULL);
    printf("clock_getcpuclockid of itself: %s\n", errname(clock_getcpuclockid(getpid(), &clock)));
    CHECK("clock_gettime of its own process clock", clock_gettime(clock, &t));
    pid_t child = sleeper();
    printf("clock_getcpuclockid of a child: %s\n", errname(clock_getcpuclockid(child, &clock)));
    CHECK("clock_gettime of a child's process clock", clock_gettime(clock, &t));
    kill(child, SIGKILL);
    waitpid(child, NULL, 0);
    printf("clock_getcpuclockid of a pid that does not exist: %s\n", errname(clock_getcpuclockid(99999, &clock)));
    CHECK("clock_gettime of a process clock of a pid that does not exist", clock_gettime(clock, &t));
    clockid_t thread_of_child = (clockid_t)((~(unsigned)child << 3) | 4 | 2);
    CHECK("clock_gettime of a thread clock of another process", clock_gettime(thread_of_child, &t));
    CHECK("clock_settime of its own process clock", clock_settime(CLOCK_PROCESS_CPUTIME_ID, &now));
}

static void missing_pids(void)
{
    cpu_set_t set;
    CPU_ZERO(&set);
    sched_getaffinity(0, sizeof set, &set);
    struct rlimit r;
    CHECK("sched_getaffinity of a pid that does not exist", sched_getaffinity(99999, sizeof set, &set));
    CHECK("sched_setaffinity of a pid that does not exist", sched_setaffinity(99999, sizeof set, &set));
    CHECK("prlimit of a pid that does not exist", prlimit(99999, RLIMIT_NOFILE, NULL, &r));
    CHECK("sched_getaffinity of pid -5", syscall(SYS_sched_getaffinity, -5, sizeof set, &set));
    CHECK("sched_setaffinity of pid -5", syscall(SYS_sched_setaffinity, -5, sizeof set, &set));
    CHECK("prlimit of pid -5", prlimit(-5, RLIMIT_NOFILE, NULL, &r));
    CHECK("sched_getaffinity of a missing pid, too small a mask", syscall(SYS_sched_getaffinity, 99999, 1, &set));
    struct sched_param param;
    CHECK("sched_getparam of a pid that does not exist", sched_getparam(99999, &param));
    CHECK("sched_getparam of pid -5", sched_getparam(-5, &param));
    CHECK("sched_getscheduler of pid -5", sched_getscheduler(-5));
    CHECK("getpgid of pid -5", getpgid(-5));
    CHECK("getsid of a pid that does not exist", getsid(99999));
    CHECK("getpriority of a pid that does not exist", getpriority(PRIO_PROCESS, 99999));
}

static void terminals(void)
{
    int file = open("/data/text.txt", O_RDONLY);
    CHECK("tcsetpgrp on a descriptor that is not open", tcsetpgrp(987, getpgrp()));
    CHECK("tcsetpgrp on a regular file", tcsetpgrp(file, getpgrp()));
    CHECK("tcsetpgrp on a regular file, a group that does not exist", tcsetpgrp(file, 99999));
    CHECK("tcgetpgrp on a descriptor that is not open", tcgetpgrp(987));
    CHECK("tcgetpgrp on a regular file", tcgetpgrp(file));
    close(file);
}

static void proc_pidfds(void)
{
    char path[64];
    pid_t child = sleeper();
    snprintf(path, sizeof path, "/proc/%d", (int)child);
    int dir = open(path, O_RDONLY | O_DIRECTORY);
    CHECK("open /proc/PID", dir);
    CHECK("pidfd_send_signal 0 to a /proc/PID descriptor", syscall(SYS_pidfd_send_signal, dir, 0, NULL, 0));
    CHECK("pidfd_send_signal SIGTERM to a /proc/PID descriptor", syscall(SYS_pidfd_send_signal, dir, SIGTERM, NULL, 0));
    int status = reap_within_seconds(child, 5);
    printf("child: killed by %d\n", WIFSIGNALED(status) ? WTERMSIG(status) : -1);
    CHECK("pidfd_send_signal to a /proc/PID of a reaped child", syscall(SYS_pidfd_send_signal, dir, SIGTERM, NULL, 0));
    close(dir);
    int self_dir = open("/proc/self", O_RDONLY | O_DIRECTORY);
    CHECK("pidfd_send_signal 0 to /proc/self", syscall(SYS_pidfd_send_signal, self_dir, 0, NULL, 0));
    close(self_dir);
    int task = open("/proc/self/task", O_RDONLY | O_DIRECTORY);
    CHECK("pidfd_send_signal 0 to /proc/self/task", syscall(SYS_pidfd_send_signal, task, 0, NULL, 0));
    close(task);
    int file = open("/data/text.txt", O_RDONLY);
    CHECK("pidfd_send_signal 0 to a regular file", syscall(SYS_pidfd_send_signal, file, 0, NULL, 0));
    close(file);
}

/* F_GETLK names the holder of a conflicting lock by pid: the parent's, as the child knows it. */
static void lock_holder(void)
{
    int fd = open("/tmp/corners-lock", O_RDWR | O_CREAT | O_TRUNC, 0644);
    struct flock lock = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 10 };
    CHECK("F_SETLK a write lock", fcntl(fd, F_SETLK, &lock));
    pid_t child = fork();
    if (child == 0) {
        struct flock probe = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 1 };
        int r = fcntl(fd, F_GETLK, &probe);
        printf("F_GETLK from a child: %s, type %s, holder is the parent: %s\n", r < 0 ? errname(errno) : "ok",
               probe.l_type == F_WRLCK ? "F_WRLCK" : "other", probe.l_pid == getppid() ? "yes" : "no");
        struct flock ofd = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 1 };
        r = fcntl(fd, F_OFD_GETLK, &ofd);
        printf("F_OFD_GETLK from a child: %s, type %s\n", r < 0 ? errname(errno) : "ok", ofd.l_type == F_UNLCK ? "F_UNLCK" : "other");
        _exit(0);
    }
    waitpid(child, NULL, 0);
    close(fd);
    unlink("/tmp/corners-lock");
}

/* One byte received with its control messages; how it went and whether SCM_CREDENTIALS named `sender` as uid/gid 1000. */
static void received(const char *how, int fd, pid_t sender, int many)
{
    char byte, control[CMSG_SPACE(sizeof(struct ucred))];
    struct iovec v = { &byte, 1 };
    struct mmsghdr mm = { .msg_hdr = { .msg_iov = &v, .msg_iovlen = 1, .msg_control = control, .msg_controllen = sizeof control } };
    int r = many ? (int)syscall(SYS_recvmmsg, fd, &mm, 1, 0, NULL) : (int)recvmsg(fd, &mm.msg_hdr, 0);
    struct cmsghdr *c = r < 0 ? NULL : CMSG_FIRSTHDR(&mm.msg_hdr);
    if (c == NULL || c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_CREDENTIALS) {
        printf("%s: %s, no credentials\n", how, r < 0 ? errname(errno) : "ok");
        return;
    }
    struct ucred u;
    memcpy(&u, CMSG_DATA(c), sizeof u);
    printf("%s: ok, pid is the sender: %s, uid %u, gid %u\n", how, u.pid == sender ? "yes" : "no", u.uid, u.gid);
}

/* SCM_CREDENTIALS name the sending process as the receiver knows it, however the message went: write and sendmsg on
 * a socketpair, sendto with an address on a bound datagram socket, received by recvmsg and by recvmmsg. */
static void passed_credentials(void)
{
    int pair[2], one = 1;
    CHECK("socketpair", socketpair(AF_UNIX, SOCK_STREAM, 0, pair));
    struct sockaddr_un a = { .sun_family = AF_UNIX, .sun_path = "/tmp/corners-credentials" };
    unlink(a.sun_path);
    int dgram = socket(AF_UNIX, SOCK_DGRAM, 0);
    CHECK("bind a datagram socket", bind(dgram, (struct sockaddr *)&a, sizeof a));
    chmod(a.sun_path, 0777);
    CHECK("SO_PASSCRED on a stream socket", setsockopt(pair[0], SOL_SOCKET, SO_PASSCRED, &one, sizeof one));
    CHECK("SO_PASSCRED on a datagram socket", setsockopt(dgram, SOL_SOCKET, SO_PASSCRED, &one, sizeof one));
    pid_t child = fork();
    if (child == 0) {
        if (setgroups(0, NULL) != 0 || setresgid(1000, 1000, 1000) != 0 || setresuid(1000, 1000, 1000) != 0) _exit(1);
        struct iovec v = { "m", 1 };
        struct msghdr m = { .msg_iov = &v, .msg_iovlen = 1 };
        int s = socket(AF_UNIX, SOCK_DGRAM, 0);
        if (write(pair[1], "w", 1) != 1 || sendmsg(pair[1], &m, 0) != 1 ||
            sendto(s, "t", 1, 0, (struct sockaddr *)&a, sizeof a) != 1 || sendto(s, "u", 1, 0, (struct sockaddr *)&a, sizeof a) != 1)
            printf("a send failed: %s\n", errname(errno));
        _exit(0);
    }
    received("credentials of a write, by recvmsg", pair[0], child, 0);
    received("credentials of a sendmsg, by recvmmsg", pair[0], child, 1);
    received("credentials of a sendto with an address, by recvmsg", dgram, child, 0);
    received("credentials of a sendto with an address, by recvmmsg", dgram, child, 1);
    waitpid(child, NULL, 0);
    close(pair[0]);
    close(pair[1]);
    close(dgram);
    unlink(a.sun_path);
}

/* The sender's address a datagram arrives with, as recvfrom and recvmsg give it, and a reply sent back to it. */
static void sender_addresses(const char *how, struct sockaddr_un *a, socklen_t alen, struct sockaddr_un *b, socklen_t blen)
{
    int sa = socket(AF_UNIX, SOCK_DGRAM, 0), sb = socket(AF_UNIX, SOCK_DGRAM, 0);
    if (bind(sa, (struct sockaddr *)a, alen) != 0 || bind(sb, (struct sockaddr *)b, blen) != 0) {
        printf("%s: bind: %s\n", how, errname(errno));
        return;
    }
    char byte;
    struct sockaddr_un from;
    socklen_t flen = sizeof from;
    sendto(sb, "q", 1, 0, (struct sockaddr *)a, alen);
    int r = (int)recvfrom(sa, &byte, 1, 0, (struct sockaddr *)&from, &flen);
    printf("%s: recvfrom %s, sender's address length %d, path '%s'\n", how, r == 1 ? "ok" : errname(errno), (int)flen,
           from.sun_path[0] ? from.sun_path : from.sun_path + 1);
    int replied = (int)sendto(sa, "r", 1, 0, (struct sockaddr *)&from, flen);
    printf("%s: a reply to that address: %s, received: %s\n", how, replied == 1 ? "ok" : errname(errno),
           recv(sb, &byte, 1, MSG_DONTWAIT) == 1 && byte == 'r' ? "yes" : "no");
    /* recvmsg with a name buffer */
    sendto(sb, "q", 1, 0, (struct sockaddr *)a, alen);
    struct iovec v = { &byte, 1 };
    struct msghdr m = { .msg_name = &from, .msg_namelen = sizeof from, .msg_iov = &v, .msg_iovlen = 1 };
    memset(&from, 0, sizeof from);
    r = (int)recvmsg(sa, &m, 0);
    printf("%s: recvmsg %s, sender's address length %d, path '%s'\n", how, r == 1 ? "ok" : errname(errno), (int)m.msg_namelen,
           from.sun_path[0] ? from.sun_path : from.sun_path + 1);
    close(sa);
    close(sb);
}

static void received_addresses(void)
{
    struct sockaddr_un a = { .sun_family = AF_UNIX, .sun_path = "/tmp/corners-a" }, b = { .sun_family = AF_UNIX, .sun_path = "/tmp/corners-b" };
    unlink(a.sun_path);
    unlink(b.sun_path);
    sender_addresses("paths", &a, sizeof a, &b, sizeof b);
    unlink(a.sun_path);
    unlink(b.sun_path);
    struct sockaddr_un x = { .sun_family = AF_UNIX }, y = { .sun_family = AF_UNIX };
    memcpy(x.sun_path, "\0corners-x", 10);
    memcpy(y.sun_path, "\0corners-y", 10);
    sender_addresses("abstract names", &x, offsetof(struct sockaddr_un, sun_path) + 10, &y, offsetof(struct sockaddr_un, sun_path) + 10);
}

/* An mtime set in the future (utimensat) is no change of the bytes: ctime is the time of the call, as after a write. */
static void future_mtime(void)
{
    int fd = open("/tmp/corners-future", O_CREAT | O_RDWR | O_TRUNC, 0644);
    if (fd < 0 || write(fd, "x", 1) != 1) { printf("future mtime: %s\n", errname(errno)); return; }
    struct timespec times[2] = { { 4000000000L, 0 }, { 4000000000L, 0 } };
    CHECK("utimensat to the year 2096", futimens(fd, times));
    struct stat st;
    fstat(fd, &st);
    time_t now = time(NULL); /* a coarse clock, which may lag a file time by a tick: a second is allowed */
    printf("mtime as set: %s; ctime is now, not the mtime: %s\n", st.st_mtime == 4000000000L ? "yes" : "no",
           st.st_ctime <= now + 1 && st.st_ctime > now - 60 ? "yes" : "no");
    if (write(fd, "y", 1) == 1 && fstat(fd, &st) == 0)
        printf("after a write, mtime and ctime are now: %s\n", st.st_mtime <= now + 1 && st.st_ctime <= now + 1 && st.st_ctime > now - 60 ? "yes" : "no");
    close(fd);
    unlink("/tmp/corners-future");
}

/* The value in /proc/PID/oom_score_adj, or the errno of reading it. */
static void show_oom_score_adj(const char *when, const char *path)
{
    char text[32] = "";
    FILE *f = fopen(path, "r");
    if (f == NULL || fgets(text, sizeof text, f) == NULL) printf("%s: %s\n", when, errname(errno));
    else printf("%s: %s", when, text);
    if (f) fclose(f);
}

/* One write as LTP's library and a shell make it: fopen "w", fprintf, fclose; the errno of each step. */
static void write_oom_score_adj(const char *path, int value)
{
    FILE *f = fopen(path, "w");
    if (f == NULL) { printf("open %s for writing: %s\n", path, errname(errno)); return; }
    int printed = fprintf(f, "%d", value);
    int closed = fclose(f);
    printf("write %d: %s\n", value, printed > 0 && closed == 0 ? "ok" : errname(errno));
}

/* Values only go up here: lowering one needs CAP_SYS_RESOURCE of the host's first user namespace, which the native run
 * (in a user namespace of its own) lacks, while the guest's root has the guest's. */
static void oom_score_adj(void)
{
    show_oom_score_adj("oom_score_adj at first", "/proc/self/oom_score_adj");
    write_oom_score_adj("/proc/self/oom_score_adj", 100);
    show_oom_score_adj("after writing 100", "/proc/self/oom_score_adj");
    pid_t child = fork();
    if (child == 0) {
        show_oom_score_adj("a child's, inherited", "/proc/self/oom_score_adj");
        write_oom_score_adj("/proc/self/oom_score_adj", 500);
        show_oom_score_adj("the child's after writing 500", "/proc/self/oom_score_adj");
        _exit(0);
    }
    waitpid(child, NULL, 0);
    show_oom_score_adj("the parent's, unchanged", "/proc/self/oom_score_adj");
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/oom_score_adj", (int)getpid());
    write_oom_score_adj(path, 200);
    show_oom_score_adj("after writing 200 by pid", "/proc/self/oom_score_adj");
    /* As a shell's echo writes it: a line, through O_TRUNC. */
    int fd = open("/proc/self/oom_score_adj", O_WRONLY | O_TRUNC);
    printf("write a line: %s\n", fd >= 0 && write(fd, "420\n", 4) == 4 ? "ok" : errname(errno));
    if (fd >= 0) close(fd);
    show_oom_score_adj("after the line 420", "/proc/self/oom_score_adj");
}

static void descriptor_limit(void)
{
    for (int fd = 3; fd < 1024; fd++) close(fd);
    /* Below the hard limit, which the kernel may need to pass for a moment for an exec (without CAP_SYS_RESOURCE). */
    struct rlimit limit = { 16, 64 };
    CHECK("setrlimit RLIMIT_NOFILE 16", setrlimit(RLIMIT_NOFILE, &limit));
    int opened = 0;
    while (open("/data/text.txt", O_RDONLY) >= 0) opened++;
    printf("opens until the limit: %d, then %s\n", opened, errname(errno));
    int p[2], s[2];
    CHECK("open a directory at the limit", open("/data", O_RDONLY | O_DIRECTORY));
    CHECK("open /proc/self/status at the limit", open("/proc/self/status", O_RDONLY));
    CHECK("open O_PATH at the limit", open("/data", O_PATH));
    CHECK("open O_CREAT at the limit", open("/tmp/new-at-limit", O_CREAT | O_WRONLY, 0644));
    CHECK("dup at the limit", dup(0));
    CHECK("pipe at the limit", pipe(p));
    CHECK("socket at the limit", socket(AF_UNIX, SOCK_STREAM, 0));
    CHECK("socketpair at the limit", socketpair(AF_UNIX, SOCK_STREAM, 0, s));
    CHECK("memfd_create at the limit", memfd_create("x", 0));
    CHECK("pidfd_open at the limit", syscall(SYS_pidfd_open, getpid(), 0));
    CHECK("dup2 past the limit", dup2(0, 20));
    CHECK("fcntl F_DUPFD past the limit", fcntl(0, F_DUPFD, 20));
    /* exec needs no descriptor of the caller's, so a full table does not stop it. */
    pid_t pid = fork();
    if (pid == 0) {
        execl("/bin/busybox", "true", (char *)NULL);
        printf("execve at the limit: %s\n", errname(errno));
        _exit(127);
    }
    int status;
    waitpid(pid, &status, 0);
    printf("execve at the limit: exit %d\n", WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
}

int main(int argc, char **argv)
{
    (void)argc;
    self = argv[0];
    setvbuf(stdout, NULL, _IONBF, 0); /* children print too; nothing may wait in a buffer across fork */
    directories();
    noatime();
    signals();
    families();
    in_child(0, prctl_as_root);
    in_child(1, prctl_as_user);
    links();
    mounts();
    shared_fs();
    in_child(0, file_size_limit);
    text_busy();
    clocks();
    missing_pids();
    terminals();
    proc_pidfds();
    lock_holder();
    passed_credentials();
    received_addresses();
    future_mtime();
    oom_score_adj();
    in_child(0, descriptor_limit);
    return 0;
}
