/* Host side of HostileGuestTests (compiled natively, never run in the guest): runs userkernel as its child and
   says exactly how it ended, which a shell's $? cannot (a process killed by signal N and one that exited with
   128+N look the same there).

   usage: supervise STATUS-FILE SECONDS -- COMMAND [ARG...]
   Every "{pid}" in an argument becomes the child's pid, so userkernel can be told its own host pid. The
   child gets SIGKILL after SECONDS (the only process this program ever signals). STATUS-FILE gets one line:
       exit N after T s | signal N (NAME) after T s | timeout after T s
   and supervise exits with N, 128+N or 124 (as timeout(1) does) respectively. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static char *substitute(const char *arg, const char *pid)
{
    size_t count = 0;
    for (const char *p = arg; (p = strstr(p, "{pid}")); p += 5) count++;
    char *out = malloc(strlen(arg) + count * strlen(pid) + 1), *o = out;
    for (const char *p = arg; *p;) {
        if (strncmp(p, "{pid}", 5) == 0) {
            o = stpcpy(o, pid);
            p += 5;
        } else {
            *o++ = *p++;
        }
    }
    *o = 0;
    return out;
}

int main(int argc, char **argv)
{
    if (argc < 5 || strcmp(argv[3], "--") != 0) {
        fprintf(stderr, "usage: supervise STATUS-FILE SECONDS -- COMMAND [ARG...]\n");
        return 2;
    }
    const char *status_file = argv[1];
    double limit = atof(argv[2]);
    double start = now();
    pid_t child = fork();
    if (child < 0) {
        perror("supervise: fork");
        return 2;
    }
    if (child == 0) {
        char pid[32];
        snprintf(pid, sizeof pid, "%d", (int)getpid());
        char **args = calloc((size_t)argc, sizeof *args);
        for (int i = 4; i < argc; i++) args[i - 4] = substitute(argv[i], pid);
        execvp(args[0], args);
        fprintf(stderr, "supervise: %s: %s\n", args[0], strerror(errno));
        _exit(127);
    }
    int status = 0, code;
    char line[128];
    for (;;) {
        pid_t r = waitpid(child, &status, WNOHANG);
        if (r == child) break;
        if (r < 0 && errno != EINTR) {
            perror("supervise: waitpid");
            return 2;
        }
        if (now() - start > limit) {
            kill(child, SIGKILL);
            waitpid(child, &status, 0);
            snprintf(line, sizeof line, "timeout after %.1f s\n", now() - start);
            code = 124;
            goto out;
        }
        usleep(10000);
    }
    if (WIFSIGNALED(status)) {
        snprintf(line, sizeof line, "signal %d (SIG%s) after %.1f s\n", WTERMSIG(status), sigabbrev_np(WTERMSIG(status)) ? sigabbrev_np(WTERMSIG(status)) : "?", now() - start);
        code = 128 + WTERMSIG(status);
    } else {
        snprintf(line, sizeof line, "exit %d after %.1f s\n", WEXITSTATUS(status), now() - start);
        code = WEXITSTATUS(status);
    }
out:;
    FILE *f = fopen(status_file, "w");
    if (f) {
        fputs(line, f);
        fclose(f);
    }
    return code;
}
