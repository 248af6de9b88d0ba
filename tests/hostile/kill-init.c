/* kill-init: the guest's pid 1 cannot be killed or stopped from inside, as in a pid namespace.

   Run as the first program (guest pid 1). It sends itself SIGKILL and SIGSTOP by kill, tkill, tgkill,
   rt_sigqueueinfo, rt_tgsigqueueinfo and pidfd_open(1) + pidfd_send_signal; a child sends pid 1 the same, and a
   child in pid 1's process group sends SIGKILL and SIGSTOP to the whole group (kill(0, ...)), and kill(-1, ...).
   After each, pid 1 is alive (and not stopped: it goes on to print HELD). */
#include "hostile.h"
#include <sys/wait.h>

enum way { KILL, TKILL, TGKILL, SIGQUEUEINFO, TGSIGQUEUEINFO, PIDFD, WAYS };
static const char *const way_names[] = {"kill", "tkill", "tgkill", "rt_sigqueueinfo", "rt_tgsigqueueinfo", "pidfd_send_signal"};

static long send_to_1(enum way way, int sig)
{
    siginfo_t si;
    memset(&si, 0, sizeof si);
    si.si_signo = sig;
    si.si_code = SI_QUEUE;
    si.si_pid = getpid();
    switch (way) {
    case KILL: return kill(1, sig);
    case TKILL: return syscall(SYS_tkill, 1, sig);
    case TGKILL: return syscall(SYS_tgkill, 1, 1, sig);
    case SIGQUEUEINFO: return syscall(SYS_rt_sigqueueinfo, 1, sig, &si);
    case TGSIGQUEUEINFO: return syscall(SYS_rt_tgsigqueueinfo, 1, 1, sig, &si);
    default: {
        int pidfd = (int)syscall(SYS_pidfd_open, 1, 0);
        if (pidfd < 0) return -1;
        long r = syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0);
        close(pidfd);
        return r;
    }
    }
}

/* Still here: not killed, and not stopped (a stopped pid 1 would print nothing more). */
static void alive(const char *check, const char *detail)
{
    usleep(20000); /* a signal that got through has been delivered by now */
    held(check, "%s; pid 1 is alive and running", detail);
}

int main(int argc, char **argv)
{
    hostile_init(argc, argv);
    if (getpid() != 1) {
        escaped("setup", "kill-init must be the first program (it is guest pid %d)", (int)getpid());
        return hostile_finish();
    }
    const int sigs[] = {SIGSTOP, SIGKILL};
    char check[96];

    /* from pid 1 itself */
    for (int s = 0; s < 2; s++)
        for (int w = 0; w < WAYS; w++) {
            errno = 0;
            long r = send_to_1((enum way)w, sigs[s]);
            snprintf(check, sizeof check, "self_%s_%s", way_names[w], sigabbrev_np(sigs[s]));
            alive(check, r == 0 ? "the call answered 0" : errname(errno));
        }

    /* from a child */
    for (int s = 0; s < 2; s++)
        for (int w = 0; w < WAYS; w++) {
            fflush(stdout);
            pid_t child = fork();
            if (child == 0) _exit(send_to_1((enum way)w, sigs[s]) == 0 ? 0 : 100 + (errno & 0x7f));
            int status;
            waitpid(child, &status, 0);
            snprintf(check, sizeof check, "child_%s_%s", way_names[w], sigabbrev_np(sigs[s]));
            alive(check, WIFEXITED(status) && WEXITSTATUS(status) >= 100 ? errname(WEXITSTATUS(status) - 100) : "the call answered 0");
        }

    /* a child in pid 1's process group signals the whole group, and everyone */
    for (int s = 0; s < 2; s++)
        for (int target = 0; target > -2; target--) {
            fflush(stdout);
            pid_t child = fork();
            if (child == 0) {
                kill(target, sigs[s]);
                _exit(0);
            }
            int status;
            const char *fate = "the child survived";
            waitpid(child, &status, WUNTRACED);
            if (WIFSTOPPED(status)) {
                /* the child stopped itself with its group: it is the child's own business */
                fate = "the child stopped with its group";
                kill(child, SIGKILL);
                waitpid(child, &status, 0);
            } else if (WIFSIGNALED(status)) {
                fate = "the child died with its group";
            }
            snprintf(check, sizeof check, "child_kill_%s_%s", target == 0 ? "own_group" : "minus_one", sigabbrev_np(sigs[s]));
            alive(check, fate);
        }
    return hostile_finish();
}
