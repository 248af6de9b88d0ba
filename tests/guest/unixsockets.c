/* Unix sockets bound to paths: a stream server and a forked client meet at a path, the names getsockname,
   getpeername and accept report, the socket file's type, EADDRINUSE for a taken name, ENOENT for a missing
   one, ECONNREFUSED once nobody listens, EACCES without write permission, a datagram by sendto and by sendmsg,
   and a name reached through a symlink and after a rename. Run natively in a writable copy and under userkernel. */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>
#include "errnames.h"

static socklen_t address(struct sockaddr_un *a, const char *path)
{
    memset(a, 0, sizeof *a);
    a->sun_family = AF_UNIX;
    strncpy(a->sun_path, path, sizeof a->sun_path - 1);
    return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(path) + 1);
}

static void show_name(const char *what, struct sockaddr_un *a, socklen_t len)
{
    if (len <= offsetof(struct sockaddr_un, sun_path)) printf("%s: unnamed (len %u)\n", what, (unsigned)len);
    else printf("%s: '%s' (len %u)\n", what, a->sun_path, (unsigned)len);
}

static int try_connect(const char *path)
{
    struct sockaddr_un a;
    socklen_t len = address(&a, path);
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    int r = connect(fd, (struct sockaddr *)&a, len);
    int e = errno;
    close(fd);
    return r == 0 ? 0 : e;
}

int main(void)
{
    struct sockaddr_un a, got;
    socklen_t len, gotlen;
    struct stat st;

    int server = socket(AF_UNIX, SOCK_STREAM, 0);
    len = address(&a, "/tmp/server.sock");
    printf("bind: %s\n", bind(server, (struct sockaddr *)&a, len) == 0 ? "ok" : errname(errno));
    printf("listen: %s\n", listen(server, 4) == 0 ? "ok" : errname(errno));
    if (stat("/tmp/server.sock", &st) == 0) printf("stat: socket=%d mode=%o\n", S_ISSOCK(st.st_mode), st.st_mode & 07777);
    gotlen = sizeof got;
    getsockname(server, (struct sockaddr *)&got, &gotlen);
    show_name("getsockname", &got, gotlen);
    gotlen = 10;
    memset(&got, 0, sizeof got);
    getsockname(server, (struct sockaddr *)&got, &gotlen);
    printf("short getsockname: len %u, '%.8s'\n", (unsigned)gotlen, got.sun_path);

    int again = socket(AF_UNIX, SOCK_STREAM, 0);
    printf("bind taken: %s\n", bind(again, (struct sockaddr *)&a, len) == 0 ? "ok" : errname(errno));
    close(again);

    pid_t child = fork();
    if (child == 0) {
        int c = socket(AF_UNIX, SOCK_STREAM, 0);
        struct sockaddr_un to;
        socklen_t tolen = address(&to, "/tmp/server.sock");
        if (connect(c, (struct sockaddr *)&to, tolen) != 0) { printf("child connect: %s\n", errname(errno)); _exit(1); }
        struct sockaddr_un peer;
        socklen_t peerlen = sizeof peer;
        getpeername(c, (struct sockaddr *)&peer, &peerlen);
        show_name("child getpeername", &peer, peerlen);
        if (write(c, "hello", 5) != 5) _exit(2);
        _exit(0);
    }
    gotlen = sizeof got;
    int conn = accept(server, (struct sockaddr *)&got, &gotlen);
    show_name("accept peer", &got, gotlen);
    char buf[16] = {0};
    ssize_t n = read(conn, buf, sizeof buf - 1);
    printf("read: %zd '%s'\n", n, buf);
    int status;
    waitpid(child, &status, 0);
    printf("child status: %d\n", WEXITSTATUS(status));
    close(conn);

    symlink("/tmp/server.sock", "/tmp/link.sock");
    printf("connect via symlink: %s\n", errname(try_connect("/tmp/link.sock")));
    rename("/tmp/server.sock", "/tmp/moved.sock");
    printf("connect after rename: %s\n", errname(try_connect("/tmp/moved.sock")));
    printf("connect old name: %s\n", errname(try_connect("/tmp/server.sock")));
    printf("connect missing: %s\n", errname(try_connect("/tmp/none.sock")));
    printf("connect regular file: %s\n", errname(try_connect("/etc/passwd")));
    close(server);
    printf("connect closed: %s\n", errname(try_connect("/tmp/moved.sock")));

    /* Datagrams: by sendto and by sendmsg to a bound name. */
    int receiver = socket(AF_UNIX, SOCK_DGRAM, 0);
    len = address(&a, "/tmp/dgram.sock");
    printf("bind dgram: %s\n", bind(receiver, (struct sockaddr *)&a, len) == 0 ? "ok" : errname(errno));
    int sender = socket(AF_UNIX, SOCK_DGRAM, 0);
    printf("sendto: %zd\n", sendto(sender, "one", 3, 0, (struct sockaddr *)&a, len));
    struct iovec iov = { .iov_base = "two", .iov_len = 3 };
    struct msghdr msg = { .msg_name = &a, .msg_namelen = len, .msg_iov = &iov, .msg_iovlen = 1 };
    printf("sendmsg: %zd\n", sendmsg(sender, &msg, 0));
    printf("msghdr kept: %d\n", msg.msg_name == &a && msg.msg_namelen == len);
    memset(buf, 0, sizeof buf);
    n = recv(receiver, buf, sizeof buf - 1, 0);
    printf("recv: %zd '%s'\n", n, buf);
    memset(buf, 0, sizeof buf);
    n = recv(receiver, buf, sizeof buf - 1, 0);
    printf("recv: %zd '%s'\n", n, buf);

    /* Without write permission on the socket file, connect is refused. */
    int locked = socket(AF_UNIX, SOCK_STREAM, 0);
    len = address(&a, "/tmp/locked.sock");
    bind(locked, (struct sockaddr *)&a, len);
    listen(locked, 1);
    chmod("/tmp/locked.sock", 0500);
    if (fork() == 0) {
        if (setuid(1000) != 0) { printf("setuid: %s\n", errname(errno)); _exit(1); }
        printf("connect without write permission: %s\n", errname(try_connect("/tmp/locked.sock")));
        _exit(0);
    }
    wait(&status);
    unlink("/tmp/locked.sock");
    printf("after unlink: %s\n", errname(try_connect("/tmp/locked.sock")));
    return 0;
}
