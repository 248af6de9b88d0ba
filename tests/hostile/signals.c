/* signals: no guest call may signal, own, wait for, trace, renice or inspect a host process, and the pids the
   guest is told about are guest pids.

   Direct, against the host canary's pid, its process group and userkernel's pid: kill, tkill, tgkill,
   rt_sigqueueinfo, rt_tgsigqueueinfo, pidfd_open (+ pidfd_send_signal), /proc/PID as a pidfd, wait4, waitid,
   ptrace, process_vm_readv, prlimit64, get/setpriority, sched_setaffinity, sched_setscheduler, ioprio_set,
   get_robust_list, kcmp, setpgid, getpgid, getsid and clock_gettime and clock_getres of its CPU-time clock all fail; fcntl F_SETOWN and F_SETOWN_EX (with F_SETSIG and
   O_ASYNC) on a pipe and a socket, and ioctl FIOSETOWN and SIOCSPGRP fail, and the I/O triggered afterwards
   signals no host process. kill(-1) reaches guests only. The fatal signals (SIGSTOP, SIGKILL) come last.
   Raced: kill, tgkill, rt_sigqueueinfo, pidfd_send_signal, F_SETOWN_EX and FIOSETOWN aimed at a guest child, with
   the siginfo/owner buffers and the 16 KiB below the stack flipped to the canary's pid.
   Credentials: SO_PEERCRED on a socketpair and on a connected pair of guest-bound sockets gives the peer's guest
   pid (what its getpid() says), uid and gid; SO_PEERPIDFD is refused or names the peer itself (a descriptor only
   the peer holds comes through it), never userkernel; SO_PASSPIDFD is refused; SCM_CREDENTIALS name the sending
   guest, even past a forged ucred; si_pid of a signal from a guest and of SIGCHLD is the guest pid.

   Parameters: iterations= (each raced call). */
#include "hostile.h"
#include <sched.h>
#include <stddef.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/wait.h>

#ifndef SO_PEERPIDFD
#define SO_PEERPIDFD 77
#endif
#ifndef SO_PASSPIDFD
#define SO_PASSPIDFD 76
#endif
#ifndef F_SETSIG
#define F_SETSIG 10
#endif

static void expect_fail(const char *check, long ret, int err, const char *what)
{
    if (ret < 0) held(check, "%s", errname(err));
    else escaped(check, "%s succeeded (returned %ld)", what, ret);
}

static void signal_all_ways(const char *who, pid_t target, int sig)
{
    char check[128], what[128];
    siginfo_t si;
    memset(&si, 0, sizeof si);
    si.si_signo = sig;
    si.si_code = SI_QUEUE;
    si.si_pid = getpid();
    const char *s = sig ? sigabbrev_np(sig) : "0";
#define TRY(name, call)                                                        \
    do {                                                                       \
        snprintf(check, sizeof check, "%s_%s_%s", name, who, s);               \
        snprintf(what, sizeof what, "%s(%d, SIG%s)", name, (int)target, s);    \
        errno = 0;                                                             \
        long r_ = (call);                                                      \
        expect_fail(check, r_, errno, what);                                   \
    } while (0)
    TRY("kill", kill(target, sig));
    TRY("kill_group", kill(-target, sig));
    TRY("tkill", syscall(SYS_tkill, target, sig));
    TRY("tgkill", syscall(SYS_tgkill, target, target, sig));
    TRY("rt_sigqueueinfo", syscall(SYS_rt_sigqueueinfo, target, sig, &si));
    TRY("rt_tgsigqueueinfo", syscall(SYS_rt_tgsigqueueinfo, target, target, sig, &si));
    int pidfd = (int)syscall(SYS_pidfd_open, target, 0);
    int e = errno;
    snprintf(check, sizeof check, "pidfd_open_%s_%s", who, s);
    if (pidfd < 0) {
        held(check, "%s", errname(e));
    } else {
        long r = syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0);
        escaped(check, "pidfd_open(%d) gave a descriptor; pidfd_send_signal(SIG%s) on it: %s", (int)target, s, r == 0 ? "sent" : errname(errno));
        close(pidfd);
    }
    char path[64];
    snprintf(path, sizeof path, "/proc/%d", (int)target);
    int procfd = open(path, O_RDONLY | O_DIRECTORY);
    e = errno;
    snprintf(check, sizeof check, "proc_pidfd_%s_%s", who, s);
    if (procfd < 0) {
        held(check, "%s", errname(e));
    } else {
        long r = syscall(SYS_pidfd_send_signal, procfd, sig, NULL, 0);
        escaped(check, "%s opened; pidfd_send_signal(SIG%s) on it: %s", path, s, r == 0 ? "sent" : errname(errno));
        close(procfd);
    }
#undef TRY
}

static void process_calls(const char *who, pid_t target)
{
    char check[128];
    int status;
    siginfo_t si;
    struct rlimit rl;
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(0, &set);
    struct sched_param param = {0};
    char buf[16];
    struct iovec local = {buf, sizeof buf}, remote = {(void *)0x400000, sizeof buf};
    void *head;
    size_t len;
#define TRY(name, call)                                              \
    do {                                                             \
        snprintf(check, sizeof check, "%s_%s", name, who);           \
        errno = 0;                                                   \
        long r_ = (call);                                            \
        expect_fail(check, r_, errno, name);                         \
    } while (0)
    TRY("wait4", wait4(target, &status, WNOHANG, NULL));
    TRY("waitid", waitid(P_PID, (id_t)target, &si, WEXITED | WNOHANG));
    TRY("ptrace_attach", syscall(SYS_ptrace, 16 /* PTRACE_ATTACH */, target, 0, 0));
    TRY("ptrace_seize", syscall(SYS_ptrace, 0x4206 /* PTRACE_SEIZE */, target, 0, 0));
    TRY("process_vm_readv", syscall(SYS_process_vm_readv, target, &local, 1, &remote, 1, 0));
    TRY("prlimit64_get", syscall(SYS_prlimit64, target, RLIMIT_NOFILE, NULL, &rl));
    rl.rlim_cur = rl.rlim_max = 16;
    TRY("prlimit64_set", syscall(SYS_prlimit64, target, RLIMIT_NOFILE, &rl, NULL));
    errno = 0;
    int prio = getpriority(PRIO_PROCESS, (id_t)target);
    snprintf(check, sizeof check, "getpriority_%s", who);
    expect_fail(check, prio == -1 && errno ? -1 : 0, errno, "getpriority");
    TRY("setpriority", setpriority(PRIO_PROCESS, (id_t)target, 19));
    TRY("setpriority_group", setpriority(PRIO_PGRP, (id_t)target, 19));
    TRY("sched_setaffinity", sched_setaffinity(target, sizeof set, &set));
    TRY("sched_getaffinity", sched_getaffinity(target, sizeof set, &set));
    TRY("sched_setscheduler", sched_setscheduler(target, SCHED_IDLE, &param));
    TRY("ioprio_set", syscall(SYS_ioprio_set, 1 /* IOPRIO_WHO_PROCESS */, target, (3 << 13) /* IOPRIO_CLASS_IDLE */));
    TRY("get_robust_list", syscall(SYS_get_robust_list, target, &head, &len));
    TRY("kcmp", syscall(SYS_kcmp, getpid(), target, 0 /* KCMP_FILE */, 0, 0));
    TRY("setpgid", setpgid(target, target));
    TRY("getpgid", getpgid(target));
    TRY("getsid", getsid(target));
    /* A CPU-time clock id holds a pid (clock_getcpuclockid): the host's would read a host process's CPU time. */
    struct timespec ts;
    clockid_t cpu_clock = (clockid_t)((~(unsigned)target << 3) | 2 /* CPUCLOCK_SCHED */);
    TRY("clock_gettime_cpu_clock", clock_gettime(cpu_clock, &ts));
    TRY("clock_getres_cpu_clock", clock_getres(cpu_clock, &ts));
#undef TRY
}

/* F_SETOWN, F_SETOWN_EX, FIOSETOWN and SIOCSPGRP naming a host id fail, and I/O afterwards signals no host process. */
static void owners(const char *who, pid_t target)
{
    char check[128];
    int p[2], s[2];
    if (pipe2(p, O_NONBLOCK) != 0 || socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, s) != 0) return;
    int fds[2] = {p[0], s[0]};
    int writers[2] = {p[1], s[1]};
    const char *kinds[2] = {"pipe", "socket"};
    for (int k = 0; k < 2; k++) {
        int fd = fds[k];
        fcntl(fd, F_SETSIG, SIGUSR1);
        fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_ASYNC);
        struct f_owner_ex ex;
        long r;
#define TRY(name, call)                                                                   \
    do {                                                                                  \
        snprintf(check, sizeof check, "%s_%s_%s", name, kinds[k], who);                   \
        errno = 0;                                                                        \
        r = (call);                                                                       \
        expect_fail(check, r, errno, name);                                               \
        /* trigger I/O whatever the answer: if an owner was set, that owner is signalled */ \
        if (write(writers[k], "x", 1) == 1) {                                             \
            char c_;                                                                      \
            usleep(1000);                                                                 \
            if (read(fd, &c_, 1) < 0) { /* nothing */ }                                   \
        }                                                                                 \
    } while (0)
        TRY("f_setown", fcntl(fd, F_SETOWN, target));
        TRY("f_setown_group", fcntl(fd, F_SETOWN, -target));
        ex = (struct f_owner_ex){F_OWNER_TID, target};
        TRY("f_setown_ex_tid", fcntl(fd, F_SETOWN_EX, &ex));
        ex = (struct f_owner_ex){F_OWNER_PID, target};
        TRY("f_setown_ex_pid", fcntl(fd, F_SETOWN_EX, &ex));
        ex = (struct f_owner_ex){F_OWNER_PGRP, target};
        TRY("f_setown_ex_pgrp", fcntl(fd, F_SETOWN_EX, &ex));
        int id = target;
        TRY("fiosetown", ioctl(fd, FIOSETOWN, &id));
        if (k == 1) TRY("siocspgrp", ioctl(fd, SIOCSPGRP, &id));
        id = -target;
        TRY("fiosetown_group", ioctl(fd, FIOSETOWN, &id));
#undef TRY
        int owner = fcntl(fd, F_GETOWN);
        snprintf(check, sizeof check, "f_getown_%s_%s", kinds[k], who);
        expect(owner != target && owner != -target, check, "F_GETOWN answers %d", owner);
    }
    close(p[0]);
    close(p[1]);
    close(s[0]);
    close(s[1]);
}

/* ---- raced: signals and owners aimed at a guest child, buffers flipped to the canary's pid ---- */

static siginfo_t si_buf __attribute__((aligned(64)));
static siginfo_t si_guest, si_host;
static struct f_owner_ex owner_buf __attribute__((aligned(64)));
static struct f_owner_ex owner_guest, owner_host;
static int id_buf __attribute__((aligned(64)));
static int id_guest, id_host;
static int pid_fill[64];
static struct flipper F;

struct raced {
    long ok, failed, last_error, wrong_owner;
    int last_owner;
};

static __attribute__((noinline)) void raced_calls(long iterations, pid_t child, int pidfd, int rfd, int wfd, int sfd, int speer, struct raced *out)
{
    long ok = 0, failed = 0, last = 0, wrong = 0;
    int last_owner = 0;
    struct f_owner_ex got;
    char c;
    block_all_signals();
    FLIPPER_ATTACH_STACK(&F);
    for (long i = 0; i < iterations; i++) {
        long r;
        switch (i % 6) {
        case 0: r = RSYS2(SYS_kill, child, SIGURG); break;
        case 1: r = RSYS3(SYS_tgkill, child, child, SIGURG); break;
        case 2: r = RSYS3(SYS_rt_sigqueueinfo, child, SIGURG, &si_buf); break;
        case 3: r = RSYS4(SYS_pidfd_send_signal, pidfd, SIGURG, &si_buf, 0); break;
        case 4: r = RSYS3(SYS_fcntl, rfd, F_SETOWN_EX, &owner_buf); break;
        default: r = RSYS3(SYS_ioctl, sfd, FIOSETOWN, &id_buf); break;
        }
        if (r < 0) {
            failed++;
            last = r;
        } else {
            ok++;
        }
        if (i % 6 >= 4) {
            /* whoever owns the pipe or the socket now gets SIGURG for this byte */
            const long owned = i % 6 == 4 ? rfd : sfd;
            RSYS3(SYS_write, i % 6 == 4 ? wfd : speer, "x", 1);
            RSYS3(SYS_read, owned, &c, 1);
            if (RSYS3(SYS_fcntl, owned, F_GETOWN_EX, &got) == 0 && got.pid != child && got.pid != 0) {
                wrong++;
                last_owner = got.pid;
            }
        }
    }
    flipper_detach_stack(&F);
    out->ok = ok;
    out->failed = failed;
    out->last_error = last;
    out->wrong_owner = wrong;
    out->last_owner = last_owner;
}

static void race(long iterations)
{
    pid_t child = fork();
    if (child == 0) {
        for (;;) pause();
    }
    int pidfd = (int)syscall(SYS_pidfd_open, child, 0);
    int p[2], s[2];
    if (pidfd < 0 || pipe2(p, O_NONBLOCK) != 0 || socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, s) != 0) {
        escaped("race_setup", "pidfd_open of the guest child or pipe failed: %s", errname(errno));
        kill(child, SIGKILL);
        return;
    }
    fcntl(p[0], F_SETSIG, SIGURG);
    fcntl(p[0], F_SETFL, fcntl(p[0], F_GETFL) | O_ASYNC);
    fcntl(s[0], F_SETSIG, SIGURG);
    fcntl(s[0], F_SETFL, fcntl(s[0], F_GETFL) | O_ASYNC);

    memset(&si_guest, 0, sizeof si_guest);
    si_guest.si_signo = SIGURG;
    si_guest.si_code = SI_QUEUE;
    si_guest.si_pid = getpid();
    si_host = si_guest;
    si_host.si_pid = C.pid;
    si_buf = si_guest;
    owner_guest = (struct f_owner_ex){F_OWNER_PID, child};
    owner_host = (struct f_owner_ex){F_OWNER_PID, C.pid};
    owner_buf = owner_guest;
    id_guest = child;
    id_host = C.pid;
    id_buf = id_guest;
    for (int i = 0; i < 64; i++) pid_fill[i] = i % 2 ? C.pid : -C.pid;
    memset(&F, 0, sizeof F);
    flipper_add(&F, &si_buf, &si_guest, sizeof si_guest, &si_host, sizeof si_host);
    flipper_add(&F, &owner_buf, &owner_guest, sizeof owner_guest, &owner_host, sizeof owner_host);
    flipper_add(&F, &id_buf, &id_guest, sizeof id_guest, &id_host, sizeof id_host);
    F.fill = pid_fill;
    F.fill_len = sizeof pid_fill;
    struct raced out = {0};
    double start = now_seconds();
    flipper_start(&F);
    raced_calls(iterations, child, pidfd, p[0], p[1], s[0], s[1], &out);
    flipper_stop(&F);
    info("raced kill/tgkill/rt_sigqueueinfo/pidfd_send_signal/F_SETOWN_EX/FIOSETOWN at guest pid %d: %ld calls in %.1f s, %ld ok, %ld failed (last %s); flipper rounds %lu",
         (int)child, iterations, now_seconds() - start, out.ok, out.failed, out.last_error ? errname((int)-out.last_error) : "-", F.rounds);
    if (out.wrong_owner) escaped("race_signals_and_owners", "F_GETOWN_EX named %d (not the guest child) %ld times", out.last_owner, out.wrong_owner);
    else if (out.ok == 0) held("race_signals_and_owners", "inconclusive: no call succeeded; nothing escaped");
    else held("race_signals_and_owners", "%ld calls reached the guest child, the owner was always the guest's", out.ok);
    kill(child, SIGKILL);
    waitpid(child, NULL, 0);
    close(pidfd);
    close(p[0]);
    close(p[1]);
    close(s[0]);
    close(s[1]);
}

/* ---- credentials ---- */

struct creds_report {
    int pid, uid, gid;     /* the reporter's own getpid(), geteuid(), getegid() */
    struct ucred peer;     /* what SO_PEERCRED said the reporter's peer was */
    int peer_ok;
    int fd;                /* a descriptor only the reporter holds (its end of the connection) ... */
    unsigned long ino;     /* ... and its inode, so that a pidfd can be shown to be the reporter's */
    int pidfd_ok;          /* the reporter's SO_PEERPIDFD verdict on its own peer */
    char pidfd_detail[200];
};

static void check_peer(const char *check, const struct ucred *seen, int pid, int uid, int gid)
{
    int ok = seen->pid == pid && (int)seen->uid == uid && (int)seen->gid == gid && seen->pid != C.pid && seen->pid != C.uk_pid;
    expect(ok, check, "SO_PEERCRED pid %d uid %d gid %d; the peer is pid %d uid %d gid %d", (int)seen->pid, (int)seen->uid,
           (int)seen->gid, pid, uid, gid);
}

static unsigned long inode_of(int fd)
{
    struct stat st;
    return fstat(fd, &st) == 0 ? (unsigned long)st.st_ino : 0;
}

/* SO_PEERPIDFD on SOCK is refused, or gives a pidfd of the peer itself: the descriptor PEER_FD only the peer holds
   (inode PEER_INO) comes through it with pidfd_getfd. Never a pidfd of userkernel (the kernel makes connections on
   its own duplicates, so its pid is what a careless answer would give) or of any other process. */
static int peerpidfd_verdict(int sock, int peer_fd, unsigned long peer_ino, char *detail, size_t size)
{
    int pidfd = -1;
    socklen_t len = sizeof pidfd;
    if (getsockopt(sock, SOL_SOCKET, SO_PEERPIDFD, &pidfd, &len) != 0) {
        snprintf(detail, size, "refused: %s", errname(errno));
        return 1;
    }
    int copy = (int)syscall(SYS_pidfd_getfd, pidfd, peer_fd, 0);
    int e = errno;
    int same = copy >= 0 && inode_of(copy) == peer_ino;
    long sent = syscall(SYS_pidfd_send_signal, pidfd, 0, NULL, 0);
    int se = errno;
    snprintf(detail, size, "a pidfd whose process %s the peer's descriptor %d (pidfd_getfd: %s); signal 0 through it: %s",
             same ? "holds" : "does not hold", peer_fd, copy >= 0 ? (same ? "the peer's socket" : "another file") : errname(e),
             sent == 0 ? "allowed" : errname(se));
    if (copy >= 0) close(copy);
    close(pidfd);
    return same;
}

static void check_peerpidfd(const char *check, int sock, int peer_fd, unsigned long peer_ino)
{
    char detail[300];
    int ok = peerpidfd_verdict(sock, peer_fd, peer_ino, detail, sizeof detail);
    if (ok) held(check, "%s", detail);
    else escaped(check, "SO_PEERPIDFD gave %s: not the peer, maybe userkernel", detail);
}

static void credentials(void)
{
    /* a socketpair: both ends' peer is the process that made the pair */
    int sp[2];
    socketpair(AF_UNIX, SOCK_STREAM, 0, sp);
    fflush(stdout);
    pid_t child = fork();
    if (child == 0) {
        struct creds_report r = {getpid(), (int)geteuid(), (int)getegid(), {0}, 0, 0, 0, 0, ""};
        socklen_t len = sizeof r.peer;
        r.peer_ok = getsockopt(sp[1], SOL_SOCKET, SO_PEERCRED, &r.peer, &len) == 0;
        if (write(sp[1], &r, sizeof r) != sizeof r) _exit(1);
        _exit(0);
    }
    struct creds_report from_child = {0};
    if (read(sp[0], &from_child, sizeof from_child) != sizeof from_child) escaped("so_peercred_socketpair", "the child did not report");
    waitpid(child, NULL, 0);
    struct ucred mine = {0};
    socklen_t len = sizeof mine;
    getsockopt(sp[0], SOL_SOCKET, SO_PEERCRED, &mine, &len);
    check_peer("so_peercred_socketpair_parent_end", &mine, getpid(), (int)geteuid(), (int)getegid());
    check_peer("so_peercred_socketpair_child_end", &from_child.peer, getpid(), (int)geteuid(), (int)getegid());
    expect(from_child.pid == child, "fork_returns_the_childs_getpid", "fork() said %d, the child's getpid() %d", (int)child, from_child.pid);
    /* the peer of both ends is this process, which made the pair: sp[0] is its own descriptor */
    check_peerpidfd("so_peerpidfd_socketpair", sp[0], sp[0], inode_of(sp[0]));
    int on = 1;
    errno = 0;
    int r = setsockopt(sp[0], SOL_SOCKET, SO_PASSPIDFD, &on, sizeof on);
    expect(r != 0, "so_passpidfd_refused", "setsockopt SO_PASSPIDFD: %s", r == 0 ? "accepted (threat model: refused)" : errname(errno));
    close(sp[0]);
    close(sp[1]);

    /* guest-bound sockets: the accepted side's peer is the connecting child, the child's peer the listener */
    struct sockaddr_un a = {.sun_family = AF_UNIX, .sun_path = "/tmp/cred.sock"};
    int listener = socket(AF_UNIX, SOCK_STREAM, 0);
    unlink(a.sun_path);
    if (bind(listener, (struct sockaddr *)&a, sizeof a) != 0 || listen(listener, 1) != 0) {
        escaped("so_peercred_bound_setup", "bind/listen /tmp/cred.sock: %s", errname(errno));
        return;
    }
    unsigned long listener_ino = inode_of(listener);
    fflush(stdout);
    child = fork();
    if (child == 0) {
        int c = socket(AF_UNIX, SOCK_STREAM, 0);
        if (connect(c, (struct sockaddr *)&a, sizeof a) != 0) _exit(1);
        struct creds_report rep = {getpid(), (int)geteuid(), (int)getegid(), {0}, 0, c, inode_of(c), 0, ""};
        socklen_t l = sizeof rep.peer;
        rep.peer_ok = getsockopt(c, SOL_SOCKET, SO_PEERCRED, &rep.peer, &l) == 0;
        /* the peer is the parent, which listened: its listening socket is a descriptor the parent holds */
        rep.pidfd_ok = peerpidfd_verdict(c, listener, listener_ino, rep.pidfd_detail, sizeof rep.pidfd_detail);
        if (write(c, &rep, sizeof rep) != sizeof rep) _exit(1);
        char x;
        if (read(c, &x, 1) < 0) _exit(1);
        _exit(0);
    }
    int conn = accept(listener, NULL, NULL);
    struct creds_report rep = {0};
    if (conn < 0 || read(conn, &rep, sizeof rep) != sizeof rep) {
        escaped("so_peercred_bound", "the connecting child did not report: %s", errname(errno));
    } else {
        struct ucred peer = {0};
        len = sizeof peer;
        getsockopt(conn, SOL_SOCKET, SO_PEERCRED, &peer, &len);
        check_peer("so_peercred_accepted_side", &peer, rep.pid, rep.uid, rep.gid);
        check_peer("so_peercred_connecting_side", &rep.peer, getpid(), (int)geteuid(), (int)getegid());
        check_peerpidfd("so_peerpidfd_accepted_side", conn, rep.fd, rep.ino);
        if (rep.pidfd_ok) held("so_peerpidfd_connecting_side", "%s", rep.pidfd_detail);
        else escaped("so_peerpidfd_connecting_side", "SO_PEERPIDFD gave %s: not the peer, maybe userkernel", rep.pidfd_detail);
        if (write(conn, "x", 1) != 1) { /* the child exits anyway */ }
    }
    int status;
    waitpid(child, &status, 0);
    if (conn >= 0) close(conn);
    close(listener);
}

/* SCM_CREDENTIALS received with SO_PASSCRED name the sending guest, never a host process: a message by sendmsg
   (which the kernel sends for the guest) that carries a forged ucred naming the canary, and one by write (which the
   host sends). The kernel's send may name pid 0 instead, where the host refuses the kernel the guest's credentials. */
static void passed_credentials(void)
{
    int sp[2], on = 1;
    if (socketpair(AF_UNIX, SOCK_DGRAM, 0, sp) != 0 || setsockopt(sp[0], SOL_SOCKET, SO_PASSCRED, &on, sizeof on) != 0) {
        escaped("scm_credentials_setup", "socketpair or SO_PASSCRED: %s", errname(errno));
        return;
    }
    fflush(stdout);
    pid_t child = fork();
    if (child == 0) {
        char control[CMSG_SPACE(sizeof(struct ucred))];
        memset(control, 0, sizeof control);
        struct iovec v = {"m", 1};
        struct msghdr m = {.msg_iov = &v, .msg_iovlen = 1, .msg_control = control, .msg_controllen = sizeof control};
        struct cmsghdr *c = CMSG_FIRSTHDR(&m);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_CREDENTIALS;
        c->cmsg_len = CMSG_LEN(sizeof(struct ucred));
        struct ucred forged = {C.pid, 0, 0};
        memcpy(CMSG_DATA(c), &forged, sizeof forged);
        if (sendmsg(sp[1], &m, 0) != 1) { /* refused is fine: then only the write arrives */ }
        if (write(sp[1], "w", 1) != 1) _exit(1);
        _exit(0);
    }
    close(sp[1]);
    for (int i = 0; i < 2; i++) {
        char byte, control[CMSG_SPACE(sizeof(struct ucred))];
        struct iovec v = {&byte, 1};
        struct msghdr m = {.msg_iov = &v, .msg_iovlen = 1, .msg_control = control, .msg_controllen = sizeof control};
        if (recvmsg(sp[0], &m, 0) != 1) break;
        struct cmsghdr *c = CMSG_FIRSTHDR(&m);
        struct ucred u = {-1, 0, 0};
        if (c && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS) memcpy(&u, CMSG_DATA(c), sizeof u);
        const char *check = byte == 'm' ? "scm_credentials_of_sendmsg" : "scm_credentials_of_write";
        int ok = (u.pid == child || (byte == 'm' && u.pid == 0)) && u.pid != C.pid && u.pid != C.uk_pid;
        expect(ok, check, "ucred pid %d uid %d gid %d; the sender is guest pid %d", (int)u.pid, (int)u.uid, (int)u.gid, (int)child);
    }
    waitpid(child, NULL, 0);
    close(sp[0]);
}

/* si_pid of a guest's signal and of SIGCHLD is the sender's guest pid. */
static void siginfo_pids(void)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR2);
    sigaddset(&set, SIGCHLD);
    sigprocmask(SIG_BLOCK, &set, NULL);
    fflush(stdout);
    pid_t parent = getpid();
    pid_t child = fork();
    if (child == 0) {
        kill(parent, SIGUSR2);
        _exit(0);
    }
    siginfo_t si;
    struct timespec timeout = {10, 0};
    int got_usr2 = 0, got_chld = 0;
    for (int i = 0; i < 2; i++) {
        memset(&si, 0, sizeof si);
        int sig = sigtimedwait(&set, &si, &timeout);
        if (sig == SIGUSR2) {
            got_usr2 = 1;
            expect(si.si_pid == child, "siginfo_si_pid_of_kill", "si_pid %d, the sender is guest pid %d", (int)si.si_pid, (int)child);
        } else if (sig == SIGCHLD) {
            got_chld = 1;
            expect(si.si_pid == child, "siginfo_si_pid_of_sigchld", "si_pid %d, the child is guest pid %d", (int)si.si_pid, (int)child);
        }
    }
    if (!got_usr2) escaped("siginfo_si_pid_of_kill", "SIGUSR2 from the child never came");
    if (!got_chld) escaped("siginfo_si_pid_of_sigchld", "SIGCHLD never came");
    waitpid(child, NULL, 0);
    sigprocmask(SIG_UNBLOCK, &set, NULL);
}

int main(int argc, char **argv)
{
    hostile_init(argc, argv);
    signal(SIGUSR1, SIG_IGN); /* F_SETSIG's signal, should it come to us */
    signal(SIGURG, SIG_IGN);

    credentials();
    passed_credentials();
    siginfo_pids();

    /* signals that do no harm if they get through (the canary notices them) */
    signal_all_ways("canary", C.pid, SIGURG);
    signal_all_ways("canary", C.pid, SIGUSR1);
    signal_all_ways("canary", C.pid, SIGTERM);
    signal_all_ways("userkernel", C.uk_pid, 0);
    process_calls("canary", C.pid);
    process_calls("userkernel", C.uk_pid);
    owners("canary", C.pid);
    owners("userkernel", C.uk_pid);
    race(arg_num("iterations", 20000));

    /* kill(-1) reaches every guest process but the caller, and nothing of the host */
    errno = 0;
    long r = kill(-1, SIGURG);
    info("kill(-1, SIGURG): %s (the canary says whether it got it)", r == 0 ? "ok" : errname(errno));

    /* last: the signals that would end userkernel or the canary */
    signal_all_ways("userkernel", C.uk_pid, SIGUSR1);
    signal_all_ways("userkernel", C.uk_pid, SIGTERM);
    signal_all_ways("canary", C.pid, SIGSTOP);
    signal_all_ways("userkernel", C.uk_pid, SIGSTOP);
    signal_all_ways("canary", C.pid, SIGKILL);
    signal_all_ways("userkernel", C.uk_pid, SIGKILL);
    return hostile_finish();
}
