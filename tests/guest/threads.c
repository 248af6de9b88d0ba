/* Threads: guest tids in every thread, CLONE_PARENT_SETTID/CHILD_SETTID words, set_tid_address,
 * pthread_kill to a thread by tid, a futex join, a leader that exits before its threads (the process
 * stays until the last thread exits), and execve from a thread that is not the leader.
 * Pid values differ from a native run by design, so only their relations are printed. */
#define _GNU_SOURCE
#define FUTEX_WAIT 0
#define FUTEX_WAKE 1
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define NTHREADS 4

static pid_t tids[NTHREADS];
static pid_t pids[NTHREADS];
static volatile int done;          /* futex word: number of workers finished */
static volatile pid_t handled_in;  /* the tid a SIGUSR1 handler ran in */
static volatile int release;

static pid_t my_tid(void) { return (pid_t)syscall(SYS_gettid); }

static void futex_wait(volatile int *word, int value) { syscall(SYS_futex, word, FUTEX_WAIT, value, NULL, NULL, 0); }
static void futex_wake(volatile int *word) { syscall(SYS_futex, word, FUTEX_WAKE, 1 << 30, NULL, NULL, 0); }

static void on_usr1(int sig) { (void)sig; handled_in = my_tid(); }

static void *worker(void *arg)
{
    long i = (long)arg;
    pids[i] = getpid();
    __atomic_store_n(&tids[i], my_tid(), __ATOMIC_SEQ_CST);  /* published last: main waits on it */
    while (!release) usleep(1000);
    __atomic_add_fetch(&done, 1, __ATOMIC_SEQ_CST);
    futex_wake(&done);
    return NULL;
}

static pid_t clone_child_tid, clone_ctid_seen, clone_gettid;
static volatile int clone_ctid;  /* CLONE_CHILD_SETTID, then cleared (CLONE_CHILD_CLEARTID) when the thread ends */
static pid_t clone_ptid;         /* CLONE_PARENT_SETTID */

static int cloned(void *arg)
{
    (void)arg;
    clone_gettid = my_tid();
    clone_ctid_seen = clone_ctid;
    return 0;
}

static void raw_clone(void)
{
    size_t size = 256 * 1024;
    char *stack = malloc(size);
    int flags = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM |
                CLONE_PARENT_SETTID | CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID;
    clone_ctid = -1;
    clone_child_tid = clone(cloned, stack + size, flags, NULL, &clone_ptid, NULL, (void *)&clone_ctid);
    if (clone_child_tid < 0) { perror("clone"); return; }
    while (clone_ctid != 0) futex_wait(&clone_ctid, clone_ctid);
    printf("clone(CLONE_THREAD) returned the thread's gettid: %s\n", clone_child_tid == clone_gettid ? "yes" : "no");
    printf("CLONE_PARENT_SETTID word is the thread's tid: %s\n", clone_ptid == clone_gettid ? "yes" : "no");
    printf("CLONE_CHILD_SETTID word is the thread's tid: %s\n", clone_ctid_seen == clone_gettid ? "yes" : "no");
    printf("CLONE_CHILD_CLEARTID word cleared at thread exit: %s\n", clone_ctid == 0 ? "yes" : "no");
    free(stack);
}

static int lead_pipe[2], back_pipe[2];

static void *outlive_leader(void *arg)
{
    (void)arg;
    char c;
    read(lead_pipe[0], &c, 1);  /* the parent says the leader is gone */
    pid_t ids[2] = { getpid(), my_tid() };
    write(back_pipe[1], ids, sizeof ids);
    exit(5);
}

static void leader_exits_first(void)
{
    pipe(lead_pipe);
    pipe(back_pipe);
    pid_t child = fork();
    if (child == 0) {
        pthread_t t;
        pthread_create(&t, NULL, outlive_leader, NULL);
        pthread_exit(NULL);
    }
    usleep(200 * 1000);
    int status = 0;
    printf("process with an exited leader is still running: %s\n", waitpid(child, &status, WNOHANG) == 0 ? "yes" : "no");
    write(lead_pipe[1], "x", 1);
    pid_t ids[2] = { 0, 0 };
    read(back_pipe[0], ids, sizeof ids);
    printf("its thread's getpid is the pid fork returned: %s\n", ids[0] == child ? "yes" : "no");
    printf("its thread's gettid is not the pid: %s\n", ids[1] != child ? "yes" : "no");
    pid_t w = waitpid(child, &status, 0);
    printf("waitpid returned it when the last thread exited: %s, exit status %d\n", w == child ? "yes" : "no",
           WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    close(lead_pipe[0]); close(lead_pipe[1]); close(back_pipe[0]); close(back_pipe[1]);
}

static char *self_path;

static void *exec_from_thread(void *arg)
{
    char pid[32], tid[32];
    snprintf(pid, sizeof pid, "%d", (int)getpid());
    snprintf(tid, sizeof tid, "%d", (int)my_tid());
    (void)arg;
    execl(self_path, self_path, "--after-exec", pid, tid, (char *)NULL);
    perror("execl");
    exit(99);
}

/* The thread execs while the leader waits in pause(), or after the leader has exited (a zombie leader). */
static void exec_by_a_thread(int leader_exits)
{
    pid_t child = fork();
    if (child == 0) {
        pthread_t t;
        pthread_create(&t, NULL, exec_from_thread, NULL);
        if (leader_exits) pthread_exit(NULL);
        for (;;) pause();
    }
    int status = 0;
    pid_t w = waitpid(child, &status, 0);
    printf("exec'd process exited under the pid fork returned: %s, exit status %d\n", w == child ? "yes" : "no",
           WIFEXITED(status) ? WEXITSTATUS(status) : -1);
}

static int after_exec(char **argv)
{
    pid_t before = atoi(argv[2]), thread_tid = atoi(argv[3]);
    printf("after exec from a thread: getpid unchanged: %s\n", getpid() == before ? "yes" : "no");
    printf("after exec from a thread: gettid is the pid: %s\n", my_tid() == getpid() ? "yes" : "no");
    printf("after exec from a thread: the thread's old tid was not the pid: %s\n", thread_tid != before ? "yes" : "no");
    pid_t set = (pid_t)syscall(SYS_set_tid_address, NULL);
    printf("after exec from a thread: set_tid_address returns the pid: %s\n", set == before ? "yes" : "no");
    return 11;
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    if (argc == 4 && strcmp(argv[1], "--after-exec") == 0) return after_exec(argv);
    self_path = argv[0];

    printf("main thread: gettid == getpid: %s\n", my_tid() == getpid() ? "yes" : "no");
    int dummy;
    printf("set_tid_address returns gettid: %s\n", (pid_t)syscall(SYS_set_tid_address, &dummy) == my_tid() ? "yes" : "no");

    pthread_t threads[NTHREADS];
    for (long i = 0; i < NTHREADS; i++) pthread_create(&threads[i], NULL, worker, (void *)i);
    while (1) {
        int ready = 1;
        for (int i = 0; i < NTHREADS; i++) ready &= __atomic_load_n(&tids[i], __ATOMIC_SEQ_CST) != 0;
        if (ready) break;
        usleep(1000);
    }
    int distinct = 1, samepid = 1, notpid = 1;
    for (int i = 0; i < NTHREADS; i++) {
        samepid &= pids[i] == getpid();
        notpid &= tids[i] != getpid() && tids[i] != my_tid();
        for (int j = 0; j < i; j++) distinct &= tids[i] != tids[j];
    }
    printf("threads share the process's getpid: %s\n", samepid ? "yes" : "no");
    printf("threads' gettid differ from the pid: %s\n", notpid ? "yes" : "no");
    printf("threads' gettid are distinct: %s\n", distinct ? "yes" : "no");

    signal(SIGUSR1, on_usr1);
    sigset_t usr1, old;
    sigemptyset(&usr1);
    sigaddset(&usr1, SIGUSR1);
    pthread_sigmask(SIG_BLOCK, &usr1, &old);  /* only the target thread may take it */
    handled_in = 0;
    int r = pthread_kill(threads[2], SIGUSR1);
    while (handled_in == 0) usleep(1000);
    printf("pthread_kill ran the handler in that thread: %s (%d)\n", handled_in == tids[2] ? "yes" : "no", r);
    handled_in = 0;
    syscall(SYS_tgkill, getpid(), tids[1], SIGUSR1);
    while (handled_in == 0) usleep(1000);
    printf("tgkill by gettid ran the handler in that thread: %s\n", handled_in == tids[1] ? "yes" : "no");
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    printf("tgkill with another process's pid: %s\n", syscall(SYS_tgkill, getpid() + 1000, tids[1], 0) == 0 ? "ok" : "ESRCH");

    release = 1;
    int seen;
    while ((seen = done) < NTHREADS) futex_wait(&done, seen);
    printf("futex join saw all %d workers\n", done);
    for (int i = 0; i < NTHREADS; i++) pthread_join(threads[i], NULL);
    printf("pthread_join of all workers: ok\n");

    raw_clone();
    leader_exits_first();
    exec_by_a_thread(0);
    exec_by_a_thread(1);
    return 0;
}
