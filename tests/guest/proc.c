/* Process identity and wait status: guest pids, fork's return, getppid, wait4 encodings.
 * Lines starting with '@' hold pid values, which differ from a native run by design;
 * every other line must match native output byte for byte. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include "errnames.h"

static void report(const char *what, int status)
{
    printf("%s: raw=%#x exited=%d status=%d signaled=%d sig=%d\n", what, status,
           WIFEXITED(status), WIFEXITED(status) ? WEXITSTATUS(status) : -1,
           WIFSIGNALED(status), WIFSIGNALED(status) ? WTERMSIG(status) : -1);
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    printf("@getpid=%d\n", (int)getpid());
    printf("@getppid=%d\n", (int)getppid());

    int p[2];
    if (pipe(p) != 0) return 2;
    pid_t child = fork();
    if (child == 0) {
        int ids[2] = { getpid(), getppid() };
        write(p[1], ids, sizeof ids);
        _exit(7);
    }
    close(p[1]);
    int ids[2] = { 0, 0 };
    read(p[0], ids, sizeof ids);
    close(p[0]);
    printf("@first-child=%d\n", (int)child);
    printf("fork returned the child's getpid: %s\n", child == ids[0] ? "yes" : "no");
    printf("child's getppid is the parent's getpid: %s\n", ids[1] == getpid() ? "yes" : "no");
    int status = 0;
    struct rusage ru;
    pid_t waited = wait4(child, &status, 0, &ru);
    printf("wait4 returned the child: %s\n", waited == child ? "yes" : "no");
    report("exit 7", status);

    int sigs[] = { SIGTERM, SIGKILL, SIGUSR1, SIGHUP };
    for (unsigned i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
        child = fork();
        if (child == 0) {
            signal(sigs[i], SIG_DFL); /* the runner may have ignored it */
            kill(getpid(), sigs[i]);
            pause();
            _exit(99);
        }
        waited = waitpid(child, &status, 0);
        char what[32];
        snprintf(what, sizeof what, "signal %d", sigs[i]);
        printf("waitpid returned the child: %s\n", waited == child ? "yes" : "no");
        report(what, status);
    }

    /* Three children exiting 1, 2, 3; wait4(-1) must name each by the pid fork returned. */
    pid_t kids[3];
    for (int i = 0; i < 3; i++) {
        kids[i] = fork();
        if (kids[i] == 0) _exit(i + 1);
    }
    int seen = 0;
    for (int n = 0; n < 3; n++) {
        waited = wait4(-1, &status, 0, NULL);
        for (int i = 0; i < 3; i++)
            if (waited == kids[i] && WIFEXITED(status) && WEXITSTATUS(status) == i + 1) seen |= 1 << i;
    }
    printf("wait4(-1) matched all three children to their exit codes: %s\n", seen == 7 ? "yes" : "no");
    CHECK("wait4 with no children", wait4(-1, &status, WNOHANG, NULL));

    /* A grandchild sees its parent's guest pid; exit 255 and exit 0 encode as Linux does. */
    child = fork();
    if (child == 0) {
        pid_t me = getpid();
        pid_t grandchild = fork();
        if (grandchild == 0) _exit(getppid() == me ? 0 : 1);
        int st = 0;
        waitpid(grandchild, &st, 0);
        _exit(WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 255 : 1);
    }
    waitpid(child, &status, 0);
    report("grandchild saw its parent (255 = yes)", status);

    child = fork();
    if (child == 0) {
        sleep(5);
        _exit(0);
    }
    printf("WNOHANG on a running child returns 0: %s\n", waitpid(child, &status, WNOHANG) == 0 ? "yes" : "no");
    CHECK("kill of the child by its pid", kill(child, SIGKILL));
    waitpid(child, &status, 0);
    report("killed by parent", status);
    CHECK("kill of a reaped pid", kill(child, 0));
    return 0;
}
