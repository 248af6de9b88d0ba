/* dying-fork: processes killed while their threads fork and make threads.

   The kernel learns a new child's host pid from the fork or clone event of the parent's thread (PTRACE_GETEVENTMSG).
   SIGKILL wakes a thread from any stop, so a kernel that handles such an event late finds the thread in no stop (the
   request fails and leaves its 0) or stopped again at its exit event, whose message is an exit status. Either, taken
   for a pid, names a host process: 0 is the kernel's own process group, an exit status a small pid. A child whose
   event is lost that way is one the kernel never heard of, and must still not outlive the run.

   Rounds of: a process whose threads fork and clone in a loop while it is killed, by SIGKILL from its parent, by a
   core-dumping signal of one of its threads (a core dump SIGKILLs the others) or by exit_group with a status. Each
   round's process must die as it was told to. Afterwards the guest's /proc lists no process but this one: not one the
   kernel made up from a failed or stale event, nor a child that had exited before its parent was killed (the host gives
   such a zombie to the kernel, which reaps it). The run must then end by itself. */
#include "hostile.h"
#include <dirent.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/wait.h>

enum ending { BY_KILL, BY_CORE, BY_EXIT, ENDINGS };
static const char *const ending_names[] = {"sigkill_from_parent", "core_dump_of_a_thread", "exit_group_of_a_thread"};

static volatile int stop_forking;

static void *forker(void *arg)
{
    (void)arg;
    while (!stop_forking) {
        pid_t c = fork();
        if (c == 0) _exit(0);
        if (c > 0) waitpid(c, NULL, 0);
    }
    return NULL;
}

static void *spinner(void *arg)
{
    (void)arg;
    for (;;) pause();
    return NULL;
}

static void *cloner(void *arg)
{
    (void)arg;
    while (!stop_forking) {
        pthread_t t;
        if (pthread_create(&t, NULL, spinner, NULL) != 0) break;
        pthread_detach(t);
    }
    return NULL;
}

/* The victim: three threads fork, one makes threads, until the round's ending comes. */
static void victim(enum ending how, unsigned delay_us)
{
    struct rlimit none = {0, 0};
    setrlimit(RLIMIT_CORE, &none);
    pthread_t t;
    for (int i = 0; i < 3; i++) pthread_create(&t, NULL, forker, NULL);
    pthread_create(&t, NULL, cloner, NULL);
    usleep(delay_us);
    if (how == BY_CORE) __asm__ volatile("int3");
    if (how == BY_EXIT) syscall(SYS_exit_group, 9);
    for (;;) pause(); /* BY_KILL: the parent sends SIGKILL */
}

/* Every pid in the guest's /proc but ours; writes up to size of them to out. */
static int other_pids(int *out, int size)
{
    DIR *d = opendir("/proc");
    if (!d) return -1;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        char *end;
        long pid = strtol(e->d_name, &end, 10);
        if (*end || pid <= 0 || pid == getpid()) continue;
        if (n < size) out[n] = (int)pid;
        n++;
    }
    closedir(d);
    return n;
}

int main(int argc, char **argv)
{
    hostile_init(argc, argv);
    int rounds = (int)arg_num("rounds", 60);
    for (int how = 0; how < ENDINGS; how++) {
        int wrong = 0, first_status = 0;
        for (int r = 0; r < rounds; r++) {
            unsigned delay = 200 + (unsigned)(r * 97 % 1500);
            pid_t v = fork();
            if (v == 0) victim((enum ending)how, delay);
            if (v < 0) break;
            if (how == BY_KILL) {
                usleep(delay);
                kill(v, SIGKILL);
            }
            int st = 0;
            waitpid(v, &st, 0);
            int expected = how == BY_KILL ? WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL
                         : how == BY_CORE ? WIFSIGNALED(st) && WTERMSIG(st) == SIGTRAP
                                          : WIFEXITED(st) && WEXITSTATUS(st) == 9;
            if (!expected && !wrong++) first_status = st;
            while (waitpid(-1, NULL, WNOHANG) > 0) {} /* the victim's orphans are ours */
        }
        /* Orphaned forks end by themselves; reap them, then look for any process the kernel still lists. */
        int pids[8], n = -1;
        for (int tries = 0; tries < 200; tries++) {
            while (waitpid(-1, NULL, WNOHANG) > 0) {}
            if ((n = other_pids(pids, 8)) == 0) break;
            usleep(10000);
        }
        char check[64];
        snprintf(check, sizeof check, "%s_ends_as_told", ending_names[how]);
        expect(wrong == 0, check, "%d rounds, %d ended otherwise (first wait status %#x)", rounds, wrong, first_status);
        snprintf(check, sizeof check, "%s_no_process_left_listed", ending_names[how]);
        if (n == 0) held(check, "the guest's /proc lists no other process after %d rounds", rounds);
        else if (n < 0) escaped(check, "/proc cannot be read: %s", errname(errno));
        else {
            escaped(check, "%d other process(es) still listed, the first pid %d", n, pids[0]);
            for (int i = 0; i < n && i < 8; i++) {
                char path[64], buf[512];
                snprintf(path, sizeof path, "/proc/%d/status", pids[i]);
                int fd = open(path, O_RDONLY);
                long len = fd >= 0 ? read(fd, buf, sizeof buf - 1) : -1;
                if (fd >= 0) close(fd);
                if (len > 0) buf[len] = 0;
                info("%s: %s", path, len > 0 ? buf : "empty or unreadable (no host process behind it)");
            }
        }
    }
    return hostile_finish();
}
