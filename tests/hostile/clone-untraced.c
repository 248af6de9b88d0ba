/* clone-untraced: a child made with CLONE_UNTRACED is traced and mediated like any other, and clone3 (whose flags
   live in guest memory) answers ENOSYS.

   By the raw clone syscall: a process (CLONE_UNTRACED|SIGCHLD), a vfork (CLONE_VM|CLONE_VFORK|CLONE_UNTRACED) and
   a thread (CLONE_VM|CLONE_THREAD|...|CLONE_UNTRACED). Each child reports its getpid()/gettid(), which must be
   the guest id clone returned (host pids here are all above the canary's, guest pids far below), opens the guest's
   /etc/passwd (which must be the guest's file) and the host secret (which must fail), and signals the canary and
   connects to its socket (which must fail; the canary checks too). */
#include "hostile.h"
#include <sched.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <linux/sched.h>

static char reference[512];
static long reference_len;

/* What a child found, in memory the parent can read (shared, or sent through a pipe). */
struct report {
    long pid, tid, ppid;
    long passwd_fd, passwd_len, passwd_same;
    long secret_fd;
    long kill_canary, connect_canary;
    volatile long done;
};

static struct sockaddr_un canary_addr;

/* Raw calls only: the thread variant shares the parent's TLS. */
static void probe(struct report *r)
{
    char buf[512];
    r->pid = RSYS0(SYS_getpid);
    r->tid = RSYS0(SYS_gettid);
    r->ppid = RSYS0(SYS_getppid);
    r->passwd_fd = RSYS4(SYS_openat, AT_FDCWD, "/etc/passwd", O_RDONLY, 0);
    r->passwd_len = r->passwd_fd >= 0 ? RSYS3(SYS_read, r->passwd_fd, buf, sizeof buf - 1) : -1;
    r->passwd_same = r->passwd_len == reference_len;
    for (long i = 0; r->passwd_same && i < r->passwd_len; i++)
        if (((volatile char *)buf)[i] != reference[i]) r->passwd_same = 0;
    if (r->passwd_fd >= 0) RSYS1(SYS_close, r->passwd_fd);
    r->secret_fd = RSYS4(SYS_openat, AT_FDCWD, C.secret, O_RDONLY, 0);
    if (r->secret_fd >= 0) RSYS1(SYS_close, r->secret_fd);
    r->kill_canary = RSYS2(SYS_kill, C.pid, SIGURG);
    long s = RSYS3(SYS_socket, AF_UNIX, SOCK_STREAM, 0);
    r->connect_canary = s >= 0 ? RSYS3(SYS_connect, s, &canary_addr, sizeof canary_addr) : s;
    if (s >= 0) RSYS1(SYS_close, s);
    r->done = 1;
}

static void judge(const char *kind, const struct report *r, long clone_ret, long parent_pid)
{
    char check[64];
    long expected_id = strcmp(kind, "thread") == 0 ? r->tid : r->pid;
    snprintf(check, sizeof check, "%s_guest_pid", kind);
    expect(clone_ret > 0 && expected_id == clone_ret && expected_id < C.pid, check, "clone returned %ld; the child's getpid %ld gettid %ld (host pids here are above %d)",
           clone_ret, r->pid, r->tid, C.pid);
    if (strcmp(kind, "thread") != 0) {
        snprintf(check, sizeof check, "%s_guest_ppid", kind);
        expect(r->ppid == parent_pid, check, "getppid %ld, the parent is %ld", r->ppid, parent_pid);
    } else {
        expect(r->pid == parent_pid, "thread_guest_tgid", "the thread's getpid %ld, its process is %ld", r->pid, parent_pid);
    }
    snprintf(check, sizeof check, "%s_guest_files", kind);
    expect(r->passwd_fd >= 0 && r->passwd_same, check, "/etc/passwd: %s", r->passwd_fd < 0 ? errname((int)-r->passwd_fd) : r->passwd_same ? "the guest's" : "not the guest's file");
    snprintf(check, sizeof check, "%s_secret", kind);
    expect(r->secret_fd < 0, check, "open of the host secret: %s", r->secret_fd < 0 ? errname((int)-r->secret_fd) : "succeeded");
    snprintf(check, sizeof check, "%s_kill_canary", kind);
    expect(r->kill_canary < 0, check, "kill(canary): %s", r->kill_canary < 0 ? errname((int)-r->kill_canary) : "succeeded");
    snprintf(check, sizeof check, "%s_connect_canary", kind);
    expect(r->connect_canary < 0, check, "connect(canary socket): %s", r->connect_canary < 0 ? errname((int)-r->connect_canary) : "succeeded");
}

static struct report *shared;

static void process_child(void)
{
    long ret = RSYS5(SYS_clone, CLONE_UNTRACED | SIGCHLD, 0, 0, 0, 0);
    if (ret == 0) {
        probe(shared);
        RSYS1(SYS_exit_group, 0);
    }
    if (ret > 0) RSYS4(SYS_wait4, ret, 0, 0, 0);
    judge("process", shared, ret, getpid());
}

static void vfork_child(void)
{
    memset(shared, 0, sizeof *shared);
    long ret = RSYS5(SYS_clone, CLONE_VM | CLONE_VFORK | CLONE_UNTRACED | SIGCHLD, 0, 0, 0, 0);
    if (ret == 0) {
        probe(shared);
        RSYS1(SYS_exit, 0);
    }
    if (ret > 0) RSYS4(SYS_wait4, ret, 0, 0, 0);
    judge("vfork", shared, ret, getpid());
}

/* clone(CLONE_THREAD ...) on a stack of our own: the child calls FN on it, then exits its thread. */
static long raw_thread(unsigned long flags, void *stack_top, void (*fn)(void))
{
    long ret;
    register long r10 __asm__("r10") = 0;
    register long r8 __asm__("r8") = 0;
    register void (*r12)(void) __asm__("r12") = fn;
    __asm__ volatile("syscall\n\t"
                     "test %%rax, %%rax\n\t"
                     "jnz 1f\n\t"
                     "xor %%ebp, %%ebp\n\t"
                     "call *%%r12\n\t"
                     "mov $60, %%eax\n\t"
                     "xor %%edi, %%edi\n\t"
                     "syscall\n\t"
                     "hlt\n"
                     "1:"
                     : "=a"(ret)
                     : "a"((long)SYS_clone), "D"(flags), "S"(stack_top), "d"(0L), "r"(r10), "r"(r8), "r"(r12)
                     : "rcx", "r11", "memory");
    return ret;
}

static void thread_body(void) { probe(shared); }

static void thread_child(void)
{
    memset(shared, 0, sizeof *shared);
    size_t size = 256 * 1024;
    char *stack = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
    unsigned long flags = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM | CLONE_UNTRACED;
    long ret = raw_thread(flags, stack + size - 64, thread_body);
    for (int i = 0; i < 1000 && ret > 0 && !shared->done; i++) usleep(10000);
    usleep(20000); /* let it finish its exit */
    judge("thread", shared, ret, getpid());
}

static void clone3_calls(void)
{
    struct clone_args args;
    const struct { const char *name; unsigned long long flags; } variants[] = {
        {"clone3_plain", 0},
        {"clone3_untraced", CLONE_UNTRACED},
    };
    for (size_t v = 0; v < sizeof variants / sizeof variants[0]; v++) {
        memset(&args, 0, sizeof args);
        args.flags = variants[v].flags;
        args.exit_signal = SIGCHLD;
        fflush(stdout);
        long ret = RSYS2(SYS_clone3, &args, sizeof args);
        if (ret == 0) RSYS1(SYS_exit_group, 0); /* a child: it must not exist */
        if (ret > 0) RSYS4(SYS_wait4, ret, 0, 0, 0);
        expect(ret == -ENOSYS, variants[v].name, "clone3 answered %s", ret < 0 ? errname((int)-ret) : "with a child");
    }
}

int main(int argc, char **argv)
{
    hostile_init(argc, argv);
    int fd = open("/etc/passwd", O_RDONLY);
    reference_len = fd >= 0 ? read(fd, reference, sizeof reference - 1) : -1;
    if (fd >= 0) close(fd);
    canary_addr.sun_family = AF_UNIX;
    snprintf(canary_addr.sun_path, sizeof canary_addr.sun_path, "%s", C.stream);
    shared = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    fflush(stdout);

    process_child();
    vfork_child();
    thread_child();
    clone3_calls();
    return hostile_finish();
}
