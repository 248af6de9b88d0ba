// flock(2) on a file of the image opened only to read. Within one run, processes lock it as they would on Linux,
// whether they opened it before or after the run's first lock of it, and the moved descriptor keeps its offset and
// close-on-exec flag, and still shares its open file (offset and lock) with a dup made before. `hold` and `try` let a test lock the file from two runs at once.
//   flock PATH             the checks, one line each (the same natively)
//   flock PATH hold        LOCK_EX, print "locked", keep it until standard input ends
//   flock PATH try         LOCK_EX|LOCK_NB: "got it" or "busy"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *attempt(int fd, int op)
{
    if (flock(fd, op | LOCK_NB) == 0) return "got it";
    return errno == EWOULDBLOCK ? "busy" : strerror(errno);
}

int main(int argc, char **argv)
{
    if (argc < 2) return 2;
    const char *path = argv[1];
    if (argc > 2 && !strcmp(argv[2], "try")) {
        int fd = open(path, O_RDONLY);
        printf("%s\n", fd < 0 ? strerror(errno) : attempt(fd, LOCK_EX));
        return 0;
    }
    if (argc > 2 && !strcmp(argv[2], "hold")) {
        int fd = open(path, O_RDONLY);
        if (fd < 0 || flock(fd, LOCK_EX) != 0) { perror("hold"); return 1; }
        printf("locked\n");
        fflush(stdout);
        char c;
        while (read(0, &c, 1) > 0) { }
        return 0;
    }

    char head[5], next[5], expected[5];
    int before = open(path, O_RDONLY);
    int before_cloexec = open(path, O_RDONLY | O_CLOEXEC);
    if (before < 0 || before_cloexec < 0 || read(before, head, 5) != 5) { perror("open"); return 1; }
    int early_dup = dup(before);

    int locked[2], release[2];
    if (pipe(locked) != 0 || pipe(release) != 0) return 1;
    pid_t child = fork();
    if (child == 0) {
        close(release[1]);
        int fd = open(path, O_RDONLY);
        char c = flock(fd, LOCK_EX) == 0 ? 'y' : 'n';
        write(locked[1], &c, 1);
        read(release[0], &c, 1);
        _exit(0);
    }
    close(release[0]);
    char c = 0;
    read(locked[0], &c, 1);
    printf("child locked: %s\n", c == 'y' ? "yes" : "no");
    printf("opened before, exclusive: %s\n", attempt(before, LOCK_EX));
    int after = open(path, O_RDONLY);
    printf("opened after, shared: %s\n", attempt(after, LOCK_SH));
    printf("close-on-exec one, shared: %s\n", attempt(before_cloexec, LOCK_SH));

    close(release[1]);
    waitpid(child, NULL, 0);
    printf("after the child, opened before: %s\n", attempt(before, LOCK_EX));
    printf("after the child, opened after: %s\n", attempt(after, LOCK_EX));
    printf("after the child, close-on-exec one: %s\n", attempt(before_cloexec, LOCK_SH));

    int same = read(before, next, 5) == 5 && pread(after, expected, 5, 5) == 5 && !memcmp(next, expected, 5);
    printf("offset kept: %s\n", same ? "yes" : "no");
    printf("close-on-exec kept: %s\n", fcntl(before_cloexec, F_GETFD) == FD_CLOEXEC ? "yes" : "no");
    printf("no close-on-exec kept: %s\n", fcntl(before, F_GETFD) == 0 ? "yes" : "no");
    printf("its dup from before, exclusive: %s\n", attempt(early_dup, LOCK_EX));
    lseek(before, 3, SEEK_SET);
    printf("its dup shares the offset: %s\n", lseek(early_dup, 0, SEEK_CUR) == 3 ? "yes" : "no");
    return 0;
}
