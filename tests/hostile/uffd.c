/* uffd: guest memory whose faults nobody resolves must not stall the kernel.

   A userfaultfd registers pages (missing mode) and never answers their faults. One thread passes those pages to
   calls the kernel serves by reading guest memory: the path of openat, stat, mkdir and execve, the buffer and the
   address of sendto, the address of connect and bind, a msghdr and its name for sendmsg. Each call must return
   (typically EFAULT) within seconds. Meanwhile a forked sibling keeps a heartbeat of calls the kernel serves
   (open, getpid) and prints it: it must keep beating while the calls are made. If a call has not returned after
   the deadline the program resolves the faults itself so that the run can end, and reports the stall.

   The calls are made over and over for min_seconds, so that the heartbeat has time to show it keeps going.

   Parameters: seconds= (the deadline for all calls, default 20), min_seconds= (default 3). */
#include "hostile.h"
#include <linux/userfaultfd.h>
#include <poll.h>
#include <stddef.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>

#define PAGES 8

static char *pages;
static long page_size;
static volatile int calls_done;
static volatile int current_call;
static double min_seconds;
static long rounds;

static const char *const call_names[] = {"openat_path", "stat_path", "mkdir_path", "execve_path", "sendto_buffer", "sendto_address",
                                         "connect_address", "bind_address", "sendmsg_msghdr", "sendmsg_name"};
#define CALLS (int)(sizeof call_names / sizeof call_names[0])
static long results[CALLS];
static double seconds_taken[CALLS];

static char *page(int i) { return pages + (long)i * page_size; }

static void *attacker(void *arg)
{
    (void)arg;
    struct sockaddr_un guest = {.sun_family = AF_UNIX, .sun_path = "/tmp/u.dgram"};
    int dgram = socket(AF_UNIX, SOCK_DGRAM, 0);
    struct msghdr m;
    struct iovec iov = {.iov_base = "x", .iov_len = 1};
    double begin = now_seconds();
    do {
    rounds++;
    for (int c = 0; c < CALLS; c++) {
        current_call = c;
        double start = now_seconds();
        long r;
        int s;
        switch (c) {
        case 0: r = syscall(SYS_openat, AT_FDCWD, page(0), O_RDONLY); break;
        case 1: r = syscall(SYS_newfstatat, AT_FDCWD, page(1), (struct stat *)page(7) - 1, 0); break;
        case 2: r = syscall(SYS_mkdir, page(2), 0755); break;
        case 3: r = syscall(SYS_execve, page(3), NULL, NULL); break;
        case 4: r = syscall(SYS_sendto, dgram, page(4), 64, 0, &guest, sizeof guest); break;
        case 5: r = syscall(SYS_sendto, dgram, "x", 1, 0, page(5), sizeof guest); break;
        case 6:
            s = socket(AF_UNIX, SOCK_STREAM, 0);
            r = syscall(SYS_connect, s, page(6), sizeof guest);
            close(s);
            break;
        case 7:
            s = socket(AF_UNIX, SOCK_STREAM, 0);
            r = syscall(SYS_bind, s, page(6) + 256, sizeof guest);
            close(s);
            break;
        case 8: r = syscall(SYS_sendmsg, dgram, page(5) + 512, 0); break;
        default:
            memset(&m, 0, sizeof m);
            m.msg_name = page(4) + 1024;
            m.msg_namelen = sizeof guest;
            m.msg_iov = &iov;
            m.msg_iovlen = 1;
            r = syscall(SYS_sendmsg, dgram, &m, 0);
            break;
        }
        results[c] = r < 0 ? -errno : r;
        if (now_seconds() - start > seconds_taken[c]) seconds_taken[c] = now_seconds() - start;
    }
    } while (now_seconds() - begin < min_seconds);
    calls_done = 1;
    return NULL;
}

int main(int argc, char **argv)
{
    hostile_init(argc, argv);
    double deadline = (double)arg_num("seconds", 20);
    min_seconds = (double)arg_num("min_seconds", 3);
    page_size = sysconf(_SC_PAGESIZE);

    /* the heartbeat: a sibling process whose calls the kernel serves */
    int beats[2];
    if (pipe(beats) != 0) return 2;
    fflush(stdout);
    pid_t heart = fork();
    if (heart == 0) {
        close(beats[0]);
        for (int n = 1;; n++) {
            int fd = open("/etc/passwd", O_RDONLY);
            if (fd >= 0) close(fd);
            printf("heartbeat %d (guest pid %d)\n", n, (int)getpid());
            fflush(stdout);
            if (write(beats[1], "b", 1) != 1) _exit(0);
            usleep(100000);
        }
    }
    close(beats[1]);
    fcntl(beats[0], F_SETFL, O_NONBLOCK);

    /* the pages nobody will serve */
    int uffd = (int)syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
    if (uffd < 0) {
        held("userfaultfd", "userfaultfd is refused here (%s): nothing to stall the kernel with", errname(errno));
        kill(heart, SIGKILL);
        return hostile_finish();
    }
    struct uffdio_api api = {.api = UFFD_API, .features = 0};
    if (ioctl(uffd, UFFDIO_API, &api) != 0) {
        escaped("setup", "UFFDIO_API: %s", errname(errno));
        return hostile_finish();
    }
    pages = mmap(NULL, (size_t)(PAGES * page_size), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    struct uffdio_register reg = {.range = {(unsigned long)pages, (unsigned long)(PAGES * page_size)}, .mode = UFFDIO_REGISTER_MODE_MISSING};
    if (pages == MAP_FAILED || ioctl(uffd, UFFDIO_REGISTER, &reg) != 0) {
        escaped("setup", "UFFDIO_REGISTER: %s", errname(errno));
        return hostile_finish();
    }
    info("userfaultfd %d registers %d pages at %p; their faults are never resolved", uffd, PAGES, (void *)pages);

    /* a guest datagram socket for sendto to name */
    struct sockaddr_un guest = {.sun_family = AF_UNIX, .sun_path = "/tmp/u.dgram"};
    int receiver = socket(AF_UNIX, SOCK_DGRAM, 0);
    bind(receiver, (struct sockaddr *)&guest, sizeof guest);

    char drain[256];
    while (read(beats[0], drain, sizeof drain) > 0) { }
    double start = now_seconds();
    pthread_t t;
    pthread_create(&t, NULL, attacker, NULL);
    long beats_during = 0;
    int resolved = 0;
    while (!calls_done) {
        usleep(50000);
        ssize_t n;
        while ((n = read(beats[0], drain, sizeof drain)) > 0) beats_during += n;
        if (!resolved && now_seconds() - start > deadline) {
            /* unstick the run: serve every page with zeros */
            struct uffdio_zeropage zero = {.range = {(unsigned long)pages, (unsigned long)(PAGES * page_size)}};
            ioctl(uffd, UFFDIO_ZEROPAGE, &zero);
            resolved = 1;
            escaped("uffd_calls_return", "%s had not returned after %.0f s: the call waited on the guest's fault handler "
                    "(threat model: user-mode-only faults, EFAULT)", call_names[current_call], deadline);
        }
    }
    pthread_join(t, NULL);
    double elapsed = now_seconds() - start;
    usleep(300000);
    ssize_t n;
    while ((n = read(beats[0], drain, sizeof drain)) > 0) beats_during += n;

    for (int c = 0; c < CALLS; c++) {
        char check[64];
        snprintf(check, sizeof check, "uffd_%s", call_names[c]);
        if (seconds_taken[c] > 5) escaped(check, "took up to %.1f s (%s)", seconds_taken[c], results[c] < 0 ? errname((int)-results[c]) : "ok");
        else held(check, "%s, at most %.3f s", results[c] < 0 ? errname((int)-results[c]) : "returned", seconds_taken[c]);
    }
    if (!resolved) held("uffd_calls_return", "%ld rounds of %d calls in %.1f s", rounds, CALLS, elapsed);
    /* the heartbeat beats every 0.1 s; allow for a slow machine */
    long expected = (long)((elapsed + 0.3) / 0.1);
    expect(beats_during >= expected / 3 && beats_during >= 5, "heartbeat_kept_going", "%ld beats in %.1f s", beats_during, elapsed + 0.3);
    kill(heart, SIGKILL);
    waitpid(heart, NULL, 0);
    return hostile_finish();
}
