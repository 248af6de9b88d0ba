/* race-open: open, openat, openat2 and creat must never reach a host file.

   Direct: the host secret's path, and the same through "..", "//", /proc/self/root, /proc/1/root and the
   /proc entries of the host canary's and userkernel's pids, read-only and O_WRONLY|O_CREAT|O_TRUNC; every one
   must fail.
   Raced: a thread calls the syscall in a loop on a path buffer that a flipper thread rewrites between a guest
   path and the host secret's path, also filling the 16 KiB below the calling thread's stack pointer with the
   host path. After every success the descriptor must not be the secret (fstat's st_dev/st_ino, content) and
   a read-only one must read the guest file's own bytes.
   Finally the guest makes its own file at the secret's path: opening that path gives the guest's file.

   Parameters: open= openat= openat2= creat= trunc= (iterations of each raced call), seconds= (a time budget for each
   raced call, 0 for none: a race that reaches it stops early and says how far it got). */
#include "hostile.h"
#include <linux/openat2.h>

enum op { OP_OPEN, OP_OPENAT, OP_OPENAT2, OP_CREAT, OP_TRUNC };
static const char *const op_names[] = {"open", "openat", "openat2", "creat", "openat O_WRONLY|O_TRUNC|O_CREAT"};

static char path_buf[4096] __attribute__((aligned(64)));
static struct open_how how_buf __attribute__((aligned(64)));
static char fill[4200];
static char reference[512];
static long reference_len;

struct race {
    enum op op;
    long iterations, done;
    long deadline_ns; /* CLOCK_MONOTONIC, 0 for none */
    int writes;
    struct flipper f;
    long ok, enoent, eexist, other, last_error, suspicious;
    char detail[1024];
};

/* The racing thread: raw syscalls only while its stack is attached (see hostile.h). */
static __attribute__((noinline)) void *racer(void *arg)
{
    struct race *r = arg;
    struct stat st;
    char buf[512];
    long ok = 0, enoent = 0, eexist = 0, other = 0, last_error = 0, suspicious = 0;
    const unsigned long long dev = C.secret_dev, ino = C.secret_ino;
    const long iterations = r->iterations, deadline_ns = r->deadline_ns;
    const enum op op = r->op;
    struct timespec ts;
    long i;
    const int writes = r->writes;
    block_all_signals();
    FLIPPER_ATTACH_STACK(&r->f);
    for (i = 0; i < iterations; i++) {
        long fd;
        if (deadline_ns && (i & 1023) == 0 && RSYS2(SYS_clock_gettime, CLOCK_MONOTONIC, &ts) == 0 &&
            ts.tv_sec * 1000000000L + ts.tv_nsec > deadline_ns)
            break;
        switch (op) {
        case OP_OPEN: fd = RSYS3(SYS_open, path_buf, O_RDONLY | O_CLOEXEC, 0); break;
        case OP_OPENAT: fd = RSYS4(SYS_openat, AT_FDCWD, path_buf, O_RDONLY | O_CLOEXEC, 0); break;
        case OP_OPENAT2: fd = RSYS4(SYS_openat2, AT_FDCWD, path_buf, &how_buf, sizeof how_buf); break;
        case OP_CREAT: fd = RSYS2(SYS_creat, path_buf, 0644); break;
        default: fd = RSYS4(SYS_openat, AT_FDCWD, path_buf, O_WRONLY | O_TRUNC | O_CREAT | O_CLOEXEC, 0644); break;
        }
        if (fd < 0) {
            if (fd == -ENOENT) enoent++;
            else if (fd == -EEXIST) eexist++;
            else { other++; last_error = fd; }
            continue;
        }
        ok++;
        int bad = 0;
        long n = -1;
        if (RSYS2(SYS_fstat, fd, &st) == 0 && (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino) bad = 1;
        if (!writes) {
            n = RSYS4(SYS_pread64, fd, buf, sizeof buf - 1, 0);
            if (n != reference_len) bad |= 2;
            else
                for (long j = 0; j < n; j++)
                    if (((volatile char *)buf)[j] != reference[j]) { bad |= 2; break; }
        }
        RSYS1(SYS_close, fd);
        if (bad) {
            flipper_park(&r->f);
            suspicious++;
            if (n > 0) buf[n] = 0;
            else buf[0] = 0;
            snprintf(r->detail, sizeof r->detail, "iteration %ld: %s%s the file read %ld bytes: '%.100s'", i,
                     bad & 1 ? "fstat names the host secret (same st_dev and st_ino); " : "",
                     bad & 2 ? "it is not the guest's file:" : "", n, buf);
            flipper_unpark(&r->f);
        }
    }
    flipper_detach_stack(&r->f);
    r->done = i;
    r->ok = ok;
    r->enoent = enoent;
    r->eexist = eexist;
    r->other = other;
    r->last_error = last_error;
    r->suspicious = suspicious;
    return NULL;
}

static void race(enum op op, long iterations)
{
    if (iterations <= 0) return;
    const char *guest = op == OP_CREAT || op == OP_TRUNC ? "/tmp/victim" : "/etc/passwd";
    struct race r = {.op = op, .iterations = iterations, .writes = op == OP_CREAT || op == OP_TRUNC};
    size_t host_len = strlen(C.secret) + 1;
    flipper_add(&r.f, path_buf, guest, strlen(guest) + 1, C.secret, host_len);
    r.f.fill = fill;
    r.f.fill_len = host_len;
    memcpy(path_buf, guest, strlen(guest) + 1);
    memset(&how_buf, 0, sizeof how_buf);
    how_buf.flags = O_RDONLY | O_CLOEXEC;
    double start = now_seconds();
    long budget = arg_num("seconds", 0);
    if (budget > 0) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        r.deadline_ns = (ts.tv_sec + budget) * 1000000000L + ts.tv_nsec;
    }
    flipper_start(&r.f);
    pthread_t t;
    pthread_create(&t, NULL, racer, &r);
    pthread_join(t, NULL);
    flipper_stop(&r.f);
    double seconds = now_seconds() - start;
    char name[96];
    snprintf(name, sizeof name, "race_%s", op == OP_TRUNC ? "openat_trunc" : op_names[op]);
    if (r.done < iterations)
        info("%s: the %ld s budget ran out after %ld of the %ld iterations asked for", op_names[op], budget, r.done, iterations);
    iterations = r.done;
    info("%s raced %ld times in %.1f s (%.1f us each): %ld opened the guest's %s, %ld ENOENT, %ld EEXIST, %ld other (last %s); flipper rounds %lu",
         op_names[op], iterations, seconds, seconds * 1e6 / (double)(iterations ? iterations : 1), r.ok, guest, r.enoent, r.eexist, r.other,
         r.last_error ? errname((int)-r.last_error) : "-", r.f.rounds);
    if (r.writes) {
        /* O_CREAT without O_EXCL never answers EEXIST: only a kernel that read the path twice (once the host's,
           which did not resolve, then the guest's, which exists) can. */
        char once[128];
        snprintf(once, sizeof once, "%s_path_read_once", name);
        if (r.eexist)
            escaped(once, "%ld of %ld calls answered EEXIST to O_CREAT without O_EXCL: the kernel read the raced path more than once "
                    "(threat model: it copies the path in once)", r.eexist, iterations);
        else
            held(once, "no EEXIST in %ld calls", iterations);
    }
    if (r.suspicious) escaped(name, "%ld of %ld opens reached something else than the guest's %s; %s", r.suspicious, iterations, guest, r.detail);
    else if (r.ok == 0) held(name, "inconclusive: none of %ld opens saw the guest's %s, every one the host path; nothing escaped", iterations, guest);
    else held(name, "%ld iterations, %ld opened the guest's file, none the host's", iterations, r.ok);
}

/* Direct attempts on PATH by every open call, read-only and writing; all must fail. */
static void direct(const char *check, const char *path)
{
    static const char *const calls[] = {"open", "openat", "openat_dirfd", "openat2", "creat", "openat_trunc"};
    int root = open("/", O_PATH | O_DIRECTORY);
    for (size_t c = 0; c < sizeof calls / sizeof calls[0]; c++) {
        struct open_how how = {.flags = O_RDONLY};
        int fd;
        switch (c) {
        case 0: fd = open(path, O_RDONLY); break;
        case 1: fd = openat(AT_FDCWD, path, O_RDONLY); break;
        case 2: fd = openat(root, path[0] == '/' ? path + 1 : path, O_RDONLY); break;
        case 3: fd = (int)syscall(SYS_openat2, AT_FDCWD, path, &how, sizeof how); break;
        case 4: fd = creat(path, 0644); break;
        default: fd = openat(AT_FDCWD, path, O_WRONLY | O_TRUNC | O_CREAT, 0644); break;
        }
        int e = errno;
        char name[128], why[512] = "";
        snprintf(name, sizeof name, "%s_%s", check, calls[c]);
        if (fd < 0) {
            held(name, "%s", errname(e));
            continue;
        }
        int secret = fd_is_secret(fd, why, sizeof why);
        escaped(name, "%s '%s' succeeded (fd %d)%s%s", calls[c], path, fd, secret ? ": " : "", why);
        close(fd);
    }
    close(root);
}

static void same_path_is_the_guests(void)
{
    /* The guest may make the host's path in its own tree: then the path names the guest's file. */
    char cmd[8192];
    snprintf(cmd, sizeof cmd, "mkdir -p '%s'", C.dir);
    if (system(cmd) != 0) {
        escaped("same_path_guest_file", "mkdir -p %s in the guest failed", C.dir);
        return;
    }
    int fd = open(C.secret, O_WRONLY | O_CREAT | O_EXCL, 0644);
    if (fd < 0) {
        escaped("same_path_guest_file", "creating the guest's own %s failed: %s", C.secret, errname(errno));
        return;
    }
    if (write(fd, "the guest's own file\n", 21) != 21) escaped("same_path_guest_file", "write failed: %s", errname(errno));
    close(fd);
    fd = open(C.secret, O_RDONLY);
    char buf[256] = "", why[512];
    if (fd < 0) {
        escaped("same_path_guest_file", "reopening the guest's %s failed: %s", C.secret, errname(errno));
        return;
    }
    int secret = fd_is_secret(fd, why, sizeof why);
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n > 0) buf[n] = 0;
    expect(!secret && strcmp(buf, "the guest's own file\n") == 0, "same_path_guest_file", "read '%.60s'%s%s", buf, secret ? "; " : "", secret ? why : "");
}

int main(int argc, char **argv)
{
    hostile_init(argc, argv);
    size_t host_len = strlen(C.secret) + 1;
    if (host_len > sizeof path_buf || host_len > sizeof fill) {
        printf("ESCAPED arguments: the secret's path is too long\n");
        return 2;
    }
    memcpy(fill, C.secret, host_len);

    int fd = open("/etc/passwd", O_RDONLY);
    reference_len = fd >= 0 ? read(fd, reference, sizeof reference - 1) : -1;
    if (fd >= 0) close(fd);
    if (reference_len <= 0) {
        escaped("setup", "the guest's /etc/passwd cannot be read");
        return hostile_finish();
    }
    fd = open("/tmp/victim", O_WRONLY | O_CREAT, 0644);
    if (fd >= 0) close(fd);

    /* direct */
    char path[8192];
    direct("direct_secret", C.secret);
    snprintf(path, sizeof path, "/../../../../..%s", C.secret);
    direct("direct_dotdot", path);
    snprintf(path, sizeof path, "/%s", C.secret);
    direct("direct_double_slash", path);
    snprintf(path, sizeof path, "/proc/self/root%s", C.secret);
    direct("direct_proc_self_root", path);
    snprintf(path, sizeof path, "/proc/1/root%s", C.secret);
    direct("direct_proc_1_root", path);
    snprintf(path, sizeof path, "/proc/%d/root%s", C.uk_pid, C.secret);
    direct("direct_proc_userkernel_root", path);
    snprintf(path, sizeof path, "/proc/%d/root%s", C.pid, C.secret);
    direct("direct_proc_canary_root", path);
    snprintf(path, sizeof path, "/proc/%d/cwd/secret", C.pid);
    direct("direct_proc_canary_cwd", path);
    int reached = 0;
    for (int n = 0; n < 64; n++) {
        snprintf(path, sizeof path, "/proc/%d/fd/%d", C.uk_pid, n);
        int f = open(path, O_RDONLY);
        if (f >= 0) {
            escaped("direct_proc_userkernel_fd", "open %s succeeded: the guest opened a descriptor of userkernel", path);
            close(f);
            reached = 1;
        }
    }
    if (!reached) held("direct_proc_userkernel_fd", "/proc/%d/fd/0..63 all fail", C.uk_pid);

    /* raced */
    race(OP_OPENAT, arg_num("openat", 100000));
    race(OP_OPEN, arg_num("open", 20000));
    race(OP_OPENAT2, arg_num("openat2", 20000));
    race(OP_CREAT, arg_num("creat", 20000));
    race(OP_TRUNC, arg_num("trunc", 20000));

    same_path_is_the_guests();
    return hostile_finish();
}
