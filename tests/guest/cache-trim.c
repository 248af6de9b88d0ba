// The kernel keeps at most 1024 image files' host objects and lets the oldest go. A file let go and opened again must
// still be known as the image's file: its host object is the user's file in the content cache, which other runs read,
// and a guest's fchmod of it belongs in the overlay, never on the host.
//   cache-trim FILE DIR    FILE is opened, DIR's files push it out, O_PATH opens make the kernel prune, then fchmod 0
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>
#include "errnames.h"

int main(int argc, char **argv)
{
    if (argc < 3) return 2;
    close(open(argv[1], O_RDONLY));
    DIR *dir = opendir(argv[2]);
    if (!dir || chdir(argv[2]) != 0) { perror(argv[2]); return 1; }
    int pushed = 0;
    for (struct dirent *e; (e = readdir(dir)) != NULL;)
        if (e->d_name[0] != '.') { close(open(e->d_name, O_RDONLY)); pushed++; }
    close(open(argv[1], O_RDONLY));
    for (int i = 0; i < 4200; i++) close(open(argv[1], O_PATH));
    int fd = open(argv[1], O_RDONLY);
    struct stat st;
    int r = fchmod(fd, 0);
    printf("pushed out by %s files: %s\n", pushed > 1100 ? "over 1100" : "too few", pushed > 1100 ? "yes" : "no");
    printf("fchmod: %s\n", r == 0 ? "0" : errname(errno));
    printf("mode seen: %o\n", fstat(fd, &st) == 0 ? (unsigned)(st.st_mode & 07777) : 07777u);
    return 0;
}
