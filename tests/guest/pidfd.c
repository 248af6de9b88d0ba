/* pidfds: a child's descriptor copied with pidfd_getfd reads the same file, pidfd_send_signal ends the child,
   and a pidfd for a pid that does not exist is ESRCH. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include "errnames.h"

int main(void)
{
    int ready[2];
    if (pipe(ready) != 0) return 1;
    pid_t child = fork();
    if (child == 0) {
        int fd = open("/data/nested/top.txt", O_RDONLY);
        dup2(fd, 42);
        if (write(ready[1], "x", 1) != 1) _exit(1);
        pause();
        _exit(0);
    }
    char x;
    if (read(ready[0], &x, 1) != 1) return 1;
    int pidfd = (int)syscall(SYS_pidfd_open, child, 0);
    printf("pidfd_open: %s\n", pidfd >= 0 ? "ok" : errname(errno));
    int copy = (int)syscall(SYS_pidfd_getfd, pidfd, 42, 0);
    char text[16] = {0};
    if (copy < 0) printf("pidfd_getfd: %s\n", errname(errno));
    else printf("pidfd_getfd: read %zd '%.3s'\n", read(copy, text, sizeof text - 1), text);
    printf("pidfd_getfd of a closed fd: %s\n", syscall(SYS_pidfd_getfd, pidfd, 77, 0) < 0 ? errname(errno) : "ok");
    printf("pidfd_send_signal: %s\n", syscall(SYS_pidfd_send_signal, pidfd, SIGTERM, NULL, 0) == 0 ? "ok" : errname(errno));
    int status;
    waitpid(child, &status, 0);
    printf("child: signalled %d by %d\n", WIFSIGNALED(status), WTERMSIG(status));
    printf("pidfd_open of a missing pid: %s\n", syscall(SYS_pidfd_open, 999999, 0) < 0 ? errname(errno) : "ok");
    return 0;
}
