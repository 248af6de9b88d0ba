/* Sockets by family: an AF_UNIX pair carries bytes; AF_INET, AF_INET6, AF_PACKET and AF_NETLINK are made or refused
   (run --net none refuses every family but AF_UNIX with EAFNOSUPPORT). Prints one line per attempt. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static void try_family(const char *name, int domain, int type)
{
    int fd = socket(domain, type, 0);
    if (fd >= 0) {
        printf("%s: ok\n", name);
        close(fd);
    } else {
        printf("%s: %s\n", name, errno == EAFNOSUPPORT ? "EAFNOSUPPORT" : errno == EPERM ? "EPERM" : errno == EACCES ? "EACCES" : "other");
    }
}

int main(void)
{
    int pair[2];
    char buffer[8] = {0};
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, pair) != 0) {
        printf("socketpair: %s\n", strerror(errno));
    } else {
        ssize_t w = write(pair[0], "ping", 4);
        ssize_t r = read(pair[1], buffer, sizeof buffer - 1);
        printf("socketpair: %zd %zd %s\n", w, r, buffer);
    }
    try_family("unix", AF_UNIX, SOCK_DGRAM);
    try_family("inet", AF_INET, SOCK_STREAM);
    try_family("inet6", AF_INET6, SOCK_DGRAM);
    try_family("netlink", AF_NETLINK, SOCK_RAW);
    return 0;
}
