/* seccomp: a guest's own seccomp filters can only restrict the guest.

   A filter with SECCOMP_FILTER_FLAG_NEW_LISTENER (returning SECCOMP_RET_USER_NOTIF for openat, alone and with
   TSYNC) must be refused: a guest listener could answer "continue" to a call the kernel's filter sends to the
   kernel. Should one be accepted anyway, a thread answers every notification with
   SECCOMP_USER_NOTIF_FLAG_CONTINUE while the filtered thread opens the host secret (which must not give it) and
   the guest's /etc/passwd (which must still be the guest's: the kernel, not the host, must have served it).
   Filters without a listener (allow-all, ERRNO for a harmless call, TRACE for every call with data of the
   guest's choosing) are installed in children, which then try the host secret, `evil`, the canary's socket and
   pid: all fail, and the guest's own files still open. */
#include "hostile.h"
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>

#define AUDIT_ARCH_X86_64 0xc000003eU

static char reference[512];
static ssize_t reference_len;

static int seccomp_call(unsigned op, unsigned flags, void *arg) { return (int)syscall(SYS_seccomp, op, flags, arg); }

/* A filter: RET for syscall NR (or for every call when NR < 0), ALLOW otherwise. */
static struct sock_fprog make_filter(struct sock_filter *f, int nr, unsigned ret)
{
    int n = 0;
    f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch));
    f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0);
    f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
    if (nr >= 0) {
        f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr));
        f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (unsigned)nr, 0, 1);
    }
    f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, ret);
    f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
    return (struct sock_fprog){.len = (unsigned short)n, .filter = f};
}

/* ---- the listener ---- */

static int listener = -1;
static volatile int answered;

static void *responder(void *arg)
{
    (void)arg;
    struct seccomp_notif_sizes sizes;
    if (seccomp_call(SECCOMP_GET_NOTIF_SIZES, 0, &sizes) != 0) return NULL;
    struct seccomp_notif *req = calloc(1, sizes.seccomp_notif > sizeof *req ? sizes.seccomp_notif : sizeof *req);
    struct seccomp_notif_resp *resp = calloc(1, sizes.seccomp_notif_resp > sizeof *resp ? sizes.seccomp_notif_resp : sizeof *resp);
    for (;;) {
        memset(req, 0, sizes.seccomp_notif);
        if (ioctl(listener, SECCOMP_IOCTL_NOTIF_RECV, req) != 0) {
            if (errno == EINTR) continue;
            return NULL;
        }
        memset(resp, 0, sizes.seccomp_notif_resp);
        resp->id = req->id;
        resp->flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
        ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, resp);
        answered++;
    }
    return NULL;
}

struct victim_result {
    int installed, install_errno;
    int secret_fd, secret_errno, secret_reached;
    char why[512];
    int passwd_fd, passwd_errno, passwd_is_guests;
};

static void *victim(void *arg)
{
    struct victim_result *r = arg;
    struct sock_filter f[8];
    struct sock_fprog prog = make_filter(f, SYS_openat, SECCOMP_RET_USER_NOTIF);
    errno = 0;
    int fd = seccomp_call(SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog);
    r->install_errno = errno;
    if (fd < 0) return NULL;
    r->installed = 1;
    listener = fd;
    pthread_t t;
    pthread_create(&t, NULL, responder, NULL); /* created by the filtered thread, so the responder is filtered too; it makes no openat */
    usleep(100000);
    errno = 0;
    r->secret_fd = openat(AT_FDCWD, C.secret, O_RDONLY);
    r->secret_errno = errno;
    if (r->secret_fd >= 0) r->secret_reached = fd_is_secret(r->secret_fd, r->why, sizeof r->why);
    errno = 0;
    r->passwd_fd = openat(AT_FDCWD, "/etc/passwd", O_RDONLY);
    r->passwd_errno = errno;
    if (r->passwd_fd >= 0) {
        char buf[512];
        ssize_t n = read(r->passwd_fd, buf, sizeof buf - 1);
        r->passwd_is_guests = n == reference_len && memcmp(buf, reference, (size_t)n) == 0;
    }
    return NULL;
}

static void listener_attack(void)
{
    struct victim_result r;
    memset(&r, 0, sizeof r);
    pthread_t t;
    pthread_create(&t, NULL, victim, &r);
    pthread_join(t, NULL);
    if (!r.installed) {
        held("new_listener_refused", "%s", errname(r.install_errno));
        return;
    }
    escaped("new_listener_refused", "seccomp(SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER) gave listener %d (threat model: refused); it answered %d notifications with CONTINUE",
            listener, answered);
    if (r.secret_reached) escaped("listener_continue_secret", "opening the host secret with the listener continuing: %s", r.why);
    else held("listener_continue_secret", "%s", r.secret_fd >= 0 ? "opened something, not the secret" : errname(r.secret_errno));
    if (r.passwd_fd < 0 || !r.passwd_is_guests)
        escaped("listener_continue_bypasses_kernel", "with the listener answering CONTINUE, openat(/etc/passwd) %s: the host ran the call, not the kernel",
                r.passwd_fd < 0 ? errname(r.passwd_errno) : "opened a file that is not the guest's");
    else held("listener_continue_bypasses_kernel", "the guest's /etc/passwd still opened");
}

/* NEW_LISTENER with TSYNC, in a child (it would filter every thread) */
static void listener_tsync(void)
{
    fflush(stdout);
    pid_t child = fork();
    if (child == 0) {
        struct sock_filter f[8];
        struct sock_fprog prog = make_filter(f, SYS_openat, SECCOMP_RET_USER_NOTIF);
        int fd = seccomp_call(SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER | SECCOMP_FILTER_FLAG_TSYNC, &prog);
        _exit(fd >= 0 ? 0 : 100 + (errno & 0x7f));
    }
    int status;
    waitpid(child, &status, 0);
    int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    if (code >= 100) held("new_listener_tsync_refused", "%s", errname(code - 100));
    else escaped("new_listener_tsync_refused", "NEW_LISTENER|TSYNC was accepted (child status %#x)", status);
}

/* ---- filters without a listener, each in a child ---- */

static int try_everything(const char *label)
{
    int bad = 0;
    char why[512];
    int fd = open(C.secret, O_RDONLY);
    if (fd >= 0 && fd_is_secret(fd, why, sizeof why)) {
        printf("ESCAPED filter_%s_secret: %s\n", label, why);
        bad = 1;
    }
    if (fd >= 0) close(fd);
    struct stat st;
    if (stat(C.secret, &st) == 0) {
        printf("ESCAPED filter_%s_stat: stat of the host secret succeeded (ino %lu)\n", label, (unsigned long)st.st_ino);
        bad = 1;
    }
    pid_t p = fork();
    if (p == 0) {
        char *args[] = {"evil", NULL};
        execve(C.evil, args, args + 1);
        _exit(99);
    }
    int status = 0;
    waitpid(p, &status, 0);
    if (!(WIFEXITED(status) && WEXITSTATUS(status) == 99)) {
        printf("ESCAPED filter_%s_exec: execve of the host evil did not fail (status %#x)\n", label, status);
        bad = 1;
    }
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    snprintf(a.sun_path, sizeof a.sun_path, "%s", C.stream);
    int s = socket(AF_UNIX, SOCK_STREAM, 0);
    if (s >= 0 && connect(s, (struct sockaddr *)&a, sizeof a) == 0) {
        printf("ESCAPED filter_%s_connect: connected to the host canary's socket\n", label);
        bad = 1;
    }
    if (s >= 0) close(s);
    if (kill(C.pid, SIGURG) == 0) {
        printf("ESCAPED filter_%s_kill: kill(canary) succeeded\n", label);
        bad = 1;
    }
    fd = open("/etc/passwd", O_RDONLY);
    char buf[512];
    ssize_t n = fd >= 0 ? read(fd, buf, sizeof buf - 1) : -1;
    if (n <= 0 || n != reference_len || memcmp(buf, reference, (size_t)n) != 0) {
        printf("ESCAPED filter_%s_guest_files: the guest's /etc/passwd %s under the filter\n", label, fd < 0 ? "does not open" : "reads differently");
        bad = 1;
    }
    if (fd >= 0) close(fd);
    if (getpid() > 100000) {
        printf("ESCAPED filter_%s_getpid: getpid() answers %d, not a guest pid\n", label, (int)getpid());
        bad = 1;
    }
    return bad;
}

static void plain_filter(const char *label, int nr, unsigned ret, int via_prctl)
{
    fflush(stdout);
    pid_t child = fork();
    if (child == 0) {
        struct sock_filter f[8];
        struct sock_fprog prog = make_filter(f, nr, ret);
        int r = via_prctl ? prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0) : seccomp_call(SECCOMP_SET_MODE_FILTER, 0, &prog);
        if (r != 0) {
            printf("info: the %s filter was not installed: %s\n", label, errname(errno));
            fflush(stdout);
            _exit(0);
        }
        int bad = try_everything(label);
        fflush(stdout);
        _exit(bad ? 1 : 0);
    }
    int status;
    waitpid(child, &status, 0);
    char check[128];
    snprintf(check, sizeof check, "filter_%s", label);
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) held(check, "the host stays out of reach under it");
    else if (WIFEXITED(status) && WEXITSTATUS(status) == 1) escaped(check, "see the lines above");
    else info("%s: the filtered child ended with status %#x (a guest filter may kill its own guest)", check, status);
}

int main(int argc, char **argv)
{
    hostile_init(argc, argv);
    int fd = open("/etc/passwd", O_RDONLY);
    reference_len = fd >= 0 ? read(fd, reference, sizeof reference - 1) : -1;
    if (fd >= 0) close(fd);
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) info("PR_SET_NO_NEW_PRIVS: %s", errname(errno));

    listener_tsync();
    plain_filter("allow_all_prctl", -1, SECCOMP_RET_ALLOW, 1);
    plain_filter("errno_getppid", SYS_getppid, SECCOMP_RET_ERRNO | EPERM, 0);
    plain_filter("log_everything", -1, SECCOMP_RET_LOG, 0);
    plain_filter("trace_everything_data_0", -1, SECCOMP_RET_TRACE | 0, 0);
    plain_filter("trace_everything_data_ffff", -1, SECCOMP_RET_TRACE | 0xffff, 0);
    plain_filter("trace_openat", SYS_openat, SECCOMP_RET_TRACE | 1, 0);
    plain_filter("trace_newfstatat", SYS_newfstatat, SECCOMP_RET_TRACE | 0x1234, 0);
    listener_attack(); /* last: if it is accepted, this process's openat goes to its own listener from then on */
    return hostile_finish();
}
