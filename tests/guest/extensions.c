/* Drives the example extensions and the probe from inside the guest: /dev/fortune's ioctls and syscall, jsonfs mounted
 * by mount(2) with a source in the guest's own tree, and the probe's errors arriving as errnos. Prints one line per check. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <termios.h>
#include <unistd.h>

#define FORTUNE_COUNT _IOR('f', 1, int)
#define FORTUNE_SELECT _IO('f', 2)

static void say(const char *what, long r) { printf("%s = %ld%s%s\n", what, r, r < 0 ? " " : "", r < 0 ? strerrorname_np(errno) : ""); }

static int fortune(void)
{
    int fd = open("/dev/fortune", O_RDONLY);
    say("open /dev/fortune", fd);
    struct stat st;
    if (fstat(fd, &st) == 0) printf("fstat: %s %u:%u\n", S_ISCHR(st.st_mode) ? "char" : "other", major(st.st_rdev), minor(st.st_rdev));
    int count = -1;
    say("FORTUNE_COUNT", ioctl(fd, FORTUNE_COUNT, &count));
    printf("count %d\n", count);
    say("FORTUNE_COUNT to a bad pointer", ioctl(fd, FORTUNE_COUNT, (void *)8));
    say("FORTUNE_SELECT 99", ioctl(fd, FORTUNE_SELECT, 99));
    struct termios t;
    say("TCGETS (not the device's)", ioctl(fd, TCGETS, &t));
    close(fd);
    say("FORTUNE_SELECT 1", ioctl(fd = open("/dev/fortune", O_RDONLY), FORTUNE_SELECT, 1));
    close(fd);
    char buf[256] = {0};
    fd = open("/dev/fortune", O_RDONLY);
    ssize_t n = read(fd, buf, sizeof buf - 1);
    printf("read %zd: %s", n, buf);
    say("read at the end", read(fd, buf, sizeof buf));
    close(fd);
    memset(buf, 0, sizeof buf);
    long r = syscall(1000, buf, sizeof buf);
    say("syscall fortune", r);
    printf("%s", buf);
    say("syscall fortune, small buffer", syscall(1000, buf, 3));
    say("syscall fortune, bad buffer", syscall(1000, (void *)8, 100));
    return 0;
}

static int jsonfs(void)
{
    say("mount jsonfs", mount("/data/doc.json", "/mnt", "jsonfs", 0, NULL));
    char buf[64] = {0};
    int fd = open("/mnt/greeting", O_RDONLY);
    ssize_t n = read(fd, buf, sizeof buf - 1);
    printf("greeting %zd: %s", n, buf);
    close(fd);
    memset(buf, 0, sizeof buf);
    say("getxattr list", getxattr("/mnt/list", "user.json.type", buf, sizeof buf));
    printf("type %s\n", buf);
    say("write to jsonfs", open("/mnt/greeting", O_WRONLY));
    say("umount", umount("/mnt"));
    say("open after umount", open("/mnt/greeting", O_RDONLY));
    say("mount a file that is not JSON", mount("/data/not.json", "/mnt", "jsonfs", 0, NULL));
    say("mount with an option jsonfs does not take", mount("/data/doc.json", "/mnt", "jsonfs", 0, "size=1m"));
    say("mount a missing source", mount("/data/missing.json", "/mnt", "jsonfs", 0, NULL));
    say("mount a type nobody registered", mount("none", "/mnt", "nosuchfs", 0, NULL));
    say("mount tmpfs read-only", mount("none", "/mnt", "tmpfs", MS_RDONLY, NULL));
    say("mkdir in it", mkdir("/mnt/d", 0755));
    say("umount it", umount("/mnt"));
    if (setuid(1000) == 0) say("mount as a user", mount("/data/doc.json", "/mnt", "jsonfs", 0, NULL));
    return 0;
}

static int probe(void)
{
    unsigned cpu = 0, node = 0;
    say("getcpu (replaced)", syscall(SYS_getcpu, &cpu, &node, NULL));
    printf("cpu %u node %u\n", cpu, node);
    say("syscall 1001 (throws)", syscall(1001));
    say("mount probefs", mount("none", "/mnt", "probefs", 0, NULL));
    struct stat st;
    say("stat /mnt/boom (lookup throws)", stat("/mnt/boom", &st));
    say("stat /mnt/other", stat("/mnt/other", &st));
    say("mount probefs that throws", mount("none", "/tmp", "probefs", 0, "explode"));
    say("open /dev/probe read-write (open throws)", open("/dev/probe", O_RDWR));
    int fd = open("/dev/probe", O_RDONLY);
    say("open /dev/probe", fd);
    say("ioctl 0x7001 (throws)", ioctl(fd, 0x7001, 0));
    char buf[64] = {0};
    ssize_t n = read(fd, buf, sizeof buf - 1);
    printf("read %zd: %s", n, buf);
    say("read after the device threw", read(fd, buf, sizeof buf));
    say("getppid still served", getppid());
    return 0;
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    if (argc > 1 && strcmp(argv[1], "fortune") == 0) return fortune();
    if (argc > 1 && strcmp(argv[1], "jsonfs") == 0) return jsonfs();
    if (argc > 1 && strcmp(argv[1], "probe") == 0) return probe();
    fprintf(stderr, "usage: extensions fortune|jsonfs|probe\n");
    return 2;
}
