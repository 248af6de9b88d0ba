/* wait4 and waitid options: WNOHANG, WUNTRACED (a child stops itself), WCONTINUED, waitid P_PID with
 * WNOWAIT then wait4, P_ALL, P_PGID, __WALL, and the siginfo waitid fills. Pids are relations. */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "errnames.h"

static const char *yesno(int b) { return b ? "yes" : "no"; }

static void report(const char *what, int status)
{
    printf("%s: raw=%#x exited=%d stopped=%d stopsig=%d continued=%d signaled=%d\n", what, status,
           WIFEXITED(status), WIFSTOPPED(status), WIFSTOPPED(status) ? WSTOPSIG(status) : -1,
           WIFCONTINUED(status), WIFSIGNALED(status));
}

static void report_info(const char *what, pid_t expect, const siginfo_t *si)
{
    printf("%s: si_signo=%d si_code=%d si_status=%d si_pid is the child: %s\n", what, si->si_signo, si->si_code,
           si->si_status, yesno(si->si_pid == expect));
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    int status = 0;
    int gate[2];
    char c;

    /* WNOHANG on a running child, then WUNTRACED sees it stop itself, WCONTINUED sees SIGCONT. */
    pipe(gate);
    pid_t child = fork();
    if (child == 0) {
        raise(SIGSTOP);
        read(gate[0], &c, 1);  /* not gone before the parent has seen it continue */
        _exit(3);
    }
    pid_t w;
    while ((w = waitpid(child, &status, WNOHANG | WUNTRACED)) == 0) usleep(1000);
    printf("WNOHANG|WUNTRACED returned the child: %s\n", yesno(w == child));
    report("stopped", status);
    printf("WNOHANG on a stopped child already reported: %d\n", (int)waitpid(child, &status, WNOHANG | WUNTRACED));
    kill(child, SIGCONT);
    w = waitpid(child, &status, WCONTINUED);
    printf("WCONTINUED returned the child: %s\n", yesno(w == child));
    report("continued", status);
    write(gate[1], "x", 1);
    w = wait4(child, &status, 0, NULL);
    printf("wait4 returned the child: %s\n", yesno(w == child));
    report("exited", status);

    /* waitid with WSTOPPED and WCONTINUED. */
    child = fork();
    if (child == 0) {
        raise(SIGSTOP);
        read(gate[0], &c, 1);
        _exit(4);
    }
    siginfo_t si;
    memset(&si, 0, sizeof si);
    printf("waitid WSTOPPED: %s\n", waitid(P_PID, child, &si, WSTOPPED) == 0 ? "ok" : errname(errno));
    report_info("  stopped", child, &si);
    kill(child, SIGCONT);
    memset(&si, 0, sizeof si);
    printf("waitid WCONTINUED: %s\n", waitid(P_PID, child, &si, WCONTINUED) == 0 ? "ok" : errname(errno));
    report_info("  continued", child, &si);
    write(gate[1], "x", 1);

    /* WNOWAIT leaves the child waitable; wait4 then reaps it. */
    memset(&si, 0, sizeof si);
    printf("waitid P_PID WEXITED|WNOWAIT: %s\n", waitid(P_PID, child, &si, WEXITED | WNOWAIT) == 0 ? "ok" : errname(errno));
    report_info("  peeked", child, &si);
    memset(&si, 0, sizeof si);
    printf("waitid again with WNOWAIT: %s\n", waitid(P_ALL, 0, &si, WEXITED | WNOWAIT) == 0 ? "ok" : errname(errno));
    report_info("  peeked again", child, &si);
    w = wait4(child, &status, 0, NULL);
    printf("wait4 after WNOWAIT returned the child: %s\n", yesno(w == child));
    report("reaped", status);
    memset(&si, 0, sizeof si);
    CHECK("waitid P_PID of the reaped child", waitid(P_PID, child, &si, WEXITED));
    memset(&si, 0, sizeof si);
    CHECK("waitid P_ALL with no children", waitid(P_ALL, 0, &si, WEXITED | WNOHANG));

    /* WNOHANG with waitid on a running child: 0 and si_pid 0. */
    child = fork();
    if (child == 0) {
        read(gate[0], &c, 1);
        _exit(6);
    }
    memset(&si, 0, sizeof si);
    si.si_pid = 12345;
    int r = waitid(P_PID, child, &si, WEXITED | WNOHANG);
    printf("waitid WNOHANG on a running child: %d, si_pid %d\n", r, si.si_pid);
    write(gate[1], "x", 1);

    /* P_PGID with our group (id 0 is the caller's group) and __WALL. */
    memset(&si, 0, sizeof si);
    printf("waitid P_PGID 0: %s\n", waitid(P_PGID, 0, &si, WEXITED) == 0 ? "ok" : errname(errno));
    report_info("  exited", child, &si);

    child = fork();
    if (child == 0) _exit(8);
    memset(&si, 0, sizeof si);
    printf("waitid P_PGID getpgrp(): %s\n", waitid(P_PGID, getpgrp(), &si, WEXITED) == 0 ? "ok" : errname(errno));
    report_info("  exited", child, &si);

    child = fork();
    if (child == 0) _exit(9);
    w = waitpid(-1, &status, __WALL);
    printf("waitpid(-1, __WALL) returned the child: %s\n", yesno(w == child));
    report("exited", status);

    child = fork();
    if (child == 0) _exit(10);
    w = waitpid(0, &status, 0);
    printf("waitpid(0) returned the child: %s\n", yesno(w == child));
    w = waitpid(-getpgrp(), &status, WNOHANG);
    printf("waitpid(-getpgrp()) with no children: %s\n", w < 0 ? errname(errno) : "ok");

    /* A child killed by a signal: waitid's CLD_KILLED. */
    child = fork();
    if (child == 0) { pause(); _exit(0); }
    kill(child, SIGKILL);
    memset(&si, 0, sizeof si);
    waitid(P_PID, child, &si, WEXITED);
    report_info("killed", child, &si);

    CHECK("wait4 with an invalid option", wait4(-1, &status, 0x1000, NULL));
    CHECK("waitid with no event option", waitid(P_ALL, 0, &si, WNOHANG));
    CHECK("waitid P_PID of a missing pid", waitid(P_PID, 999999, &si, WEXITED));
    return 0;
}
