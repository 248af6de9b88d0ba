/* A traced process that a thread's int3 ends (its tracer follows no clones, so the SIGTRAP is delivered) while it is
   still making threads: a thread whose clone the dying parent never announced must not keep the process, and the
   kernel, from ending. Regression: the kernel held such a thread at the exit event it inherited, forever. */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

static void *work(void *arg)
{
    (void)arg;
    usleep(1000);
    __asm__ volatile("int3");
    return NULL;
}

int main(void)
{
    struct rlimit none = { 0, 0 };
    setrlimit(RLIMIT_CORE, &none);
    setvbuf(stdout, NULL, _IONBF, 0);
    for (int round = 0; round < 5; round++) {
        pid_t c = fork();
        if (c == 0) {
            ptrace(PTRACE_TRACEME, 0, 0, 0);
            raise(SIGSTOP);
            pthread_t t[8];
            for (int i = 0; i < 8; i++) pthread_create(&t[i], NULL, work, NULL);
            for (int i = 0; i < 8; i++) pthread_join(t[i], NULL);
            return 0;
        }
        int st;
        waitpid(c, &st, 0);
        ptrace(PTRACE_SETOPTIONS, c, 0, PTRACE_O_EXITKILL | PTRACE_O_TRACEEXIT);
        ptrace(PTRACE_CONT, c, 0, 0);
        for (;;) {
            pid_t p = waitpid(-1, &st, __WALL);
            if (p < 0) break;
            if (WIFEXITED(st) || WIFSIGNALED(st)) {
                if (p == c) { printf("round %d: %s %d\n", round, WIFSIGNALED(st) ? "killed by" : "exited", WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st)); break; }
                continue;
            }
            if (st >> 16 == PTRACE_EVENT_EXIT) printf("round %d: exit event\n", round);
            ptrace(PTRACE_CONT, p, 0, WIFSTOPPED(st) && (st >> 16) == 0 ? WSTOPSIG(st) : 0);
        }
    }
    return 0;
}
