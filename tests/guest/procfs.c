/* The guest's /proc and process identity against Linux's: names and argument vectors after exec and
 * prctl(PR_SET_NAME), /proc/sys, oom_score_adj, fdinfo's mnt_id, the siginfo of sigtimedwait and
 * sigwaitinfo, and PR_SET_CHILD_SUBREAPER. Runs natively on the host's own /proc (the test tree has none).
 * Lines starting with '@' hold values that legitimately differ from a native run. */
#define _GNU_SOURCE
#include <ctype.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "errnames.h"

static const char *yes(int b) { return b ? "yes" : "no"; }

/* The whole of a file (NULs as '|', the final newline dropped), or "<errno>" */
static char *slurp(const char *path)
{
    static char buf[8192];
    int fd = open(path, O_RDONLY);
    if (fd < 0) { snprintf(buf, sizeof buf, "<%s>", errname(errno)); return buf; }
    int n = 0, r;
    while (n < (int)sizeof buf - 1 && (r = read(fd, buf + n, sizeof buf - 1 - n)) > 0) n += r;
    close(fd);
    if (n > 0 && buf[n - 1] == '\n') n--;
    for (int i = 0; i < n; i++) if (buf[i] == 0) buf[i] = '|';
    buf[n] = 0;
    return buf;
}

/* The name field of /proc/PATH/stat, and the Name line of status */
static void names(const char *what, const char *dir)
{
    char path[128], comm[64], statname[64] = "", status[64] = "";
    snprintf(path, sizeof path, "%s/comm", dir);
    snprintf(comm, sizeof comm, "%s", slurp(path));
    snprintf(path, sizeof path, "%s/stat", dir);
    char *s = slurp(path), *open_ = strchr(s, '('), *close_ = strrchr(s, ')');
    if (open_ && close_) snprintf(statname, sizeof statname, "%.*s", (int)(close_ - open_ - 1), open_ + 1);
    snprintf(path, sizeof path, "%s/status", dir);
    char *name = strstr(slurp(path), "Name:\t");
    if (name) sscanf(name + 6, "%63[^\n]", status);
    printf("%s: comm=%s stat=%s status=%s\n", what, comm, statname, status);
}

static void show_self(const char *what)
{
    char prname[17] = "";
    prctl(PR_GET_NAME, prname);
    names(what, "/proc/self");
    printf("%s: PR_GET_NAME=%s\n", what, prname);
}

static void run_child(char *const argv[])
{
    pid_t c = fork();
    if (c == 0) {
        execv("/proc/self/exe", argv);
        _exit(99);
    }
    int st;
    waitpid(c, &st, 0);
}

static void *thread_main(void *arg)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/self/task/%ld", (long)syscall(SYS_gettid));
    names("thread inherits the name", path);
    prctl(PR_SET_NAME, "worker");
    names("thread renamed itself", path);
    names("its process keeps its name", "/proc/self");
    return arg;
}

static void names_and_argv(void)
{
    printf("== names\n");
    run_child((char *[]){ "first-argv", "child", "a b", "", NULL });
    prctl(PR_SET_NAME, "renamed-by-prctl-longer");
    show_self("after PR_SET_NAME");
    pthread_t t;
    pthread_create(&t, NULL, thread_main, NULL);
    pthread_join(t, NULL);
}

static int is_uuid(const char *s)
{
    if (strlen(s) != 36) return 0;
    for (int i = 0; i < 36; i++)
        if ((i == 8 || i == 13 || i == 18 || i == 23) ? s[i] != '-' : !isxdigit((unsigned char)s[i])) return 0;
    return 1;
}

static void sysctls(void)
{
    printf("== /proc/sys\n");
    /* Values every Linux has, or the host's own limits, which the guest passes on. */
    const char *same[] = { "kernel/ngroups_max", "kernel/overflowuid", "kernel/overflowgid", "kernel/ostype",
        "kernel/random/poolsize", "fs/file-max", "fs/nr_open", "fs/pipe-max-size", "fs/pipe-user-pages-soft",
        "fs/inotify/max_user_watches", "fs/inotify/max_user_instances", "fs/inotify/max_queued_events",
        "fs/aio-max-nr", "vm/max_map_count", "vm/min_free_kbytes", "vm/overcommit_memory", "kernel/tainted", "kernel/core_pattern",
        "kernel/core_uses_pid" };
    const char *differ[] = { "kernel/pid_max", "kernel/threads-max", "kernel/cap_last_cap", "kernel/osrelease",
        "kernel/hostname", "kernel/domainname", "kernel/version", "kernel/random/entropy_avail", "fs/file-nr" };
    char path[128];
    struct stat st;
    for (unsigned i = 0; i < sizeof same / sizeof *same; i++) {
        snprintf(path, sizeof path, "/proc/sys/%s", same[i]);
        printf("%s = %s", same[i], slurp(path));
        printf(" mode %o\n", stat(path, &st) == 0 ? (unsigned)st.st_mode : 0);
    }
    for (unsigned i = 0; i < sizeof differ / sizeof *differ; i++) {
        snprintf(path, sizeof path, "/proc/sys/%s", differ[i]);
        printf("@%s = %s\n", differ[i], slurp(path));
        printf("%s mode %o\n", differ[i], stat(path, &st) == 0 ? (unsigned)st.st_mode : 0);
    }
    long pid_max = atol(slurp("/proc/sys/kernel/pid_max"));
    printf("getpid below pid_max: %s\n", yes(getpid() < pid_max && pid_max >= 32768));
    printf("threads-max is a positive number: %s\n", yes(atol(slurp("/proc/sys/kernel/threads-max")) > 0));
    printf("cap_last_cap is at least CAP_AUDIT_READ: %s\n", yes(atoi(slurp("/proc/sys/kernel/cap_last_cap")) >= 37));
    char boot[64], uuid[64];
    snprintf(boot, sizeof boot, "%s", slurp("/proc/sys/kernel/random/boot_id"));
    snprintf(uuid, sizeof uuid, "%s", slurp("/proc/sys/kernel/random/uuid"));
    printf("boot_id is a uuid, the same at each read: %s\n", yes(is_uuid(boot) && strcmp(boot, slurp("/proc/sys/kernel/random/boot_id")) == 0));
    printf("uuid is a uuid, new at each read: %s\n", yes(is_uuid(uuid) && strcmp(uuid, slurp("/proc/sys/kernel/random/uuid")) != 0));
    char host[128];
    gethostname(host, sizeof host);
    printf("hostname is gethostname's: %s\n", yes(strcmp(host, slurp("/proc/sys/kernel/hostname")) == 0));
    /* The running kernel's configuration, where the host has one (test suites read it): gzip's magic at its start. */
    unsigned char magic[2] = { 0, 0 };
    int fd = open("/proc/config.gz", O_RDONLY);
    printf("config.gz: %s\n", fd < 0 ? errname(errno) : read(fd, magic, 2) == 2 && magic[0] == 0x1f && magic[1] == 0x8b ? "gzip" : "not gzip");
    if (fd >= 0) close(fd);
}

static void oom(void)
{
    printf("== oom_score_adj\n");
    char mine[32];
    snprintf(mine, sizeof mine, "%s", slurp("/proc/self/oom_score_adj"));
    printf("@oom_score_adj = %s\n", mine);
    int n = atoi(mine);
    printf("oom_score_adj is in [-1000, 1000]: %s\n", yes(n >= -1000 && n <= 1000 && (isdigit((unsigned char)mine[0]) || mine[0] == '-')));
    printf("oom_score is a number: %s\n", yes(isdigit((unsigned char)slurp("/proc/self/oom_score")[0])));
    struct stat st;
    printf("oom_score_adj mode %o, oom_score mode %o\n", stat("/proc/self/oom_score_adj", &st) == 0 ? (unsigned)st.st_mode : 0,
           stat("/proc/self/oom_score", &st) == 0 ? (unsigned)st.st_mode : 0);
    int p[2];
    pipe(p);
    pid_t c = fork();
    if (c == 0) {
        const char *s = slurp("/proc/self/oom_score_adj");
        write(p[1], s, strlen(s) + 1);
        _exit(0);
    }
    char theirs[32] = "";
    read(p[0], theirs, sizeof theirs);
    waitpid(c, NULL, 0);
    printf("a child inherits it: %s\n", yes(strcmp(mine, theirs) == 0));
}

/* The mount id of a descriptor three ways: its fdinfo, statx, and the mountinfo line that has it. */
static void mount_ids(const char *what, int fd)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fdinfo/%d", fd);
    char *info = slurp(path);
    char *m = strstr(info, "mnt_id:"), *i = strstr(info, "ino:");
    long fdinfo_mnt = m ? atol(m + 7) : -1;
    unsigned long long fdinfo_ino = i ? strtoull(i + 4, NULL, 10) : 0;
    struct statx sx;
    int r = statx(fd, "", AT_EMPTY_PATH, STATX_MNT_ID | STATX_INO, &sx);
    printf("%s: statx gives a mount id: %s\n", what, yes(r == 0 && (sx.stx_mask & STATX_MNT_ID)));
    printf("%s: fdinfo mnt_id is statx's: %s\n", what, yes(r == 0 && fdinfo_mnt == (long)sx.stx_mnt_id));
    printf("%s: fdinfo ino is statx's: %s\n", what, yes(r == 0 && fdinfo_ino == sx.stx_ino));
    char *mi = slurp("/proc/self/mountinfo"), *line = mi;
    int found = 0;
    while (line && *line) {
        if (atol(line) == fdinfo_mnt) found = 1;
        line = strchr(line, '\n');
        if (line) line++;
    }
    printf("%s: mountinfo has that mount id: %s\n", what, yes(found));
}

static void fdinfo(void)
{
    printf("== fdinfo\n");
    int fd = open("/proc/self/exe", O_RDONLY);
    mount_ids("the program", fd);
    close(fd);
    fd = open("/", O_RDONLY | O_DIRECTORY);
    mount_ids("the root directory", fd);
    close(fd);
}

static void sigwait_pids(void)
{
    printf("== siginfo of sigtimedwait and sigwaitinfo\n");
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    sigaddset(&set, SIGCHLD);
    sigprocmask(SIG_BLOCK, &set, NULL);
    pid_t c = fork();
    if (c == 0) {
        kill(getppid(), SIGUSR1);
        pause();
        _exit(0);
    }
    siginfo_t si;
    sigset_t usr1;
    sigemptyset(&usr1);
    sigaddset(&usr1, SIGUSR1);
    struct timespec ts = { 5, 0 };
    int sig = sigtimedwait(&usr1, &si, &ts);
    printf("sigtimedwait: %s, si_pid is the sender: %s, si_uid: %s, si_code SI_USER: %s\n", sig == SIGUSR1 ? "SIGUSR1" : "other",
           yes(si.si_pid == c), yes(si.si_uid == getuid()), yes(si.si_code == SI_USER));
    kill(c, SIGKILL);
    sigset_t chld;
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    sig = sigwaitinfo(&chld, &si);
    printf("sigwaitinfo: %s, si_pid is the child: %s, CLD_KILLED: %s\n", sig == SIGCHLD ? "SIGCHLD" : "other",
           yes(si.si_pid == c), yes(si.si_code == CLD_KILLED && si.si_status == SIGKILL));
    waitpid(c, NULL, 0);
    c = fork();
    if (c == 0) {
        union sigval v = { .sival_int = 42 };
        sigqueue(getppid(), SIGUSR1, v);
        _exit(0);
    }
    sig = sigwaitinfo(&usr1, &si);
    printf("sigqueue: si_pid is the sender: %s, value %d, SI_QUEUE: %s\n", yes(si.si_pid == c), si.si_value.sival_int, yes(si.si_code == SI_QUEUE));
    waitpid(c, NULL, 0);
    sigwaitinfo(&chld, &si);
    sigprocmask(SIG_UNBLOCK, &set, NULL);
}

static void subreaper(void)
{
    printf("== PR_SET_CHILD_SUBREAPER\n");
    CHECK("set subreaper", prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0));
    int flag = -1;
    prctl(PR_GET_CHILD_SUBREAPER, &flag, 0, 0, 0);
    printf("PR_GET_CHILD_SUBREAPER: %d\n", flag);
    pid_t me = getpid();
    int p[2], q[2];
    pipe(p);
    pipe(q);
    pid_t middle = fork();
    if (middle == 0) {
        pid_t grandchild = fork();
        if (grandchild == 0) {
            close(p[0]);
            pid_t first = getppid();
            write(q[1], "x", 1); /* the middle one may go now */
            for (int i = 0; i < 500 && getppid() == first; i++) usleep(10000); /* until the middle one has gone */
            int r[2] = { first == middle, getppid() == me };
            write(p[1], r, sizeof r);
            _exit(5);
        }
        char x;
        read(q[0], &x, 1);
        _exit(0);
    }
    close(p[1]);
    close(q[0]);
    close(q[1]);
    int st;
    waitpid(middle, &st, 0);
    int r[2] = { 0, 0 };
    read(p[0], r, sizeof r);
    close(p[0]);
    printf("the grandchild's parent was the middle process: %s\n", yes(r[0]));
    printf("orphaned, its parent is the subreaper: %s\n", yes(r[1]));
    pid_t reaped = wait(&st);
    printf("the subreaper waits for it: %s, exit %d\n", yes(reaped > 0 && reaped != middle), WIFEXITED(st) ? WEXITSTATUS(st) : -1);
    CHECK("no more children", wait(&st));
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    if (argc > 1 && strcmp(argv[1], "child") == 0) {
        show_self("exec of /proc/self/exe");
        printf("its cmdline: %s\n", slurp("/proc/self/cmdline"));
        return 0;
    }
    names_and_argv();
    sysctls();
    oom();
    fdinfo();
    sigwait_pids();
    subreaper();
    return 0;
}
