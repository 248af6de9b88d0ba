/* Writing to the root: unlink of an open file, O_TMPFILE with linkat, rename over a file, RENAME_NOREPLACE
 * and RENAME_EXCHANGE, ftruncate seen by stat, O_APPEND, O_EXCL and mkfifo. Run natively in a writable copy
 * of the tree and under userkernel's overlay, and the outputs compared; sizes and link counts, never
 * inode numbers or times, are printed. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "errnames.h"

#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE 1
#define RENAME_EXCHANGE 2
#endif

static void put(const char *path, const char *text)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (write(fd, text, strlen(text)) < 0) perror("write");
    close(fd);
}

static void show(const char *path)
{
    char buf[256] = {0};
    int fd = open(path, O_RDONLY);
    if (fd < 0) { printf("%s: open %s\n", path, errname(errno)); return; }
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    struct stat st;
    stat(path, &st);
    printf("%s: %zd bytes \"%.*s\" size=%ld nlink=%lu mode=%o\n", path, n, (int)(n > 0 ? n : 0), buf, (long)st.st_size,
           (unsigned long)st.st_nlink, st.st_mode);
}

static void result(const char *what, long r)
{
    if (r < 0) printf("%s: %s\n", what, errname(errno));
    else printf("%s: %ld\n", what, r);
}

int main(void)
{
    /* An open file outlives its name. */
    put("/root/open", "abc");
    int fd = open("/root/open", O_RDWR);
    result("unlink open", unlink("/root/open"));
    result("write after unlink", write(fd, "def", 3));
    struct stat st;
    fstat(fd, &st);
    printf("fstat after unlink: size=%ld nlink=%lu\n", (long)st.st_size, (unsigned long)st.st_nlink);
    char buf[16] = {0};
    result("pread after unlink", pread(fd, buf, sizeof buf - 1, 0));
    printf("content: %s\n", buf);
    result("stat after unlink", stat("/root/open", &st));
    close(fd);

    /* An unnamed file gets a name. */
    fd = open("/root", O_TMPFILE | O_RDWR, 0600);
    result("O_TMPFILE write", write(fd, "tmp", 3));
    fstat(fd, &st);
    printf("O_TMPFILE fstat: size=%ld nlink=%lu mode=%o\n", (long)st.st_size, (unsigned long)st.st_nlink, st.st_mode);
    result("linkat AT_EMPTY_PATH", linkat(fd, "", AT_FDCWD, "/root/named", AT_EMPTY_PATH));
    close(fd);
    show("/root/named");
    result("O_TMPFILE O_RDONLY", open("/root", O_TMPFILE | O_RDONLY, 0600));

    /* ... or gets it through its /proc/self/fd link, which shows it deleted, followed (LTP's openat03). */
    fd = open("/root", O_TMPFILE | O_RDWR, 0600);
    result("O_TMPFILE write", write(fd, "via", 3));
    char fdlink[64], target[256];
    snprintf(fdlink, sizeof fdlink, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(fdlink, target, sizeof target - 1);
    target[n > 0 ? n : 0] = 0;
    printf("its fd link ends in (deleted): %s\n", n > 10 && strcmp(target + n - 10, " (deleted)") == 0 ? "yes" : "no");
    result("linkat /proc/self/fd/N AT_SYMLINK_FOLLOW", linkat(AT_FDCWD, fdlink, AT_FDCWD, "/root/named-by-link", AT_SYMLINK_FOLLOW));
    close(fd);
    show("/root/named-by-link");

    /* rename over an existing file, then the flags of renameat2. */
    put("/root/a", "first");
    put("/root/b", "second");
    result("rename a b", rename("/root/a", "/root/b"));
    show("/root/a");
    show("/root/b");
    put("/root/c", "third");
    result("NOREPLACE c b", syscall(SYS_renameat2, AT_FDCWD, "/root/c", AT_FDCWD, "/root/b", RENAME_NOREPLACE));
    result("EXCHANGE c b", syscall(SYS_renameat2, AT_FDCWD, "/root/c", AT_FDCWD, "/root/b", RENAME_EXCHANGE));
    show("/root/b");
    show("/root/c");
    result("EXCHANGE c missing", syscall(SYS_renameat2, AT_FDCWD, "/root/c", AT_FDCWD, "/root/missing", RENAME_EXCHANGE));
    result("rename dir over file", rename("/data/nested", "/root/c"));
    result("rename file over dir", rename("/root/c", "/data/nested"));
    result("rename dir into itself", rename("/data/nested", "/data/nested/a/inside"));
    result("rename over non-empty dir", rename("/data/nested/empty", "/data/nested/a"));

    /* A lower file written in place: copy-up, ftruncate, O_APPEND. */
    fd = open("/data/nested/top.txt", O_RDWR);
    result("ftruncate", ftruncate(fd, 2));
    close(fd);
    show("/data/nested/top.txt");
    fd = open("/data/nested/top.txt", O_WRONLY | O_APPEND);
    result("append", write(fd, "!\n", 2));
    close(fd);
    show("/data/nested/top.txt");
    result("truncate", truncate("/data/nested/a/sibling.txt", 3));
    show("/data/nested/a/sibling.txt");
    result("O_EXCL existing", open("/data/nested/top.txt", O_WRONLY | O_CREAT | O_EXCL, 0644));

    /* Directories and FIFOs. */
    result("mkdir", mkdir("/root/d", 0750));
    result("mkdir again", mkdir("/root/d", 0750));
    result("rmdir non-empty", rmdir("/data/nested"));
    result("unlink dir", unlink("/root/d"));
    result("rmdir", rmdir("/root/d"));
    result("mkfifo", mkfifo("/root/fifo", 0600));
    stat("/root/fifo", &st);
    printf("fifo mode=%o\n", st.st_mode);
    result("link dir", link("/data", "/root/datalink"));
    result("symlink", symlink("../data/nested/top.txt", "/root/sym"));
    show("/root/sym");
    return 0;
}
