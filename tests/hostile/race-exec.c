/* race-exec: execve and execveat must never run a host program.

   Direct: the host's `evil` script and `evil-elf` program by path, through "..", /proc/self/root and
   /proc/<userkernel>/root, by execveat from "/", and as the #! interpreter of a guest script: all fail.
   Raced, vfork: a process whose flipper thread rewrites the path buffer (between /bin/true and the host
   `evil`) and the 16 KiB below the stack pointer vfork()s, and the child, which shares that memory with the
   still-running flipper, execve()s the path.
   Raced, fork: each forked child starts its own flipper and retries execve (and execveat) of the flipping path
   until one runs /bin/true.
   Both races run three times: flipping the whole path to the host `evil`'s, and flipping only what follows the
   NUL of "/bin/true" to the host `evil`'s or `evil-elf`'s path (so a kernel that reused the guest's memory after
   that NUL as a name would find an absolute host path there).
   The canary's `pwned` must never appear; every child ends with /bin/true's status or a failed exec.
   Raced, batch: while forked children execve /bin/true, a writer thread fills each child's stub scratch memory
   (where the kernel's loader puts the records of its batch of calls) with records of execve of the host `evil`,
   by process_vm_writev; a child ends with /bin/true's status or killed by the kernel, never running `evil`.

   Parameters: vfork= fork= batch= (iterations). */
#include "hostile.h"
#include <sys/uio.h>
#include <sys/wait.h>

#define EXEC_FAILED 99

static char path_buf[4096] __attribute__((aligned(64)));
static char fill[4200];
static char guest_value[4200], host_value[4200]; /* what the flipper alternates in path_buf */
static size_t value_len;

/* MODE 0: "/bin/true" <-> the host evil's path; MODE 1 and 2: "/bin/true\0\0..." <-> "/bin/true" followed by the
   host evil's (1) or evil-elf's (2) path. */
static void set_values(int mode)
{
    memset(guest_value, 0, sizeof guest_value);
    memset(host_value, 0, sizeof host_value);
    strcpy(guest_value, "/bin/true");
    if (mode == 0) strcpy(host_value, C.evil);
    else snprintf(host_value, sizeof host_value, "/bin/true%s", mode == 1 ? C.evil : C.evil_elf);
    value_len = strlen(host_value) + 1;
    memcpy(path_buf, guest_value, value_len);
}

static const char *const mode_names[] = {"path", "after_nul", "after_nul_elf"};
static char argv0[] = "true";
static char *exec_argv[] = {argv0, NULL};
static char *exec_envp[] = {NULL};
static struct flipper F;

/* Runs PATH (execve, or execveat from "/" when AT_ROOT) in a child; the exec must fail. */
static void direct(const char *check, const char *path, int at_root)
{
    int report[2];
    if (pipe2(report, O_CLOEXEC) != 0) return;
    fflush(stdout);
    pid_t child = fork();
    if (child == 0) {
        if (at_root) {
            int root = open("/", O_PATH | O_DIRECTORY);
            syscall(SYS_execveat, root, path[0] == '/' ? path + 1 : path, exec_argv, exec_envp, 0);
        } else {
            execve(path, exec_argv, exec_envp);
        }
        int e = errno;
        if (write(report[1], &e, sizeof e) != sizeof e) _exit(3);
        _exit(EXEC_FAILED);
    }
    close(report[1]);
    int e = 0, status = 0;
    ssize_t n = read(report[0], &e, sizeof e);
    close(report[0]);
    waitpid(child, &status, 0);
    if (n == sizeof e) held(check, "%s", errname(e));
    else escaped(check, "exec of '%s' succeeded (the child ended with status %#x)", path, status);
}

/* vfork + execve of the flipping path, ITERATIONS times; raw calls only while the stack is attached. */
static __attribute__((noinline)) void vfork_racer(long iterations, long counts[4], long *last_status)
{
    long ran = 0, failed = 0, signalled = 0, other = 0, last = 0;
    int status;
    block_all_signals();
    FLIPPER_ATTACH_STACK(&F);
    for (long i = 0; i < iterations; i++) {
        long pid = RSYS0(SYS_vfork);
        if (pid == 0) {
            RSYS3(SYS_execve, path_buf, exec_argv, exec_envp);
            RSYS1(SYS_exit, EXEC_FAILED);
        }
        if (pid < 0) {
            other++;
            last = pid;
            continue;
        }
        status = 0;
        if (RSYS4(SYS_wait4, pid, &status, 0, 0) != pid) { other++; continue; }
        if (WIFEXITED(status) && WEXITSTATUS(status) == 0) ran++;
        else if (WIFEXITED(status) && WEXITSTATUS(status) == EXEC_FAILED) failed++;
        else if (WIFSIGNALED(status)) { signalled++; last = status; }
        else { other++; last = status; }
    }
    flipper_detach_stack(&F);
    counts[0] = ran;
    counts[1] = failed;
    counts[2] = signalled;
    counts[3] = other;
    *last_status = last;
}

/* In a forked child: its own flipper, then execve/execveat of the flipping path until one runs. */
static __attribute__((noinline)) void fork_child_racer(int use_execveat)
{
    struct flipper *f = &F;
    memset(f, 0, sizeof *f);
    flipper_add(f, path_buf, guest_value, value_len, host_value, value_len);
    f->fill = fill;
    f->fill_len = strlen(C.evil) + 1;
    flipper_start(f);
    block_all_signals();
    FLIPPER_ATTACH_STACK(f);
    for (int attempt = 0; attempt < 1000; attempt++) {
        if (use_execveat) RSYS5(SYS_execveat, AT_FDCWD, path_buf, exec_argv, exec_envp, 0);
        else RSYS3(SYS_execve, path_buf, exec_argv, exec_envp);
    }
    RSYS1(SYS_exit_group, EXEC_FAILED);
}

static void race_fork(long iterations, int mode)
{
    set_values(mode);
    long ran = 0, failed = 0, other = 0;
    int last = 0;
    double start = now_seconds();
    for (long i = 0; i < iterations; i++) {
        fflush(stdout);
        pid_t child = fork();
        if (child == 0) fork_child_racer((int)(i & 1));
        if (child < 0) { other++; continue; }
        int status = 0;
        waitpid(child, &status, 0);
        if (WIFEXITED(status) && WEXITSTATUS(status) == 0) ran++;
        else if (WIFEXITED(status) && WEXITSTATUS(status) == EXEC_FAILED) failed++;
        else { other++; last = status; }
    }
    info("fork+execve/execveat (flipping the %s) raced %ld times in %.1f s: %ld ran /bin/true, %ld never managed to exec, %ld other (last status %#x)",
         mode_names[mode], iterations, now_seconds() - start, ran, failed, other, last);
    char name[64];
    snprintf(name, sizeof name, "race_fork_exec_%s", mode_names[mode]);
    if (iterations > 0) {
        if (ran == 0) held(name, "inconclusive: no child ran /bin/true, every exec saw the host path; nothing escaped");
        else held(name, "%ld children, %ld ran the guest's /bin/true", iterations, ran);
    }
}

/* The stub's scratch memory, where the loader's batch goes (Kernel/Loader/SyscallBatch.cs): its data, then 64-byte records
   of number, six arguments, flags. The records start after a few words of data, so the writer shifts its fake records
   by a word each time. */
#define STUB_SCRATCH 0x100000001000UL
static volatile pid_t batch_target;
static volatile int batch_stop;
static long batch_writes;

static void *batch_writer(void *unused)
{
    (void)unused;
    static uint64_t records[64 * 8];
    static char evil_path[4096];
    uint64_t path_at = STUB_SCRATCH + 0x8000;
    snprintf(evil_path, sizeof evil_path, "%s", C.evil_elf);
    for (int i = 0; i < 64; i++) {
        records[i * 8] = SYS_execve;
        records[i * 8 + 1] = path_at;
    }
    struct iovec local[2] = {{records, sizeof records}, {evil_path, strlen(evil_path) + 1}};
    struct iovec remote[2] = {{NULL, sizeof records}, {(void *)path_at, strlen(evil_path) + 1}};
    for (unsigned long n = 0; !batch_stop; n++) {
        pid_t pid = batch_target;
        remote[0].iov_base = (void *)(STUB_SCRATCH + (n % 8) * 8);
        if (pid > 0 && process_vm_writev(pid, local, 2, remote, 2, 0) > 0) batch_writes++;
    }
    return NULL;
}

static void race_batch(long iterations)
{
    long ran = 0, killed = 0, crashed = 0, other = 0;
    int last = 0;
    pthread_t writer;
    batch_stop = 0;
    if (pthread_create(&writer, NULL, batch_writer, NULL) != 0) return;
    double start = now_seconds();
    for (long i = 0; i < iterations; i++) {
        fflush(stdout);
        pid_t child = fork();
        if (child == 0) {
            execve("/bin/true", exec_argv, exec_envp);
            _exit(EXEC_FAILED);
        }
        if (child < 0) { other++; continue; }
        batch_target = child;
        int status = 0;
        waitpid(child, &status, 0);
        batch_target = 0;
        if (WIFEXITED(status) && WEXITSTATUS(status) == 0) ran++;
        else if (WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) killed++;
        /* Records torn by a write that lands while the runner reads them make calls the child could make itself (a read
           in place of an mmap, say): its program may then start unmapped and fault. Its own process is harmed, nothing
           else; had the host's evil-elf run, it would have made `pwned`, which the harness looks for. */
        else if (WIFSIGNALED(status) && (WTERMSIG(status) == SIGSEGV || WTERMSIG(status) == SIGBUS || WTERMSIG(status) == SIGILL)) crashed++;
        else { other++; last = status; }
    }
    batch_stop = 1;
    pthread_join(writer, NULL);
    info("fork+execve while the exec's batch records are overwritten with execve of the host evil-elf, %ld times in %.1f s: %ld ran /bin/true, %ld were killed by the kernel, %ld faulted, %ld other (last status %#x); %ld writes landed",
         iterations, now_seconds() - start, ran, killed, crashed, other, last, batch_writes);
    if (other > 0) escaped("race_exec_batch_records", "%ld children ended neither as /bin/true nor killed nor faulting (last status %#x)", other, last);
    else held("race_exec_batch_records", "%ld children: %ld ran the guest's /bin/true, %ld killed, %ld faulted in their own process", iterations, ran, killed, crashed);
}

int main(int argc, char **argv)
{
    hostile_init(argc, argv);
    if (strlen(C.evil) + 1 > sizeof fill) return 2;
    memcpy(fill, C.evil, strlen(C.evil) + 1);

    /* direct */
    char path[8192];
    direct("direct_evil_script", C.evil, 0);
    direct("direct_evil_elf", C.evil_elf, 0);
    direct("direct_evil_execveat", C.evil, 1);
    snprintf(path, sizeof path, "/../../../..%s", C.evil_elf);
    direct("direct_evil_dotdot", path, 0);
    snprintf(path, sizeof path, "/proc/self/root%s", C.evil_elf);
    direct("direct_evil_proc_self_root", path, 0);
    snprintf(path, sizeof path, "/proc/%d/root%s", C.uk_pid, C.evil_elf);
    direct("direct_evil_proc_userkernel_root", path, 0);
    snprintf(path, sizeof path, "/proc/%d/exe", C.uk_pid);
    direct("direct_proc_userkernel_exe", path, 0);
    snprintf(path, sizeof path, "/proc/%d/exe", C.pid);
    direct("direct_proc_canary_exe", path, 0);
    /* a guest script whose interpreter is the host's evil-elf */
    FILE *script = fopen("/tmp/interp.sh", "w");
    if (script) {
        fprintf(script, "#!%s\n", C.evil_elf);
        fclose(script);
        chmod("/tmp/interp.sh", 0755);
        direct("direct_evil_as_interpreter", "/tmp/interp.sh", 0);
    }

    /* raced: vfork while the flipper runs */
    long vforks = arg_num("vfork", 2000);
    for (int mode = 0; mode < 3 && vforks > 0; mode++) {
        set_values(mode);
        memset(&F, 0, sizeof F);
        flipper_add(&F, path_buf, guest_value, value_len, host_value, value_len);
        F.fill = fill;
        F.fill_len = strlen(C.evil) + 1;
        fflush(stdout);
        double start = now_seconds();
        flipper_start(&F);
        long counts[4], last = 0;
        vfork_racer(vforks, counts, &last);
        flipper_stop(&F);
        info("vfork+execve (flipping the %s) raced %ld times in %.1f s: %ld ran /bin/true, %ld failed to exec, %ld killed by a signal, %ld other (last %#lx); flipper rounds %lu",
             mode_names[mode], vforks, now_seconds() - start, counts[0], counts[1], counts[2], counts[3], last, F.rounds);
        char name[64];
        snprintf(name, sizeof name, "race_vfork_exec_%s", mode_names[mode]);
        if (counts[0] == 0) held(name, "inconclusive: no child ran /bin/true, every exec saw the host path; nothing escaped");
        else held(name, "%ld vforks, %ld ran the guest's /bin/true", vforks, counts[0]);
    }

    /* raced: fork, each child with its own flipper */
    race_fork(arg_num("fork", 100), 0);
    race_fork(arg_num("fork", 100), 1);
    race_fork(arg_num("fork", 100), 2);

    long batches = arg_num("batch", 200);
    if (batches > 0) race_batch(batches);

    if (access(C.pwned, F_OK) == 0) escaped("pwned_absent_in_guest", "the guest sees %s", C.pwned);
    else held("pwned_absent_in_guest", NULL);
    return hostile_finish();
}
