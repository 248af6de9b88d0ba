// The floor of syscall interception: the least a tracer can do per mediated call, to measure userkernel against.
//
//   floor trace  PROGRAM [ARG...]   getppid stops the caller under ptrace (SECCOMP_RET_TRACE); the tracer reads the
//                                   registers, skips the call, writes 4242 as its result and resumes
//   floor notify PROGRAM [ARG...]   getppid is a seccomp user notification; a supervisor answers 4242
//
// Everything else runs unmediated. Run `floor MODE /bench/bench getppid` and compare with userkernel's figure.
#define _GNU_SOURCE
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>

static void die(const char *what) { perror(what); exit(125); }

// getppid -> action; everything else allowed (the arch check is left out: the floor, not a boundary).
static long install(unsigned int action, unsigned int flags) {
    struct sock_filter code[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_getppid, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, action),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    struct sock_fprog prog = { .len = sizeof code / sizeof code[0], .filter = code };
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) die("prctl");
    return syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &prog);
}

static int trace(char **argv) {
    pid_t child = fork();
    if (child < 0) die("fork");
    if (child == 0) {
        if (ptrace(PTRACE_TRACEME, 0, 0, 0) != 0) die("PTRACE_TRACEME");
        raise(SIGSTOP);
        if (install(SECCOMP_RET_TRACE, 0) < 0) die("seccomp");
        execvp(argv[0], argv);
        die("execvp");
    }
    int status;
    waitpid(child, &status, 0);
    ptrace(PTRACE_SETOPTIONS, child, 0, PTRACE_O_TRACESECCOMP | PTRACE_O_EXITKILL);
    ptrace(PTRACE_CONT, child, 0, 0);
    for (;;) {
        if (waitpid(child, &status, 0) < 0) die("waitpid");
        if (WIFEXITED(status)) return WEXITSTATUS(status);
        if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
        int sig = 0;
        if (status >> 8 == (SIGTRAP | (PTRACE_EVENT_SECCOMP << 8))) {
            struct user_regs_struct regs;
            ptrace(PTRACE_GETREGS, child, 0, &regs);
            regs.orig_rax = -1; // skip the call
            regs.rax = 4242;
            ptrace(PTRACE_SETREGS, child, 0, &regs);
        } else if (WIFSTOPPED(status) && WSTOPSIG(status) != SIGTRAP) {
            sig = WSTOPSIG(status);
        }
        ptrace(PTRACE_CONT, child, 0, sig);
    }
}

// The child sends its listener over a socket pair; the parent answers every notification.
static int notify(char **argv) {
    int pair[2];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, pair) != 0) die("socketpair");
    pid_t child = fork();
    if (child < 0) die("fork");
    if (child == 0) {
        long listener = install(SECCOMP_RET_USER_NOTIF, SECCOMP_FILTER_FLAG_NEW_LISTENER);
        if (listener < 0) die("seccomp");
        char byte = 0;
        char control[CMSG_SPACE(sizeof(int))] = {0};
        struct iovec iov = { &byte, 1 };
        struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control, .msg_controllen = sizeof control };
        struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
        c->cmsg_level = SOL_SOCKET; c->cmsg_type = SCM_RIGHTS; c->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(c), &(int){ (int)listener }, sizeof(int));
        if (sendmsg(pair[1], &msg, 0) != 1) die("sendmsg");
        close((int)listener);
        close(pair[0]); close(pair[1]);
        execvp(argv[0], argv);
        die("execvp");
    }
    close(pair[1]);
    char byte;
    char control[CMSG_SPACE(sizeof(int))];
    struct iovec iov = { &byte, 1 };
    struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control, .msg_controllen = sizeof control };
    if (recvmsg(pair[0], &msg, 0) != 1) die("recvmsg");
    int listener;
    memcpy(&listener, CMSG_DATA(CMSG_FIRSTHDR(&msg)), sizeof(int));
    struct seccomp_notif req;
    struct seccomp_notif_resp resp;
    for (;;) {
        // POLLHUP: no process is left under the filter.
        struct pollfd p = { .fd = listener, .events = POLLIN };
        if (poll(&p, 1, -1) < 0 && errno != EINTR) die("poll");
        if (p.revents & POLLHUP) break;
        if (!(p.revents & POLLIN)) continue;
        memset(&req, 0, sizeof req);
        if (ioctl(listener, SECCOMP_IOCTL_NOTIF_RECV, &req) != 0) continue; // gone before it was read
        resp = (struct seccomp_notif_resp){ .id = req.id, .val = 4242 };
        ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, &resp);
    }
    int status;
    waitpid(child, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int main(int argc, char **argv) {
    if (argc < 3 || (strcmp(argv[1], "trace") && strcmp(argv[1], "notify"))) {
        fprintf(stderr, "usage: floor trace|notify PROGRAM [ARG...]\n");
        return 2;
    }
    return strcmp(argv[1], "trace") == 0 ? trace(argv + 2) : notify(argv + 2);
}
