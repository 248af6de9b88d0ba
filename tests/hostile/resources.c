/* resources: a guest cannot exhaust the kernel's disk, tasks or descriptors.

   mode=disk (run with --disk-size LIMIT): writing 256 MiB to /tmp and to the overlay root fails with ENOSPC
   within the limit, and so do fallocate and ftruncate past it; afterwards, with the files removed, the guest
   keeps working (files, directories, exec). Parameter: limit_mib= (the --disk-size in MiB).
   mode=forkbomb (run with --pids-limit N): every process forks as fast as it can (at most cap= tasks in all, so
   a missing limit cannot hurt the machine); fork must fail with EAGAIN near N, and so must vfork and
   pthread_create while the bomb holds the limit; then the bomb ends and fork works again. Parameter: limit=.
   mode=manyfiles: creates count= files (in files_dir=, default /tmp/many), opens and reads each of them, then
   opens as many at once as the guest's own RLIMIT_NOFILE allows (raised to its hard limit), and checks an open,
   an opendir and an exec work while they are open and after. */
#include "hostile.h"
#include <dirent.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>

#define MIB (1024L * 1024L)

static int run_true(void)
{
    fflush(stdout);
    pid_t p = fork();
    if (p == 0) {
        char *args[] = {"true", NULL};
        execve("/bin/true", args, args + 1);
        _exit(99);
    }
    if (p < 0) return -errno;
    int status;
    waitpid(p, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* A small file written and read back, a directory listed, a program run. */
static void still_works(const char *check, const char *dir)
{
    char path[256], buf[64] = "";
    snprintf(path, sizeof path, "%s/small", dir);
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
    ssize_t w = fd >= 0 ? write(fd, "still works\n", 12) : -1;
    ssize_t r = fd >= 0 ? pread(fd, buf, sizeof buf - 1, 0) : -1;
    int e = errno;
    if (fd >= 0) close(fd);
    unlink(path);
    DIR *d = opendir(dir);
    int entries = 0;
    if (d) {
        while (readdir(d)) entries++;
        closedir(d);
    }
    int status = run_true();
    expect(fd >= 0 && w == 12 && r == 12 && d && status == 0, check, "small file in %s: %s; opendir %s: %d entries; /bin/true: status %d",
           dir, fd < 0 || w != 12 || r != 12 ? errname(e) : "written and read", dir, entries, status);
}

static void fill(const char *check, const char *path, long limit_mib)
{
    static char chunk[MIB];
    memset(chunk, 'f', sizeof chunk);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) {
        escaped(check, "open %s: %s", path, errname(errno));
        return;
    }
    long total = 0;
    int e = 0;
    double start = now_seconds();
    while (total < 256 * MIB) {
        ssize_t n = write(fd, chunk, sizeof chunk);
        if (n < 0) { e = errno; break; }
        total += n;
        if (n < (ssize_t)sizeof chunk) {
            /* a short write at the limit; the next one says why */
            n = write(fd, chunk, sizeof chunk);
            if (n < 0) { e = errno; break; }
            total += n;
        }
    }
    if (e == 0 && fsync(fd) != 0) e = errno;
    int c = close(fd);
    if (e == 0 && c != 0) e = errno;
    info("%s: wrote %ld MiB (%ld bytes) to %s in %.1f s, then %s", check, total / MIB, total, path, now_seconds() - start, errname(e));
    expect(e == ENOSPC && total <= limit_mib * MIB, check, "%ld bytes written (the limit is %ld MiB), then %s", total, limit_mib, errname(e));
    unlink(path);
}

static void past_the_limit(const char *check, const char *path, long limit_mib)
{
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) {
        escaped(check, "open %s: %s", path, errname(errno));
        return;
    }
    char name[96];
    errno = 0;
    int r = fallocate(fd, 0, 0, 256 * MIB);
    snprintf(name, sizeof name, "%s_fallocate", check);
    expect(r != 0 && errno == ENOSPC, name, "fallocate(256 MiB) with a %ld MiB limit: %s", limit_mib, r == 0 ? "ok" : errname(errno));
    errno = 0;
    r = ftruncate(fd, 256 * MIB);
    snprintf(name, sizeof name, "%s_ftruncate", check);
    expect(r != 0 && errno == ENOSPC, name, "ftruncate(256 MiB) with a %ld MiB limit: %s", limit_mib, r == 0 ? "ok" : errname(errno));
    close(fd);
    unlink(path);
}

static int disk(void)
{
    long limit = arg_num("limit_mib", 64);
    fill("disk_tmp_enospc", "/tmp/fill", limit);
    still_works("disk_tmp_still_works", "/tmp");
    fill("disk_root_enospc", "/fill", limit);
    still_works("disk_root_still_works", "/");
    past_the_limit("disk_tmp", "/tmp/big", limit);
    past_the_limit("disk_root", "/big", limit);
    fill("disk_tmp_enospc_again", "/tmp/fill", limit); /* the space came back when the files went */
    still_works("disk_finally_still_works", "/tmp");
    return hostile_finish();
}

/* ---- the fork bomb ---- */

struct bomb {
    volatile long tasks, eagain, other, last_errno;
    volatile int release;
};
static struct bomb *B;

static void bomber(long cap)
{
    long children = 0;
    while (!B->release) {
        if (__atomic_load_n(&B->tasks, __ATOMIC_SEQ_CST) >= cap) {
            usleep(5000);
            continue;
        }
        pid_t p = fork();
        if (p == 0) {
            children = 0;
            continue;
        }
        if (p > 0) {
            __atomic_add_fetch(&B->tasks, 1, __ATOMIC_SEQ_CST);
            children++;
        } else {
            if (errno == EAGAIN) __atomic_add_fetch(&B->eagain, 1, __ATOMIC_SEQ_CST);
            else { __atomic_add_fetch(&B->other, 1, __ATOMIC_SEQ_CST); B->last_errno = errno; }
            usleep(2000);
        }
    }
    while (children > 0 && wait(NULL) > 0) children--;
    _exit(0);
}

static void *idle_thread(void *arg) { (void)arg; return NULL; }

static int forkbomb(void)
{
    long limit = arg_num("limit", 64), cap = arg_num("cap", 300);
    B = mmap(NULL, sizeof *B, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    double start = now_seconds();
    B->tasks = 1; /* the first bomber, about to be made */
    fflush(stdout);
    pid_t first = fork();
    if (first == 0) bomber(cap);
    /* wait until the bomb is stuck at the limit (EAGAIN seen and the count steady) or the cap is reached */
    long last = -1;
    int steady = 0;
    while (now_seconds() - start < 60 && B->tasks < cap && steady < 10) {
        usleep(100000);
        if (B->eagain > 0 && B->tasks == last) steady++;
        else steady = 0;
        last = B->tasks;
    }
    long tasks = B->tasks;
    info("fork bomb: %ld tasks made, %ld EAGAIN, %ld other failures (last %s) in %.1f s", tasks, B->eagain, B->other,
         B->last_errno ? errname((int)B->last_errno) : "-", now_seconds() - start);
    /* no bomb process exits before the release, so TASKS of them (and pid 1) were alive at once */
    if (B->eagain == 0) escaped("forkbomb_eagain", "%ld tasks and no EAGAIN (--pids-limit %ld)", tasks + 1, limit);
    else expect(tasks + 1 <= limit, "forkbomb_eagain", "EAGAIN with %ld tasks alive at once (pid 1 and %ld made by the bomb), the limit is %ld",
                tasks + 1, tasks, limit);

    if (B->eagain > 0) {
        /* the bomb holds the limit: nothing else can be made either */
        errno = 0;
        pid_t p = fork();
        if (p == 0) _exit(0);
        int e = errno;
        if (p > 0) waitpid(p, NULL, 0);
        expect(p < 0 && e == EAGAIN, "forkbomb_fork_at_limit", "fork: %s", p < 0 ? errname(e) : "made a child");
        errno = 0;
        p = vfork();
        if (p == 0) _exit(0);
        e = errno;
        if (p > 0) waitpid(p, NULL, 0);
        expect(p < 0 && e == EAGAIN, "forkbomb_vfork_at_limit", "vfork: %s", p < 0 ? errname(e) : "made a child");
        pthread_t t;
        int r = pthread_create(&t, NULL, idle_thread, NULL);
        if (r == 0) pthread_join(t, NULL);
        expect(r == EAGAIN, "forkbomb_thread_at_limit", "pthread_create: %s", r ? errname(r) : "made a thread");
    }

    /* end the bomb; every process reaps its own children */
    B->release = 1;
    int status;
    while (waitpid(-1, &status, 0) > 0) { }
    usleep(200000);
    int status_true = run_true();
    expect(status_true == 0, "forkbomb_over_fork_works", "fork+exec /bin/true after the bomb: %d", status_true);
    info("the bomb was over after %.1f s", now_seconds() - start);
    return hostile_finish();
}

/* ---- many files ---- */

static int manyfiles(void)
{
    long count = arg_num("count", 200000);
    const char *dir = arg_or("files_dir", "/tmp/many");
    struct rlimit rl;
    getrlimit(RLIMIT_NOFILE, &rl);
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
    getrlimit(RLIMIT_NOFILE, &rl);
    info("RLIMIT_NOFILE %lu/%lu", (unsigned long)rl.rlim_cur, (unsigned long)rl.rlim_max);
    mkdir(dir, 0755);
    char path[256];
    double start = now_seconds();
    long made = 0;
    int e = 0;
    for (long i = 0; i < count; i++) {
        snprintf(path, sizeof path, "%s/f%ld", dir, i);
        int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        if (fd < 0) { e = errno; break; }
        if (write(fd, "x", 1) != 1) { e = errno; close(fd); break; }
        close(fd);
        made++;
    }
    info("created %ld files in %s in %.1f s%s%s", made, dir, now_seconds() - start, e ? ", then " : "", e ? errname(e) : "");
    expect(made == count, "manyfiles_create", "%ld of %ld files created%s%s", made, count, e ? ", then " : "", e ? errname(e) : "");

    /* each one opened and read back */
    long reopened = 0;
    e = 0;
    start = now_seconds();
    for (long i = 0; i < made; i++) {
        snprintf(path, sizeof path, "%s/f%ld", dir, i);
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        char c = 0;
        if (fd < 0) { e = errno; break; }
        ssize_t n = read(fd, &c, 1);
        close(fd);
        if (n != 1 || c != 'x') { e = EIO; break; }
        reopened++;
    }
    info("opened and read each of the %ld files in %.1f s%s%s", reopened, now_seconds() - start, e ? ", then " : "", e ? errname(e) : "");
    expect(reopened == made && made > 0, "manyfiles_open_each", "%ld of %ld files opened and read%s%s", reopened, made, e ? ", then " : "", e ? errname(e) : "");

    long room = (long)rl.rlim_cur - 64;
    long want = made < room ? made : room;
    int *fds = calloc((size_t)(want > 0 ? want : 1), sizeof *fds);
    long held_open = 0;
    e = 0;
    start = now_seconds();
    for (long i = 0; i < want; i++) {
        snprintf(path, sizeof path, "%s/f%ld", dir, i);
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0) { e = errno; break; }
        fds[held_open++] = fd;
    }
    info("opened %ld files at once in %.1f s%s%s", held_open, now_seconds() - start, e ? ", then " : "", e ? errname(e) : "");
    expect(held_open == want, "manyfiles_open_all", "%ld of %ld opened at once%s%s (RLIMIT_NOFILE %lu)", held_open, want, e ? ", then " : "", e ? errname(e) : "",
           (unsigned long)rl.rlim_cur);
    if (held_open > 0) {
        char buf[2] = "";
        ssize_t n = read(fds[held_open - 1], buf, 1);
        expect(n == 1 && buf[0] == 'x', "manyfiles_read_last", "the last file read %zd bytes", n);
    }
    still_works("manyfiles_while_open", dir);
    for (long i = 0; i < held_open; i++) close(fds[i]);
    free(fds);
    still_works("manyfiles_after_close", dir);
    int fd = open("/etc/passwd", O_RDONLY);
    expect(fd >= 0, "manyfiles_open_elsewhere", "/etc/passwd: %s", fd >= 0 ? "opened" : errname(errno));
    if (fd >= 0) close(fd);
    return hostile_finish();
}

int main(int argc, char **argv)
{
    hostile_init(argc, argv);
    const char *mode = arg_or("mode", "");
    if (!strcmp(mode, "disk")) return disk();
    if (!strcmp(mode, "forkbomb")) return forkbomb();
    if (!strcmp(mode, "manyfiles")) return manyfiles();
    escaped("arguments", "mode=disk|forkbomb|manyfiles, not '%s'", mode);
    return hostile_finish();
}
