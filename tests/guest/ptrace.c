/* ptrace between guests, compared with Linux: TRACEME and the stops a tracer waits for (signal, syscall entry and
   exit, fork, exec and exit events), registers and memory read and written, SEIZE, INTERRUPT, ATTACH and DETACH of a
   process that is not the tracer's child, waitid's view of a stop, process_vm_readv, and the errors. Lines with pids
   start with '@'. */
#define _GNU_SOURCE
#include <elf.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "errnames.h"

static volatile long secret = 0x1234;

static const char *syscall_name(long nr)
{
    switch (nr) {
    case SYS_getppid: return "getppid";
    case SYS_getuid: return "getuid";
    case SYS_write: return "write";
    case SYS_exit_group: return "exit_group";
    default: return NULL;
    }
}

static void describe(const char *who, int status)
{
    if (WIFEXITED(status)) printf("%s: exited %d\n", who, WEXITSTATUS(status));
    else if (WIFSIGNALED(status)) printf("%s: killed by %d\n", who, WTERMSIG(status));
    else if (WIFSTOPPED(status)) printf("%s: stopped sig=%#x event=%d\n", who, WSTOPSIG(status), status >> 16);
    else printf("%s: status %#x\n", who, status);
}

/* TRACEME, then syscall stops of calls the kernel answers (getppid, getuid) and of one the host runs (write);
   registers and memory changed by the tracer; single-step; the exit event. */
static void syscall_stops(void)
{
    pid_t child = fork();
    if (child == 0) {
        ptrace(PTRACE_TRACEME, 0, 0, 0);
        syscall(SYS_kill, syscall(SYS_getpid), SIGSTOP);
        syscall(SYS_getppid);
        long r = syscall(SYS_getuid);
        syscall(SYS_write, -1, "x", 1);
        syscall(SYS_exit_group, (int)((secret + r) & 0xff));
    }
    int status;
    waitpid(child, &status, 0);
    describe("traceme child", status);
    siginfo_t si;
    memset(&si, 0, sizeof si);
    const char *e = errname(ptrace(PTRACE_GETSIGINFO, child, 0, &si) == 0 ? 0 : errno);
    printf("getsiginfo: %s signo=%d\n", e, si.si_signo);
    printf("peekdata secret: %#lx\n", ptrace(PTRACE_PEEKDATA, child, &secret, 0));
    printf("pokedata: %s\n", errname(ptrace(PTRACE_POKEDATA, child, &secret, (void *)0x5678) == 0 ? 0 : errno));
    printf("peekdata again: %#lx\n", ptrace(PTRACE_PEEKDATA, child, &secret, 0));
    struct user_regs_struct regs, after;
    ptrace(PTRACE_GETREGS, child, 0, &regs);
    struct iovec iov = { &after, sizeof after };
    e = errname(ptrace(PTRACE_GETREGSET, child, NT_PRSTATUS, &iov) == 0 ? 0 : errno);
    printf("getregset NT_PRSTATUS: %s len=%zu\n", e, iov.iov_len);
    printf("regset rip = getregs rip: %s\n", after.rip == regs.rip ? "yes" : "no");
    e = errname(ptrace(PTRACE_SETREGSET, child, NT_PRSTATUS, &iov) == 0 ? 0 : errno);
    printf("setregset NT_PRSTATUS: %s\n", e);
    e = errname(ptrace(PTRACE_POKEUSER, child, offsetof(struct user, u_debugreg[7]), 0) == 0 ? 0 : errno);
    printf("pokeuser dr7: %s\n", e);
    struct user_fpregs_struct fp;
    printf("getfpregs: %s\n", errname(ptrace(PTRACE_GETFPREGS, child, 0, &fp) == 0 ? 0 : errno));
    printf("peekuser rip = getregs rip: %s\n",
           ptrace(PTRACE_PEEKUSER, child, offsetof(struct user_regs_struct, rip), 0) == (long)regs.rip ? "yes" : "no");
    printf("unknown request: %s\n", errname(ptrace((enum __ptrace_request)0x4299, child, 0, 0) == 0 ? 0 : errno));
    ptrace(PTRACE_SINGLESTEP, child, 0, 0);
    waitpid(child, &status, 0);
    describe("after singlestep", status);
    ptrace(PTRACE_GETREGS, child, 0, &after);
    printf("rip moved: %s\n", after.rip != regs.rip ? "yes" : "no");
    printf("setoptions: %s\n", errname(ptrace(PTRACE_SETOPTIONS, child, 0, PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACEEXIT) == 0 ? 0 : errno));
    int entering = 1;
    for (;;) {
        ptrace(PTRACE_SYSCALL, child, 0, 0);
        if (waitpid(child, &status, 0) != child) { printf("waitpid: %s\n", errname(errno)); return; }
        if (WIFEXITED(status) || WIFSIGNALED(status)) break;
        if (status >> 16 == PTRACE_EVENT_EXIT) {
            unsigned long msg = 0;
            ptrace(PTRACE_GETEVENTMSG, child, 0, &msg);
            printf("exit event: status %#lx\n", msg);
            continue;
        }
        if (WSTOPSIG(status) != (SIGTRAP | 0x80)) { describe("unexpected", status); continue; }
        ptrace(PTRACE_GETREGS, child, 0, &regs);
        const char *name = syscall_name((long)regs.orig_rax);
        struct __ptrace_syscall_info info;
        memset(&info, 0, sizeof info);
        long size = ptrace(PTRACE_GET_SYSCALL_INFO, child, sizeof info, &info);
        if (name && info.op == PTRACE_SYSCALL_INFO_ENTRY)
            printf("syscall info: size %ld, entry of %s, rip %s\n", size, syscall_name((long)info.entry.nr),
                   info.instruction_pointer == regs.rip ? "matches" : "differs");
        else if (name && info.op == PTRACE_SYSCALL_INFO_EXIT)
            printf("syscall info: size %ld, exit %lld%s\n", size, regs.orig_rax == SYS_getppid ? 0LL : (long long)info.exit.rval,
                   info.exit.is_error ? " (error)" : "");
        else if (name) printf("syscall info: size %ld, op %d\n", size, info.op);
        if (entering && name) printf("enter %s\n", name);
        if (entering && regs.orig_rax == SYS_getuid) {
            siginfo_t at;
            memset(&at, 0, sizeof at);
            ptrace(PTRACE_GETSIGINFO, child, 0, &at);
            printf("siginfo at a syscall stop: signo %d, names the tracee: %s\n", at.si_signo, at.si_pid == child ? "yes" : "no");
        }
        if (!entering && name && regs.orig_rax == SYS_getppid) printf("@exit getppid = %lld\n", (long long)regs.rax);
        else if (!entering && name) printf("exit %s = %lld\n", name, (long long)regs.rax);
        if (!entering && regs.orig_rax == SYS_getuid) {
            regs.rax = 42;
            printf("setregs: %s\n", errname(ptrace(PTRACE_SETREGS, child, 0, &regs) == 0 ? 0 : errno));
        }
        entering = !entering;
    }
    describe("traceme child", status);
}

/* Fork and exec events: the new child is traced from its first instruction; the event message names it. */
static void fork_and_exec_events(void)
{
    pid_t child = fork();
    if (child == 0) {
        ptrace(PTRACE_TRACEME, 0, 0, 0);
        raise(SIGSTOP);
        pid_t grandchild = fork();
        if (grandchild == 0) {
            execl("/bin/true", "true", (char *)NULL);
            _exit(99);
        }
        int st;
        waitpid(grandchild, &st, 0);
        _exit(WIFEXITED(st) ? WEXITSTATUS(st) + 3 : 100);
    }
    int status;
    waitpid(child, &status, 0);
    printf("setoptions fork|exec: %s\n",
           errname(ptrace(PTRACE_SETOPTIONS, child, 0, PTRACE_O_TRACEFORK | PTRACE_O_TRACEEXEC) == 0 ? 0 : errno));
    ptrace(PTRACE_CONT, child, 0, 0);
    long announced = -1;
    pid_t grandchild = -1;
    int fork_events = 0, first_stops = 0, exec_events = 0, grandchild_exit = -1, child_exit = -1;
    while (child_exit < 0) {
        pid_t p = waitpid(-1, &status, __WALL);
        if (p < 0) { printf("waitpid: %s\n", errname(errno)); return; }
        if (WIFEXITED(status)) {
            if (p == child) child_exit = WEXITSTATUS(status);
            else grandchild_exit = WEXITSTATUS(status);
            continue;
        }
        int event = status >> 16;
        if (p == child && event == PTRACE_EVENT_FORK) {
            fork_events++;
            ptrace(PTRACE_GETEVENTMSG, child, 0, &announced);
        } else if (p != child && event == 0 && WSTOPSIG(status) == SIGSTOP) {
            first_stops++;
            grandchild = p;
        } else if (p != child && event == PTRACE_EVENT_EXEC) {
            exec_events++;
        } else {
            describe(p == child ? "child" : "grandchild", status);
        }
        ptrace(PTRACE_CONT, p, 0, 0);
    }
    printf("fork events %d, new child's first stops %d, exec events %d\n", fork_events, first_stops, exec_events);
    printf("event message names the new child: %s\n", announced == grandchild ? "yes" : "no");
    printf("grandchild exited %d, child exited %d\n", grandchild_exit, child_exit);
}

static volatile int chld_code, chld_pid;

static void on_sigchld(int sig, siginfo_t *info, void *context)
{
    (void)sig;
    (void)context;
    chld_code = info->si_code;
    chld_pid = info->si_pid;
}

/* A tracer that is not its tracee's parent: SEIZE, INTERRUPT, waitid, process_vm_readv, DETACH, ATTACH. */
static void attach_to_sibling(void)
{
    int ready[2];
    if (pipe(ready) != 0) return;
    pid_t target = fork();
    if (target == 0) {
        secret = 777;
        if (write(ready[1], "x", 1) != 1) _exit(1);
        for (;;) pause();
    }
    char x;
    if (read(ready[0], &x, 1) != 1) return;
    pid_t tracer = fork();
    if (tracer == 0) {
        int status;
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_sigaction = on_sigchld;
        sa.sa_flags = SA_SIGINFO | SA_RESTART;
        sigaction(SIGCHLD, &sa, NULL);
        printf("seize: %s\n", errname(ptrace(PTRACE_SEIZE, target, 0, 0) == 0 ? 0 : errno));
        printf("seize again: %s\n", errname(ptrace(PTRACE_SEIZE, target, 0, 0) == 0 ? 0 : errno));
        printf("cont while running: %s\n", errname(ptrace(PTRACE_CONT, target, 0, 0) == 0 ? 0 : errno));
        printf("interrupt: %s\n", errname(ptrace(PTRACE_INTERRUPT, target, 0, 0) == 0 ? 0 : errno));
        siginfo_t si;
        memset(&si, 0, sizeof si);
        int r = waitid(P_PID, target, &si, WSTOPPED);
        printf("waitid: %s code=%d status=%#x pid matches: %s\n", errname(r == 0 ? 0 : errno), si.si_code, si.si_status,
               si.si_pid == target ? "yes" : "no");
        printf("SIGCHLD of the stop: code %d, names the tracee: %s\n", chld_code, chld_pid == target ? "yes" : "no");
        long value = 0;
        struct iovec local = { &value, sizeof value }, remote = { (void *)&secret, sizeof value };
        ssize_t n = process_vm_readv(target, &local, 1, &remote, 1, 0);
        printf("process_vm_readv: %zd value=%ld\n", n, value);
        printf("detach: %s\n", errname(ptrace(PTRACE_DETACH, target, 0, 0) == 0 ? 0 : errno));
        printf("attach: %s\n", errname(ptrace(PTRACE_ATTACH, target, 0, 0) == 0 ? 0 : errno));
        pid_t p = waitpid(target, &status, 0);
        printf("waitpid pid matches: %s\n", p == target ? "yes" : "no");
        describe("attached", status);
        printf("detach: %s\n", errname(ptrace(PTRACE_DETACH, target, 0, 0) == 0 ? 0 : errno));
        printf("waitpid after detach: %s\n", errname(waitpid(target, &status, WNOHANG) < 0 ? errno : 0));
        _exit(0);
    }
    int status;
    waitpid(tracer, &status, 0);
    describe("tracer", status);
    kill(target, SIGKILL);
    waitpid(target, &status, 0);
    describe("target", status);
}

/* PTRACE_O_EXITKILL: the tracee dies with its tracer. */
static void exitkill(void)
{
    pid_t target = fork();
    if (target == 0) {
        for (;;) pause();
    }
    pid_t tracer = fork();
    if (tracer == 0) {
        printf("seize with exitkill: %s\n", errname(ptrace(PTRACE_SEIZE, target, 0, PTRACE_O_EXITKILL) == 0 ? 0 : errno));
        _exit(0);
    }
    int status;
    waitpid(tracer, &status, 0);
    waitpid(target, &status, 0);
    describe("target of a tracer that exited", status);
}

/* A tracer that exits without detaching lets its stopped tracee go on (no PTRACE_O_EXITKILL). */
static void tracer_exits(void)
{
    pid_t target = fork();
    if (target == 0) {
        for (;;) pause();
    }
    pid_t tracer = fork();
    if (tracer == 0) {
        int status;
        ptrace(PTRACE_SEIZE, target, 0, 0);
        ptrace(PTRACE_INTERRUPT, target, 0, 0);
        waitpid(target, &status, __WALL);
        describe("held by a tracer about to exit", status);
        _exit(0);
    }
    int status;
    waitpid(tracer, &status, 0);
    kill(target, SIGTERM);
    alarm(10);
    waitpid(target, &status, 0);
    alarm(0);
    describe("target of a tracer that exited without detaching", status);
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    syscall_stops();
    fork_and_exec_events();
    attach_to_sibling();
    exitkill();
    tracer_exits();
    printf("attach to a missing pid: %s\n", errname(ptrace(PTRACE_ATTACH, 999999, 0, 0) == 0 ? 0 : errno));
    printf("attach to itself: %s\n", errname(ptrace(PTRACE_ATTACH, getpid(), 0, 0) == 0 ? 0 : errno));
    printf("cont of an untraced pid: %s\n", errname(ptrace(PTRACE_CONT, 1, 0, 0) == 0 ? 0 : errno));
    long value;
    struct iovec local = { &value, sizeof value }, remote = { &value, sizeof value };
    printf("process_vm_readv of a missing pid: %s\n", errname(process_vm_readv(999999, &local, 1, &remote, 1, 0) < 0 ? errno : 0));
    return 0;
}
