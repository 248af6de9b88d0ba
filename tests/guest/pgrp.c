/* Process groups and sessions: getpgrp, getpgid, getsid, setpgid, setsid, as relations between pids. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>
#include "errnames.h"

static const char *yesno(int b) { return b ? "yes" : "no"; }

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    printf("getpgrp == getpgid(0): %s\n", yesno(getpgrp() == getpgid(0)));
    printf("getpgid(getpid) == getpgid(0): %s\n", yesno(getpgid(getpid()) == getpgid(0)));
    printf("getsid(getpid) == getsid(0): %s\n", yesno(getsid(getpid()) == getsid(0)));
    CHECK("getpgid of a missing pid", getpgid(999999));
    CHECK("getsid of a missing pid", getsid(999999));
    CHECK("setpgid of a missing pid", setpgid(999999, 0));
    CHECK("setpgid with a negative pgid", setpgid(0, -1));

    int sync[2];
    pipe(sync);
    pid_t parent = getpid();
    pid_t child = fork();
    if (child == 0) {
        char c;
        read(sync[0], &c, 1);
        /* In its own group (the parent made it), then a session of its own. */
        printf("child: getpgrp is its pid: %s\n", yesno(getpgrp() == getpid()));
        printf("child: setsid as a group leader: %s\n", setsid() < 0 ? errname(errno) : "ok");
        pid_t grandchild = fork();
        if (grandchild == 0) {
            pid_t sid = setsid();
            printf("grandchild: setsid returns its pid: %s\n", yesno(sid == getpid()));
            printf("grandchild: getsid(0) and getpgrp are its pid: %s\n", yesno(getsid(0) == getpid() && getpgrp() == getpid()));
            printf("grandchild: getsid of its parent is not its own: %s\n", yesno(getsid(getppid()) != getpid()));
            printf("grandchild: setpgid into another session's group: %s\n", setpgid(0, getppid()) < 0 ? errname(errno) : "ok");
            printf("grandchild: setsid again: %s\n", setsid() < 0 ? errname(errno) : "ok");
            _exit(0);
        }
        waitpid(grandchild, NULL, 0);
        _exit(0);
    }
    printf("setpgid(child, child): %s\n", setpgid(child, child) < 0 ? errname(errno) : "ok");
    printf("getpgid(child) is the child's pid: %s\n", yesno(getpgid(child) == child));
    printf("getsid(child) is ours: %s\n", yesno(getsid(child) == getsid(0)));
    printf("getpgid(child) is not our group: %s\n", yesno(getpgid(child) != getpgrp()));
    (void)parent;
    write(sync[1], "x", 1);
    int status;
    waitpid(child, &status, 0);

    /* A second child joins the first child's (now empty of live members? no: reaped) group: EPERM. */
    pid_t a = fork();
    if (a == 0) { setpgid(0, 0); pause(); _exit(0); }
    setpgid(a, a);
    pid_t b = fork();
    if (b == 0) { pause(); _exit(0); }
    printf("setpgid(b, a) into a's group: %s\n", setpgid(b, a) < 0 ? errname(errno) : "ok");
    printf("getpgid(b) is a: %s\n", yesno(getpgid(b) == a));
    printf("kill(-a, SIGTERM) to the group: %s\n", kill(-a, SIGTERM) < 0 ? errname(errno) : "ok");
    int sa, sb;
    pid_t wa = waitpid(-a, &sa, 0);
    pid_t wb = waitpid(-a, &sb, 0);
    printf("waitpid(-pgid) reaped both: %s\n", yesno((wa == a && wb == b) || (wa == b && wb == a)));
    printf("both killed by SIGTERM: %s\n", yesno(WIFSIGNALED(sa) && WTERMSIG(sa) == SIGTERM && WIFSIGNALED(sb) && WTERMSIG(sb) == SIGTERM));
    CHECK("waitpid(-pgid) with none left", waitpid(-a, &sa, 0));
    CHECK("setpgid(0, 0) when already a leader or not", 0);
    return 0;
}
