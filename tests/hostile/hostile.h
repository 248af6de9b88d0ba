/* Shared by the hostile guest programs (tests/hostile, run by HostileGuestTests beside a host canary).

   Every program prints one line per check: "HELD <check>[ (detail)]" when the defence held, or
   "ESCAPED <check>: <detail>" when it did not, then "summary: N held, M escaped"; it exits 0 only if at
   least one check ran and none escaped. Arguments are KEY=VALUE: the canary's identifiers (canary.c writes
   them, the harness passes them all) and the program's own parameters (iterations=...).

   Racing: a flipper thread rewrites every buffer a call passes, alternating a guest value and the host
   canary's, and fills the 16 KiB below the racing thread's stack pointer with the host value, while the
   racing thread makes the call in a loop with raw `syscall` instructions (RSYS below) so that nothing of its
   own lives below its stack pointer. A racing thread must make no function call while its stack is attached
   to a running flipper: flipper_park() first. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

/* ---- reporting ---- */

static int hostile_held, hostile_escaped;
static pthread_mutex_t hostile_report_lock = PTHREAD_MUTEX_INITIALIZER;

static __attribute__((unused)) void held(const char *check, const char *fmt, ...)
{
    char detail[512] = "";
    if (fmt) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(detail, sizeof detail, fmt, ap);
        va_end(ap);
    }
    pthread_mutex_lock(&hostile_report_lock);
    hostile_held++;
    if (detail[0]) printf("HELD %s (%s)\n", check, detail);
    else printf("HELD %s\n", check);
    fflush(stdout);
    pthread_mutex_unlock(&hostile_report_lock);
}

static __attribute__((unused)) void escaped(const char *check, const char *fmt, ...)
{
    char detail[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof detail, fmt, ap);
    va_end(ap);
    pthread_mutex_lock(&hostile_report_lock);
    hostile_escaped++;
    printf("ESCAPED %s: %s\n", check, detail);
    fflush(stdout);
    pthread_mutex_unlock(&hostile_report_lock);
}

/* HELD when ok, else ESCAPED with the detail. */
static __attribute__((unused)) void expect(int ok, const char *check, const char *fmt, ...)
{
    char detail[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof detail, fmt, ap);
    va_end(ap);
    if (ok) held(check, "%s", detail);
    else escaped(check, "%s", detail);
}

static __attribute__((unused)) void info(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    pthread_mutex_lock(&hostile_report_lock);
    fputs("info: ", stdout);
    vprintf(fmt, ap);
    fputc('\n', stdout);
    fflush(stdout);
    pthread_mutex_unlock(&hostile_report_lock);
    va_end(ap);
}

static int hostile_finish(void)
{
    printf("summary: %d held, %d escaped\n", hostile_held, hostile_escaped);
    fflush(stdout);
    return hostile_escaped == 0 && hostile_held > 0 ? 0 : 1;
}

/* "ENOENT", or "ok" for 0 */
static __attribute__((unused)) const char *errname(int e)
{
    if (e == 0) return "ok";
    const char *name = strerrorname_np(e);
    return name ? name : "E?";
}

/* A call's outcome as text: "ok (3)" or "ENOENT"; for raw calls pass the raw return value. */
static __attribute__((unused)) const char *outcome(long ret, char *buf, size_t size)
{
    if (ret < 0 && ret > -4096) snprintf(buf, size, "%s", errname((int)-ret));
    else snprintf(buf, size, "ok (%ld)", ret);
    return buf;
}

static __attribute__((unused)) double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* ---- arguments: KEY=VALUE ---- */

static int hostile_argc;
static char **hostile_argv;

static __attribute__((unused)) const char *arg_or(const char *key, const char *fallback)
{
    size_t n = strlen(key);
    for (int i = 1; i < hostile_argc; i++)
        if (strncmp(hostile_argv[i], key, n) == 0 && hostile_argv[i][n] == '=') return hostile_argv[i] + n + 1;
    return fallback;
}

static __attribute__((unused)) const char *arg_str(const char *key)
{
    const char *v = arg_or(key, NULL);
    if (!v) {
        printf("ESCAPED arguments: the harness passed no %s=... (cannot run the attack)\n", key);
        exit(2);
    }
    return v;
}

static __attribute__((unused)) long long arg_num(const char *key, long long fallback)
{
    const char *v = arg_or(key, NULL);
    return v ? strtoll(v, NULL, 0) : fallback;
}

/* The host canary's identifiers, as canary.c wrote them. */
struct canary {
    const char *dir, *secret, *token, *evil, *evil_elf, *pwned, *stream, *dgram, *abstract;
    unsigned long long secret_dev, secret_ino;
    int pid, uk_pid;
    int shm_key, sem_key, msg_key, shm_id, sem_id, msg_id;
};
static struct canary C;

static __attribute__((unused)) void hostile_init(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    setvbuf(stderr, NULL, _IONBF, 0);
    hostile_argc = argc;
    hostile_argv = argv;
    C.dir = arg_str("dir");
    C.secret = arg_str("secret");
    C.token = arg_str("token");
    C.secret_dev = strtoull(arg_str("secret_dev"), NULL, 0);
    C.secret_ino = strtoull(arg_str("secret_ino"), NULL, 0);
    C.evil = arg_str("evil");
    C.evil_elf = arg_str("evil_elf");
    C.pwned = arg_str("pwned");
    C.stream = arg_str("stream");
    C.dgram = arg_str("dgram");
    C.abstract = arg_str("abstract");
    C.pid = (int)arg_num("canary_pid", 0);
    C.uk_pid = (int)arg_num("uk_pid", 0);
    C.shm_key = (int)arg_num("shm_key", 0);
    C.sem_key = (int)arg_num("sem_key", 0);
    C.msg_key = (int)arg_num("msg_key", 0);
    C.shm_id = (int)arg_num("shm_id", -1);
    C.sem_id = (int)arg_num("sem_id", -1);
    C.msg_id = (int)arg_num("msg_id", -1);
    if (C.pid <= 0 || C.uk_pid <= 0) {
        printf("ESCAPED arguments: canary_pid=%d uk_pid=%d are not pids\n", C.pid, C.uk_pid);
        exit(2);
    }
    printf("info: %s: guest pid %d; host canary pid %d, userkernel pid %d, secret %s\n",
           argv[0], (int)getpid(), C.pid, C.uk_pid, C.secret);
}

/* 1 if FD is the host secret (same st_dev and st_ino, or its content holds the canary's token); the detail says why. */
static __attribute__((unused)) int fd_is_secret(int fd, char *why, size_t size)
{
    struct stat st;
    if (fstat(fd, &st) == 0 && (unsigned long long)st.st_dev == C.secret_dev && (unsigned long long)st.st_ino == C.secret_ino) {
        snprintf(why, size, "fstat names the host secret (dev %llu ino %llu)", C.secret_dev, C.secret_ino);
        return 1;
    }
    char buf[4096];
    ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
    if (n > 0) {
        buf[n] = 0;
        if (memmem(buf, (size_t)n, C.token, strlen(C.token))) {
            snprintf(why, size, "read the host secret's content: '%.80s'", buf);
            return 1;
        }
    }
    return 0;
}

/* ---- raw system calls: inline, so a racing thread keeps nothing below its stack pointer ---- */

static inline __attribute__((always_inline)) long rsys6(long n, long a1, long a2, long a3, long a4, long a5, long a6)
{
    long ret;
    register long r10 __asm__("r10") = a4;
    register long r8 __asm__("r8") = a5;
    register long r9 __asm__("r9") = a6;
    __asm__ volatile("syscall"
                     : "=a"(ret)
                     : "a"(n), "D"(a1), "S"(a2), "d"(a3), "r"(r10), "r"(r8), "r"(r9)
                     : "rcx", "r11", "memory");
    return ret;
}
#define RSYS0(n) rsys6((n), 0, 0, 0, 0, 0, 0)
#define RSYS1(n, a) rsys6((n), (long)(a), 0, 0, 0, 0, 0)
#define RSYS2(n, a, b) rsys6((n), (long)(a), (long)(b), 0, 0, 0, 0)
#define RSYS3(n, a, b, c) rsys6((n), (long)(a), (long)(b), (long)(c), 0, 0, 0)
#define RSYS4(n, a, b, c, d) rsys6((n), (long)(a), (long)(b), (long)(c), (long)(d), 0, 0)
#define RSYS5(n, a, b, c, d, e) rsys6((n), (long)(a), (long)(b), (long)(c), (long)(d), (long)(e), 0)
#define RSYS6(n, a, b, c, d, e, f) rsys6((n), (long)(a), (long)(b), (long)(c), (long)(d), (long)(e), (long)(f))

static inline __attribute__((always_inline)) void cpu_relax(void) { __asm__ volatile("pause" ::: "memory"); }

/* Blocks every signal in the calling thread: a signal frame would land in the area a flipper rewrites. */
static __attribute__((unused)) void block_all_signals(void)
{
    sigset_t all;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, NULL);
}

/* ---- the flipper ---- */

#define FLIP_MAX 8
#define FLIP_STACK_BYTES 16384
#define FLIP_RED_ZONE 128 /* the x86-64 red zone is the thread's own; a kernel writing below the stack pointer skips it */

struct flip {
    void *buf;
    const void *guest, *host;
    size_t guest_len, host_len;
};

struct flipper {
    struct flip flips[FLIP_MAX];
    int count;
    const void *fill; /* written, tiled at a shifting offset, over the 16 KiB below the racing thread's stack pointer */
    size_t fill_len;
    char *volatile stack_top; /* the racing thread's stack pointer, or NULL */
    volatile int stop, pause, parked;
    volatile unsigned long rounds;
    pthread_t thread;
};

/* BUF alternates between GUEST and HOST (each copied with its length). */
static __attribute__((unused)) void flipper_add(struct flipper *f, void *buf, const void *guest, size_t guest_len, const void *host, size_t host_len)
{
    if (f->count == FLIP_MAX) abort();
    f->flips[f->count++] = (struct flip){buf, guest, host, guest_len, host_len};
}

static __attribute__((unused)) void flipper_fill_stack(struct flipper *f, unsigned long round)
{
    char *top = f->stack_top;
    if (!top || !f->fill_len) return;
    char *lo = top - FLIP_STACK_BYTES, *hi = top - FLIP_RED_ZONE;
    size_t shift = (round * 8) % f->fill_len;
    char *p = lo;
    if (shift) {
        size_t first = f->fill_len - shift;
        memcpy(p, (const char *)f->fill + shift, first);
        p += first;
    }
    for (; p + f->fill_len <= hi; p += f->fill_len) memcpy(p, f->fill, f->fill_len);
    if (p < hi) memcpy(p, f->fill, (size_t)(hi - p));
    __asm__ volatile("" ::: "memory");
}

static __attribute__((unused)) void *flipper_main(void *arg)
{
    struct flipper *f = arg;
    block_all_signals();
    /* Niced, so that on a small machine the kernel's own threads are not starved (which only makes every call slow:
       a million openat take about twice as long with a flipper at full priority on 2 cores); it still runs whenever
       a core is free, as one is while the racing thread waits in a call. */
    setpriority(PRIO_PROCESS, (id_t)gettid(), 19);
    unsigned long round = 0;
    while (!f->stop) {
        if (f->pause) {
            f->parked = 1;
            while (f->pause && !f->stop) cpu_relax();
            f->parked = 0;
            continue;
        }
        /* each value is held as long as the other: a few quick flips, then one stack fill under each */
        for (int k = 0; k < 4; k++) {
            for (int i = 0; i < f->count; i++) memcpy(f->flips[i].buf, f->flips[i].host, f->flips[i].host_len);
            __asm__ volatile("" ::: "memory");
            for (int i = 0; i < f->count; i++) memcpy(f->flips[i].buf, f->flips[i].guest, f->flips[i].guest_len);
            __asm__ volatile("" ::: "memory");
        }
        flipper_fill_stack(f, round++);
        for (int i = 0; i < f->count; i++) memcpy(f->flips[i].buf, f->flips[i].host, f->flips[i].host_len);
        __asm__ volatile("" ::: "memory");
        flipper_fill_stack(f, round++);
        for (int i = 0; i < f->count; i++) memcpy(f->flips[i].buf, f->flips[i].guest, f->flips[i].guest_len);
        __asm__ volatile("" ::: "memory");
        f->rounds = round;
    }
    f->parked = 1;
    return NULL;
}

static __attribute__((unused)) void flipper_start(struct flipper *f)
{
    f->stop = f->pause = f->parked = 0;
    if (pthread_create(&f->thread, NULL, flipper_main, f) != 0) {
        printf("ESCAPED setup: pthread_create for the flipper failed\n");
        exit(2);
    }
}

/* Leaves every flipped buffer at its guest value. */
static __attribute__((unused)) void flipper_stop(struct flipper *f)
{
    f->stop = 1;
    pthread_join(f->thread, NULL);
    for (int i = 0; i < f->count; i++) memcpy(f->flips[i].buf, f->flips[i].guest, f->flips[i].guest_len);
}

/* The racing thread's stack joins the flipped area. Call it in the racing function itself (no calls after it). */
#define FLIPPER_ATTACH_STACK(f)                                 \
    do {                                                        \
        char *sp_;                                              \
        __asm__ volatile("mov %%rsp, %0" : "=r"(sp_));          \
        (f)->stack_top = sp_;                                   \
    } while (0)

/* Stops the flipper between rounds (inline: no stack below the caller is used until it is parked). */
static inline __attribute__((always_inline)) void flipper_park(struct flipper *f)
{
    f->pause = 1;
    while (!f->parked && !f->stop) cpu_relax();
}

static inline __attribute__((always_inline)) void flipper_unpark(struct flipper *f)
{
    f->pause = 0;
}

/* Parks the flipper and takes the stack out of the flipped area for good. */
static inline __attribute__((always_inline)) void flipper_detach_stack(struct flipper *f)
{
    flipper_park(f);
    f->stack_top = NULL;
    flipper_unpark(f);
}
