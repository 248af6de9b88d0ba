/* Capabilities: capget and capset on oneself, the checks that ask for them (reading a mode-000 file, chown),
 * and how uid changes and exec move them (capabilities(7)). Only named bits are printed: the host's own
 * bounding set may lack capabilities the guest's root has. Run natively in a writable copy and under userkernel. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/capability.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fsuid.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include "errnames.h"

struct caps { unsigned long long eff, prm, inh; };

static struct caps get(void)
{
    struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
    struct __user_cap_data_struct d[2];
    memset(d, 0, sizeof d);
    syscall(SYS_capget, &h, d);
    struct caps c = { d[0].effective | (unsigned long long)d[1].effective << 32,
                      d[0].permitted | (unsigned long long)d[1].permitted << 32,
                      d[0].inheritable | (unsigned long long)d[1].inheritable << 32 };
    return c;
}

static int set(pid_t pid, struct caps c)
{
    struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, pid };
    struct __user_cap_data_struct d[2] = {
        { (unsigned)c.eff, (unsigned)c.prm, (unsigned)c.inh },
        { (unsigned)(c.eff >> 32), (unsigned)(c.prm >> 32), (unsigned)(c.inh >> 32) } };
    return (int)syscall(SYS_capset, &h, d);
}

#define BIT(cap) (1ULL << (cap))

static void show(const char *when)
{
    struct caps c = get();
    printf("%s: eff dac_override=%d setuid=%d chown=%d; prm setuid=%d dac_override=%d; inh empty=%d\n", when,
           !!(c.eff & BIT(CAP_DAC_OVERRIDE)), !!(c.eff & BIT(CAP_SETUID)), !!(c.eff & BIT(CAP_CHOWN)),
           !!(c.prm & BIT(CAP_SETUID)), !!(c.prm & BIT(CAP_DAC_OVERRIDE)), c.inh == 0);
}

static const char *try_open(const char *path)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0) return errname(errno);
    close(fd);
    return "ok";
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IONBF, 0); /* children print too; nothing may wait in a buffer across fork */
    if (argc > 1) { show(argv[1]); return 0; }
    const char *secret = "/tmp/secret";
    close(open(secret, O_CREAT | O_WRONLY, 0));
    show("root");
    printf("open mode 000: %s\n", try_open(secret));

    struct caps c = get();
    struct caps less = c;
    less.eff &= ~(BIT(CAP_DAC_OVERRIDE) | BIT(CAP_DAC_READ_SEARCH));
    printf("capset drop dac from eff: %s\n", set(0, less) == 0 ? "ok" : errname(errno));
    printf("open mode 000: %s\n", try_open(secret));
    printf("access R_OK (real root): %s\n", access(secret, R_OK) == 0 ? "ok" : errname(errno));
    printf("capset raise dac again: %s\n", set(0, c) == 0 ? "ok" : errname(errno));
    printf("open mode 000: %s\n", try_open(secret));

    struct caps nochown = c;
    nochown.eff &= ~BIT(CAP_CHOWN);
    nochown.prm &= ~BIT(CAP_CHOWN);
    printf("capset drop chown from prm: %s\n", set(0, nochown) == 0 ? "ok" : errname(errno));
    printf("chown to 5:5: %s\n", chown(secret, 5, 5) == 0 ? "ok" : errname(errno));
    printf("capset raise chown: %s\n", set(0, c) == 0 ? "ok" : errname(errno));
    struct caps wider = nochown;
    wider.eff |= BIT(CAP_CHOWN);
    printf("capset eff beyond prm: %s\n", set(0, wider) == 0 ? "ok" : errname(errno));

    pid_t child = fork();
    if (child == 0) { pause(); _exit(0); }
    printf("capset on another process: %s\n", set(child, nochown) == 0 ? "ok" : errname(errno));
    kill(child, 9);
    waitpid(child, NULL, 0);

    int status;
    if (fork() == 0) {
        if (setresuid(1000, 1000, 1000) != 0) _exit(1);
        show("after setresuid 1000");
        _exit(0);
    }
    wait(&status);
    if (fork() == 0) {
        if (seteuid(1000) != 0) _exit(1);
        show("euid 1000");
        if (seteuid(0) != 0) _exit(2);
        show("euid 0 again");
        setfsuid(1000);
        show("fsuid 1000");
        setfsuid(0);
        show("fsuid 0 again");
        /* exec with real uid 0 and effective uid 1000: permitted full, effective empty. */
        if (setresuid(0, 1000, 0) != 0) _exit(3);
        execl(argv[0], argv[0], "after exec (ruid 0, euid 1000)", (char *)0);
        _exit(4);
    }
    wait(&status);
    if (fork() == 0) {
        if (setresuid(1000, 1000, 1000) != 0) _exit(1);
        execl(argv[0], argv[0], "after exec as 1000", (char *)0);
        _exit(4);
    }
    wait(&status);
    return 0;
}
