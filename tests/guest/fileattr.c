// chattr's ioctls on a file of the image opened only to read: FS_IOC_GETFLAGS answers, and each request that would set
// the attributes is answered without changing the host's file behind it (a file of the content cache other runs share).
//   fileattr PATH
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include "errnames.h"

static void show(const char *what, int r)
{
    printf("%s: %s\n", what, r == 0 ? "0" : errname(errno));
}

int main(int argc, char **argv)
{
    if (argc < 2) return 2;
    int fd = open(argv[1], O_RDONLY);
    if (fd < 0) { perror("open"); return 1; }
    int flags = 0;
    show("FS_IOC_GETFLAGS", ioctl(fd, FS_IOC_GETFLAGS, &flags));
    long set = flags | FS_NODUMP_FL | FS_NOATIME_FL;
    show("FS_IOC_SETFLAGS", ioctl(fd, FS_IOC_SETFLAGS, &set));
    struct fsxattr fa = {0};
    show("FS_IOC_FSGETXATTR", ioctl(fd, FS_IOC_FSGETXATTR, &fa));
    fa.fsx_xflags |= FS_XFLAG_NODUMP;
    show("FS_IOC_FSSETXATTR", ioctl(fd, FS_IOC_FSSETXATTR, &fa));
    long generation = 12345;
    show("FS_IOC_SETVERSION", ioctl(fd, FS_IOC_SETVERSION, &generation));
    return 0;
}
