/* Path resolution details: O_NOFOLLOW, O_DIRECTORY, O_PATH, readlink, *at calls relative to
 * directory fds, getcwd after chdir and fchdir, and .. through symlinked directories. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include "errnames.h"

static void cwd(const char *what)
{
    char buf[4096];
    printf("%s: %s\n", what, getcwd(buf, sizeof buf) ? buf : errname(errno));
}

static void link_of(const char *path)
{
    char buf[4096];
    ssize_t n = readlink(path, buf, sizeof buf);
    if (n < 0) printf("readlink %s: %s\n", path, errname(errno));
    else printf("readlink %s: %.*s (%zd bytes)\n", path, (int)n, buf, n);
}

static void read_first_line(const char *what, int fd)
{
    char buf[128] = { 0 };
    if (fd < 0) { printf("%s: %s\n", what, errname(errno)); return; }
    ssize_t n = read(fd, buf, sizeof buf - 1);
    char *nl = n > 0 ? strchr(buf, '\n') : NULL;
    if (nl) *nl = 0;
    printf("%s: %s\n", what, n < 0 ? errname(errno) : buf);
    close(fd);
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    CHECK("O_NOFOLLOW on a symlink", open("/data/links/rel", O_RDONLY | O_NOFOLLOW));
    CHECK("O_NOFOLLOW on a file", open("/data/text.txt", O_RDONLY | O_NOFOLLOW));
    CHECK("O_NOFOLLOW on a symlink in the middle", open("/data/links/dirlink/a/b/c/deep.txt", O_RDONLY | O_NOFOLLOW));
    CHECK("O_DIRECTORY on a file", open("/data/text.txt", O_RDONLY | O_DIRECTORY));
    CHECK("O_DIRECTORY on a symlink to a dir", open("/data/links/dirlink", O_RDONLY | O_DIRECTORY));
    CHECK("O_DIRECTORY|O_NOFOLLOW on a symlink to a dir", open("/data/links/dirlink", O_RDONLY | O_DIRECTORY | O_NOFOLLOW));
    int lfd = open("/data/links/rel", O_PATH | O_NOFOLLOW);
    CHECK("O_PATH|O_NOFOLLOW on a symlink", lfd);
    struct stat st;
    CHECK("fstatat AT_EMPTY_PATH on it", fstatat(lfd, "", &st, AT_EMPTY_PATH));
    printf("  is a symlink: %s, size %ld\n", S_ISLNK(st.st_mode) ? "yes" : "no", (long)st.st_size);
    char buf[256];
    ssize_t n = readlinkat(lfd, "", buf, sizeof buf);
    printf("readlinkat(fd, \"\"): %.*s\n", n < 0 ? 0 : (int)n, buf);

    link_of("/data/links/rel");
    link_of("/data/links/abs");
    link_of("/data/links/chain0");
    link_of("/data/links/chain9");
    link_of("/data/links/loop_a");
    link_of("/data/links/dangling");
    link_of("/data/links/dirlink");
    link_of("/data/links/dirlink/");
    link_of("/data/links/");
    n = readlink("/data/links/abs", buf, 4);
    printf("readlink into 4 bytes: %zd %.*s\n", n, (int)(n < 0 ? 0 : n), buf);

    cwd("getcwd at start");
    CHECK("chdir /data/nested/a", chdir("/data/nested/a"));
    cwd("getcwd");
    read_first_line("open b/c/deep.txt relative", open("b/c/deep.txt", O_RDONLY));
    CHECK("chdir ..", chdir(".."));
    cwd("getcwd");
    CHECK("chdir /data/links/dirlink", chdir("/data/links/dirlink"));
    cwd("getcwd through a symlinked dir");
    CHECK("chdir ..", chdir(".."));
    cwd("getcwd after .. from the symlinked dir");
    int dfd = open("/data/nested/a/b", O_RDONLY | O_DIRECTORY);
    CHECK("fchdir", fchdir(dfd));
    cwd("getcwd after fchdir");
    read_first_line("openat(dirfd, c/deep.txt)", openat(dfd, "c/deep.txt", O_RDONLY));
    read_first_line("openat(dirfd, ../../../text.txt)", openat(dfd, "../../../text.txt", O_RDONLY));
    read_first_line("openat(dirfd, /data/text.txt)", openat(dfd, "/data/text.txt", O_RDONLY));
    read_first_line("openat(AT_FDCWD, c/./deep.txt)", openat(AT_FDCWD, "c/./deep.txt", O_RDONLY));
    read_first_line("open ../../../../../../data/text.txt", open("../../../../../../data/text.txt", O_RDONLY));
    CHECK("fstatat(dirfd, c, AT_SYMLINK_NOFOLLOW)", fstatat(dfd, "c", &st, AT_SYMLINK_NOFOLLOW));
    CHECK("fstatat(dirfd, missing)", fstatat(dfd, "missing", &st, 0));
    int ofd = open("/data/nested", O_PATH);
    CHECK("fchdir to an O_PATH dir fd", fchdir(ofd));
    cwd("getcwd");
    int ffd = open("/data/text.txt", O_RDONLY);
    CHECK("fchdir to a file fd", fchdir(ffd));
    CHECK("fchdir to a bad fd", fchdir(999));
    CHECK("chdir /", chdir("/"));
    CHECK("chdir /..", chdir("/.."));
    cwd("getcwd");
    CHECK("chdir with trailing slashes", chdir("/data/nested///a//"));
    cwd("getcwd");
    char small[4];
    printf("getcwd into 4 bytes: %s\n", getcwd(small, sizeof small) ? small : errname(errno));
    CHECK("faccessat(dirfd, c/deep.txt)", faccessat(dfd, "c/deep.txt", R_OK, 0));
    CHECK("mkdirat(dirfd, new)", mkdirat(dfd, "new", 0755));

    /* chroot in a child (it cannot be undone): the working directory stays outside the new root. */
    fflush(stdout);
    if (fork() == 0) {
        CHECK("chdir /data/nested", chdir("/data/nested"));
        CHECK("chroot /data/nested/a", chroot("/data/nested/a"));
        char raw[256] = {0};
        long n = syscall(SYS_getcwd, raw, sizeof raw);
        /* Linux prefixes a path outside the root with "(unreachable)"; the rest is the host's path natively. */
        size_t len = strlen(raw);
        printf("raw getcwd outside the root: unreachable=%d ends with /data/nested=%d\n", n > 0 && strncmp(raw, "(unreachable)/", 14) == 0,
               len >= 12 && strcmp(raw + len - 12, "/data/nested") == 0);
        CHECK("chdir /", chdir("/"));
        cwd("getcwd");
        read_first_line("open /sibling.txt", open("/sibling.txt", O_RDONLY));
        read_first_line("open /../../a/sibling.txt", open("/../../a/sibling.txt", O_RDONLY));
        CHECK("chroot /missing", chroot("/missing"));
        CHECK("chroot /sibling.txt", chroot("/sibling.txt"));
        fflush(stdout);
        _exit(0);
    }
    wait(NULL);
    return 0;
}
