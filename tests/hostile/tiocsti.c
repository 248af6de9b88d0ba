/* tiocsti: a guest cannot type into a terminal or take the console.

   On a pty of the guest's own (/dev/ptmx, grantpt, unlockpt, the slave opened): ioctl TIOCSTI on the slave and on
   the master, and TIOCCONS on both, fail with EPERM; TIOCLINUX fails; nothing injected shows up as input. The
   same on the guest's stdin, stdout and stderr. Raced: TIOCSTI in a loop on a descriptor number that another
   thread keeps dup2()ing between /dev/null, the slave and the master: it never succeeds.

   The host's terminals: the canary's pty (pty=/dev/pts/N, mode 0666) cannot be opened by its name, no other number in
   /dev/pts but the guest's own opens, and a device node the guest makes with the canary's number opens nothing. */
#define _XOPEN_SOURCE 600
#include "hostile.h"
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/sysmacros.h>
#include <termios.h>

static void expect_eperm(const char *check, int fd, unsigned long request, const void *arg, int any_error)
{
    errno = 0;
    int r = ioctl(fd, request, arg);
    int e = errno;
    if (r == 0) escaped(check, "ioctl succeeded");
    else if (e == EPERM || any_error) held(check, "%s", errname(e));
    else escaped(check, "%s, not EPERM (threat model: refused with EPERM)", errname(e));
}

/* Bytes waiting to be read on FD (nothing should be there). */
static int pending_input(int fd, char *buf, size_t size)
{
    struct pollfd p = {fd, POLLIN, 0};
    if (poll(&p, 1, 50) <= 0) return 0;
    int flags = fcntl(fd, F_GETFL);
    fcntl(fd, F_SETFL, flags | O_NONBLOCK);
    ssize_t n = read(fd, buf, size - 1);
    fcntl(fd, F_SETFL, flags);
    if (n > 0) buf[n] = 0;
    return n > 0 ? (int)n : 0;
}

static volatile int dup_stop;
static int swap_fds[3];

static void *swapper(void *arg)
{
    int target = (int)(long)arg;
    while (!dup_stop)
        for (int i = 0; i < 3; i++) dup2(swap_fds[i], target);
    return NULL;
}

int main(int argc, char **argv)
{
    hostile_init(argc, argv);
    int master = posix_openpt(O_RDWR | O_NOCTTY);
    if (master < 0 || grantpt(master) != 0 || unlockpt(master) != 0) {
        escaped("setup", "the guest's /dev/ptmx: %s", errname(errno));
        return hostile_finish();
    }
    const char *name = ptsname(master);
    int slave = name ? open(name, O_RDWR | O_NOCTTY) : -1;
    if (slave < 0) {
        escaped("setup", "the slave %s: %s", name ? name : "(no name)", errname(errno));
        return hostile_finish();
    }
    info("pty master %d, slave %s (%d)", master, name, slave);
    struct termios raw;
    if (tcgetattr(slave, &raw) == 0) {
        cfmakeraw(&raw);
        tcsetattr(slave, TCSANOW, &raw);
    }

    char c = 'x';
    expect_eperm("tiocsti_slave", slave, TIOCSTI, &c, 0);
    expect_eperm("tiocsti_master", master, TIOCSTI, &c, 0);
    expect_eperm("tioccons_slave", slave, TIOCCONS, NULL, 0);
    expect_eperm("tioccons_master", master, TIOCCONS, NULL, 0);
    char linux_arg[2] = {6 /* TIOCL_GETSHIFTSTATE */, 0};
    expect_eperm("tioclinux_slave", slave, TIOCLINUX, linux_arg, 1);
    for (int fd = 0; fd < 3; fd++) {
        char check[64];
        snprintf(check, sizeof check, "tiocsti_stdio_%d", fd);
        expect_eperm(check, fd, TIOCSTI, &c, 1);
        snprintf(check, sizeof check, "tioccons_stdio_%d", fd);
        expect_eperm(check, fd, TIOCCONS, NULL, 1);
    }

    /* the pty itself works, and nothing was injected */
    char buf[256];
    int injected = pending_input(slave, buf, sizeof buf);
    expect(injected == 0, "nothing_injected_direct", injected ? "the slave has input '%s'" : "the slave has no input%s", injected ? buf : "");
    if (write(master, "typed\n", 6) == 6) {
        int n = pending_input(slave, buf, sizeof buf);
        info("the pty works: wrote 'typed' to the master, the slave read %d bytes", n);
    }

    /* the host's terminals: the guests number their ptys themselves, so what a name opens is told by its st_rdev */
    const char *host_pty = arg_str("pty");
    unsigned number = (unsigned)atoi(host_pty + strlen("/dev/pts/"));
    dev_t canary_rdev = makedev(136 + number / 256, number % 256);
    dev_t own[4];
    int owns = 0;
    struct stat st;
    if (fstat(slave, &st) == 0) own[owns++] = st.st_rdev;
    for (int std = 0; std < 3; std++)
        if (fstat(std, &st) == 0 && S_ISCHR(st.st_mode)) own[owns++] = st.st_rdev;
    int fd = open(host_pty, O_RDWR | O_NOCTTY | O_NONBLOCK);
    if (fd >= 0 && fstat(fd, &st) == 0 && st.st_rdev == canary_rdev) {
        if (write(fd, "escaped by name\n", 16) < 0) info("write to %s: %s", host_pty, errname(errno));
        escaped("host_pty_by_name", "%s opened the canary's pty", host_pty);
    } else held("host_pty_by_name", "%s: %s", host_pty, fd >= 0 ? "a pty of the guest's own" : errname(errno));
    if (fd >= 0) close(fd);
    int others = 0;
    char which[256] = "";
    for (int n = 0; n < 256; n++) {
        char path[32];
        snprintf(path, sizeof path, "/dev/pts/%d", n);
        int f = open(path, O_RDWR | O_NOCTTY | O_NONBLOCK);
        if (f < 0) continue;
        int mine = 0;
        if (fstat(f, &st) == 0)
            for (int i = 0; i < owns; i++) mine |= st.st_rdev == own[i];
        if (!mine) {
            others++;
            snprintf(which + strlen(which), sizeof which - strlen(which), " %s (%u:%u)", path, major(st.st_rdev), minor(st.st_rdev));
        }
        close(f);
    }
    expect(others == 0, "host_pty_any_number", others ? "opened host terminals:%s" : "no /dev/pts/N opens a pty but the guest's own%s", which);
    if (mknod("/tmp/host-pty-node", S_IFCHR | 0666, makedev(136 + number / 256, number % 256)) != 0)
        held("host_pty_mknod", "mknod: %s", errname(errno));
    else {
        fd = open("/tmp/host-pty-node", O_RDWR | O_NOCTTY | O_NONBLOCK);
        if (fd >= 0) {
            if (write(fd, "escaped by mknod\n", 17) < 0) info("write to the node: %s", errname(errno));
            escaped("host_pty_mknod", "a node 136:%u opened the canary's pty", number);
            close(fd);
        } else held("host_pty_mknod", "open of a node 136:%u: %s", number, errname(errno));
        unlink("/tmp/host-pty-node");
    }

    /* raced: TIOCSTI on a descriptor another thread keeps swapping */
    long iterations = arg_num("iterations", 20000);
    int devnull = open("/dev/null", O_RDWR);
    swap_fds[0] = devnull;
    swap_fds[1] = slave;
    swap_fds[2] = master;
    int target = 100;
    dup2(devnull, target);
    pthread_t t;
    pthread_create(&t, NULL, swapper, (void *)(long)target);
    long ok = 0, eperm = 0, other = 0;
    int last = 0;
    double start = now_seconds();
    for (long i = 0; i < iterations; i++) {
        long r = RSYS3(SYS_ioctl, target, TIOCSTI, &c);
        if (r == 0) ok++;
        else if (r == -EPERM) eperm++;
        else { other++; last = (int)-r; }
    }
    dup_stop = 1;
    pthread_join(t, NULL);
    info("raced TIOCSTI %ld times in %.1f s: %ld ok, %ld EPERM, %ld other (last %s)", iterations, now_seconds() - start, ok, eperm, other, last ? errname(last) : "-");
    injected = pending_input(slave, buf, sizeof buf) + pending_input(master, buf, sizeof buf);
    expect(ok == 0 && injected == 0, "race_tiocsti_swapped_fd", "%ld of %ld succeeded, %d bytes of input appeared", ok, iterations, injected);
    return hostile_finish();
}
