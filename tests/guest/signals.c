/* Signals between guest processes: kill to a child, SIGCHLD's si_pid, sigqueue's value and si_pid,
 * rt_tgsigqueueinfo to a thread, pidfd_open and pidfd_send_signal. Pids are printed as relations. */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include "errnames.h"

static volatile sig_atomic_t got;
static siginfo_t last;

static void on_signal(int sig, siginfo_t *info, void *ctx)
{
    (void)ctx;
    last = *info;
    got = sig;
}

static void install(int sig)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_signal;
    sa.sa_flags = SA_SIGINFO;
    sigemptyset(&sa.sa_mask);
    sigaction(sig, &sa, NULL);
}

/* Waits for SIG, blocked until now: a handler runs for it inside sigsuspend; others stay pending. */
static void await_sig(int sig)
{
    sigset_t allow;
    sigfillset(&allow);
    sigdelset(&allow, sig);
    got = 0;
    while (got != sig) sigsuspend(&allow);
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    sigset_t all;
    sigemptyset(&all);
    sigaddset(&all, SIGUSR1);
    sigaddset(&all, SIGUSR2);
    sigaddset(&all, SIGCHLD);
    sigaddset(&all, SIGRTMIN + 1);
    sigprocmask(SIG_BLOCK, &all, NULL);
    install(SIGUSR1);
    install(SIGUSR2);
    install(SIGCHLD);
    install(SIGRTMIN + 1);

    /* kill to a child; the child answers with kill to its parent. */
    pid_t parent = getpid();
    /* Each child's SIGCHLD is taken before the next child starts, so si_pid names the right one. */
    pid_t child = fork();
    if (child == 0) {
        await_sig(SIGUSR1);
        int ok = last.si_code == SI_USER && last.si_pid == getppid();
        kill(getppid(), SIGUSR2);
        _exit(ok ? 0 : 1);
    }
    printf("kill(child, SIGUSR1): %s\n", kill(child, SIGUSR1) == 0 ? "ok" : errname(errno));
    await_sig(SIGUSR2);
    printf("SIGUSR2 from the child: si_code SI_USER: %s, si_pid is the child: %s\n",
           last.si_code == SI_USER ? "yes" : "no", last.si_pid == child ? "yes" : "no");
    await_sig(SIGCHLD);
    printf("SIGCHLD: %s, si_code CLD_EXITED: %s, si_pid is the pid fork returned: %s, si_status %d\n",
           got == SIGCHLD ? "yes" : "no", last.si_code == CLD_EXITED ? "yes" : "no", last.si_pid == child ? "yes" : "no",
           last.si_status);
    int status;
    waitpid(child, &status, 0);
    printf("child saw SI_USER from its parent's pid: %s\n", WIFEXITED(status) && WEXITSTATUS(status) == 0 ? "yes" : "no");

    /* sigqueue with a value, to a child that reports what it received through its exit status. */
    child = fork();
    if (child == 0) {
        await_sig(SIGRTMIN + 1);
        int ok = last.si_code == SI_QUEUE && last.si_value.sival_int == 42 && last.si_pid == parent;
        _exit(ok ? 0 : 1);
    }
    union sigval v = { .sival_int = 42 };
    printf("sigqueue(child, SIGRTMIN+1, 42): %s\n", sigqueue(child, SIGRTMIN + 1, v) == 0 ? "ok" : errname(errno));
    waitpid(child, &status, 0);
    printf("child got SI_QUEUE, value 42, si_pid its parent: %s\n", WIFEXITED(status) && WEXITSTATUS(status) == 0 ? "yes" : "no");

    /* sigqueue to itself: si_pid is the sender's pid. */
    v.sival_int = 7;
    sigqueue(getpid(), SIGUSR1, v);
    await_sig(SIGUSR1);
    printf("sigqueue to itself: value %d, si_pid is getpid: %s\n", last.si_value.sival_int, last.si_pid == getpid() ? "yes" : "no");

    /* rt_tgsigqueueinfo to the calling thread by its tid. */
    siginfo_t si;
    memset(&si, 0, sizeof si);
    si.si_signo = SIGUSR2;
    si.si_code = SI_QUEUE;
    si.si_pid = getpid();
    si.si_uid = getuid();
    si.si_value.sival_int = 9;
    long r = syscall(SYS_rt_tgsigqueueinfo, getpid(), (pid_t)syscall(SYS_gettid), SIGUSR2, &si);
    printf("rt_tgsigqueueinfo to itself: %s\n", r == 0 ? "ok" : errname(errno));
    await_sig(SIGUSR2);
    printf("  value %d, si_pid is getpid: %s\n", last.si_value.sival_int, last.si_pid == getpid() ? "yes" : "no");
    /* A code the kernel itself uses (SI_USER) is allowed only to oneself; si_pid arrives as written. */
    si.si_signo = SIGUSR2;
    si.si_code = SI_USER;
    si.si_pid = getpid();
    r = syscall(SYS_rt_sigqueueinfo, getpid(), SIGUSR2, &si);
    printf("rt_sigqueueinfo SI_USER to itself: %s\n", r == 0 ? "ok" : errname(errno));
    await_sig(SIGUSR2);
    printf("  si_code SI_USER: %s, si_pid is getpid: %s\n", last.si_code == SI_USER ? "yes" : "no", last.si_pid == getpid() ? "yes" : "no");
    si.si_code = SI_QUEUE;
    CHECK("rt_sigqueueinfo to a missing pid", syscall(SYS_rt_sigqueueinfo, 999999, SIGUSR1, &si));
    CHECK("tkill to a missing tid", syscall(SYS_tkill, 999999, SIGUSR1));

    /* pidfd_open and pidfd_send_signal. */
    child = fork();
    if (child == 0) {
        await_sig(SIGUSR1);
        _exit(last.si_pid == getppid() ? 0 : 1);
    }
    int pidfd = (int)syscall(SYS_pidfd_open, child, 0);
    printf("pidfd_open(child): %s\n", pidfd >= 0 ? "ok" : errname(errno));
    printf("pidfd_send_signal(SIGUSR1): %s\n", syscall(SYS_pidfd_send_signal, pidfd, SIGUSR1, NULL, 0) == 0 ? "ok" : errname(errno));
    siginfo_t wi;
    memset(&wi, 0, sizeof wi);
    r = waitid(P_PIDFD, pidfd, &wi, WEXITED);
    printf("waitid(P_PIDFD): %s, si_pid is the child: %s, status %d\n", r == 0 ? "ok" : errname(errno),
           wi.si_pid == child ? "yes" : "no", wi.si_status);
    close(pidfd);
    CHECK("pidfd_open of a reaped child", syscall(SYS_pidfd_open, child, 0));
    CHECK("pidfd_open of a missing pid", syscall(SYS_pidfd_open, 999999, 0));
    return 0;
}
