/* Credentials: the ids, the auxv's copies of them, supplementary groups, capabilities, and what the
 * set*id calls allow from where the program starts (root or an ordinary user); a forked child's ids;
 * access(2) with the real ids against open(2) with the effective ones. Prints one line per step. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <stdio.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/fsuid.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static void ids(const char *when)
{
    uid_t r, e, s;
    gid_t rg, eg, sg;
    getresuid(&r, &e, &s);
    getresgid(&rg, &eg, &sg);
    gid_t groups[16];
    int n = getgroups(16, groups);
    printf("%s: uid %u %u %u gid %u %u %u groups", when, r, e, s, rg, eg, sg);
    for (int i = 0; i < n; i++) printf(" %u", groups[i]);
    printf("\n");
}

static void result(const char *what, long rc)
{
    printf("%s = %ld%s%s\n", what, rc, rc < 0 ? " " : "", rc < 0 ? strerrorname_np(errno) : "");
}

static void openable(const char *path)
{
    int fd = open(path, O_RDONLY);
    printf("open %s: %s; access R_OK: %s\n", path, fd >= 0 ? "ok" : strerrorname_np(errno),
           access(path, R_OK) == 0 ? "ok" : strerrorname_np(errno));
    if (fd >= 0) close(fd);
}

int main(void)
{
    printf("auxv uid %lu euid %lu gid %lu egid %lu\n", getauxval(AT_UID), getauxval(AT_EUID), getauxval(AT_GID), getauxval(AT_EGID));
    ids("start");
    struct __user_cap_header_struct header = { _LINUX_CAPABILITY_VERSION_3, 0 };
    struct __user_cap_data_struct data[2];
    long rc = syscall(SYS_capget, &header, data);
    printf("capget = %ld, effective %s\n", rc, data[0].effective ? "some" : "none");

    if (geteuid() == 0)
    {
        gid_t g[] = { 100, 7 };
        result("setgroups(7, 100)", setgroups(2, g));
        result("setresgid(1000, 1000, 0)", setresgid(1000, 1000, 0));
        result("seteuid(1000)", seteuid(1000));
        ids("as euid 1000");
        openable("/secret.txt");
        result("seteuid(0)", seteuid(0));
        result("setreuid(1000, 1000)", setreuid(1000, 1000));
        ids("after setreuid");
        result("setuid(0)", setuid(0));
    }
    else
    {
        result("setuid(0)", setuid(0));
        result("setgid(0)", setgid(0));
        result("setgroups(0)", setgroups(0, NULL));
        result("setreuid(-1, 0)", setreuid(-1, 0));
        result("setresuid(1000, 1000, 1000)", setresuid(1000, 1000, 1000));
        result("setfsuid(0) (returns the old id)", setfsuid(0));
        result("setfsuid(-1) (returns the current id)", setfsuid(-1));
        openable("/secret.txt");
        openable("/home/user/mine");
    }
    rc = syscall(SYS_capget, &header, data);
    printf("capget = %ld, effective %s\n", rc, data[0].effective ? "some" : "none");
    fflush(stdout);
    pid_t child = fork();
    if (child == 0)
    {
        ids("child");
        _exit(0);
    }
    waitpid(child, NULL, 0);
    return 0;
}
