/* inotify on the guest's files: watches on a directory and a file of the image (copied up on the writable
 * root) and of /tmp, then create, write, close, rename (within a directory, between two watched ones, in and
 * out of an unwatched one), chmod, utimensat, truncate, link, symlink, xattrs, unlink, mkdir and rmdir, each
 * followed by the events a non-blocking read finds after poll. Events print as their mask names and name;
 * never a watch descriptor or a cookie's value, only which watch it came from and whether a MOVED_TO's cookie
 * is its MOVED_FROM's. The watch on the directory D asks for every event, so it also sees its children
 * opened, read, written and closed (IN_OPEN, IN_ACCESS, IN_MODIFY, IN_CLOSE_*), a file written and closed
 * after its name went, and the end of a watched file's life (IN_DELETE_SELF, IN_IGNORED) at its unlink or at
 * its last close; the other directory watches ask only for namespace and attribute events. With "ro" as
 * argv[1] only what a read-only root allows is done; with "in DIR" the sequence runs in DIR only (a --bind
 * directory). Run natively in a copy of the tree and under userkernel, outputs compared. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <unistd.h>
#include "errnames.h"

#ifndef RENAME_EXCHANGE
#define RENAME_EXCHANGE 2
#endif
#ifndef IN_MASK_CREATE
#define IN_MASK_CREATE 0x10000000
#endif

#define DIR_EVENTS (IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO | IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF)

static int ifd;
static struct { int wd; const char *label; } watches[16];
static int nwatches;
static uint32_t last_from_cookie;
static int with_xattrs = 1; /* userkernel keeps no extended attributes on --bind files (EOPNOTSUPP) */

static const char *label_of(int wd)
{
    for (int i = 0; i < nwatches; i++)
        if (watches[i].wd == wd) return watches[i].label;
    return "?";
}

static int watch(const char *label, const char *path, uint32_t mask)
{
    int wd = inotify_add_watch(ifd, path, mask);
    if (wd < 0) { printf("watch %s: %s\n", label, errname(errno)); return -1; }
    for (int i = 0; i < nwatches; i++)
        if (watches[i].wd == wd) { printf("watch %s: ok, the same watch as %s\n", label, watches[i].label); return wd; }
    if (nwatches < 16) { watches[nwatches].wd = wd; watches[nwatches].label = label; nwatches++; }
    printf("watch %s: ok\n", label);
    return wd;
}

static void print_mask(uint32_t mask)
{
    static const struct { uint32_t bit; const char *name; } names[] = {
        { IN_ACCESS, "ACCESS" }, { IN_MODIFY, "MODIFY" }, { IN_ATTRIB, "ATTRIB" },
        { IN_CLOSE_WRITE, "CLOSE_WRITE" }, { IN_CLOSE_NOWRITE, "CLOSE_NOWRITE" }, { IN_OPEN, "OPEN" },
        { IN_MOVED_FROM, "MOVED_FROM" }, { IN_MOVED_TO, "MOVED_TO" }, { IN_CREATE, "CREATE" },
        { IN_DELETE, "DELETE" }, { IN_DELETE_SELF, "DELETE_SELF" }, { IN_MOVE_SELF, "MOVE_SELF" },
        { IN_UNMOUNT, "UNMOUNT" }, { IN_Q_OVERFLOW, "Q_OVERFLOW" }, { IN_IGNORED, "IGNORED" }, { IN_ISDIR, "ISDIR" },
    };
    const char *sep = "";
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (mask & names[i].bit) { printf("%s%s", sep, names[i].name); sep = "|"; mask &= ~names[i].bit; }
    if (mask) printf("%s0x%x", sep, mask);
}

/* Everything queued after `what`: poll, then read until EAGAIN. */
static void events(const char *what)
{
    printf("%s:\n", what);
    struct pollfd p = { .fd = ifd, .events = POLLIN };
    if (poll(&p, 1, 200) <= 0) { printf("  (none)\n"); return; }
    char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
    for (;;) {
        ssize_t n = read(ifd, buf, sizeof buf);
        if (n < 0) { if (errno != EAGAIN) printf("  read: %s\n", errname(errno)); break; }
        for (char *at = buf; at < buf + n; at += sizeof(struct inotify_event) + ((struct inotify_event *)at)->len) {
            struct inotify_event *e = (struct inotify_event *)at;
            printf("  %s ", label_of(e->wd));
            print_mask(e->mask);
            if (e->len) printf(" %s", e->name);
            if (e->mask & IN_MOVED_FROM) { last_from_cookie = e->cookie; printf(" cookie %s", e->cookie ? "set" : "zero"); }
            if (e->mask & IN_MOVED_TO) printf(" cookie %s", e->cookie && e->cookie == last_from_cookie ? "matches" : "differs");
            printf("\n");
        }
    }
}

static void result(const char *what, int r) { if (r != 0) printf("%s: %s\n", what, errname(errno)); }

static char *join(const char *dir, const char *name)
{
    static char paths[8][256];
    static int next;
    char *p = paths[next++ % 8];
    snprintf(p, 256, "%s/%s", dir, name);
    return p;
}

/* The whole sequence in directory d (which holds the file f and the directory a, both existing). */
static void exercise(const char *d, const char *f, const char *a)
{
    printf("== %s\n", d);
    nwatches = 0;
    struct stat before, after;
    stat(f, &before);
    int wd_d = watch("D", d, IN_ALL_EVENTS);
    int wd_f = watch("F", f, IN_ALL_EVENTS);
    int wd_a = watch("A", a, DIR_EVENTS);
    watch("D again", d, IN_ALL_EVENTS | IN_MASK_ADD);
    stat(f, &after);
    printf("watching kept F's ctime: %s\n",
        before.st_ctim.tv_sec == after.st_ctim.tv_sec && before.st_ctim.tv_nsec == after.st_ctim.tv_nsec ? "yes" : "no");

    int fd = open(f, O_WRONLY | O_APPEND);
    result("append", write(fd, "more\n", 5) == 5 ? 0 : -1);
    close(fd);
    events("append to F");

    char buf[64];
    fd = open(f, O_RDONLY);
    result("read", read(fd, buf, sizeof buf) > 0 ? 0 : -1);
    close(fd);
    events("read F");

    result("chmod F", chmod(f, 0600));
    events("chmod F");
    result("utimensat F", utimensat(AT_FDCWD, f, NULL, 0));
    events("utimensat F");
    struct timespec mtime_only[2] = { { 0, UTIME_OMIT }, { 1000000000, 0 } };
    result("utimensat F mtime", utimensat(AT_FDCWD, f, mtime_only, 0));
    events("utimensat F mtime only");
    result("truncate F", truncate(f, 2));
    events("truncate F");
    if (with_xattrs) {
        result("setxattr F", setxattr(f, "user.test", "v", 1, 0));
        events("setxattr F");
    }

    fd = open(join(d, "new"), O_CREAT | O_WRONLY | O_EXCL, 0644);
    result("write new", write(fd, "n\n", 2) == 2 ? 0 : -1);
    close(fd);
    events("create new");
    result("rename", rename(join(d, "new"), join(d, "renamed")));
    events("rename new renamed");
    result("mkdir", mkdir(join(d, "sub"), 0755));
    events("mkdir sub");
    result("rename out", rename(join(d, "renamed"), join(d, "sub/inner")));
    events("rename renamed into unwatched sub");
    result("rename in", rename(join(d, "sub/inner"), join(d, "back")));
    events("rename sub/inner to back");
    result("rename to A", rename(join(d, "back"), join(a, "moved")));
    events("rename back into watched A");
    result("rename from A", rename(join(a, "moved"), join(d, "back")));
    events("rename A/moved to back");
    result("mknod", mknod(join(d, "fifo"), S_IFIFO | 0600, 0));
    events("mkfifo");
    result("rename over", rename(join(d, "back"), join(d, "fifo")));
    events("rename back over fifo");
    result("chmod child", chmod(join(d, "fifo"), 0640));
    events("chmod fifo");
    result("unlink", unlink(join(d, "fifo")));
    events("unlink fifo");

    result("symlink", symlink("x", join(d, "ln")));
    events("symlink");
    result("link", link(f, join(d, "hard")));
    events("link F hard");
    watch("hard", join(d, "hard"), IN_ATTRIB);
    result("unlink hard", unlink(join(d, "hard")));
    events("unlink hard");
    result("unlink ln", unlink(join(d, "ln")));
    events("unlink ln");

    fd = open(join(d, "g"), O_CREAT | O_RDWR, 0644);
    events("create g, held open");
    watch("G", join(d, "g"), IN_ALL_EVENTS);
    result("write g", write(fd, "1", 1) == 1 ? 0 : -1);
    events("write g");
    result("pread g", pread(fd, buf, 1, 0) == 1 ? 0 : -1);
    events("read g");
    result("unlink g", unlink(join(d, "g")));
    events("unlink g, still open");
    result("write g", write(fd, "2", 1) == 1 ? 0 : -1);
    events("write g after its unlink");
    close(fd);
    events("close g");

    fd = open(join(d, "h"), O_CREAT | O_WRONLY, 0644);
    close(fd);
    watch("H", join(d, "h"), IN_ALL_EVENTS | IN_EXCL_UNLINK);
    fd = open(join(d, "h"), O_WRONLY);
    result("unlink h", unlink(join(d, "h")));
    result("write h", write(fd, "1", 1) == 1 ? 0 : -1);
    close(fd);
    events("make h, watch it excluding unlinked, open, unlink, write, close");

    close(open(join(d, "k"), O_CREAT | O_WRONLY, 0644));
    watch("K", join(d, "k"), IN_ALL_EVENTS);
    result("unlink k", unlink(join(d, "k")));
    events("unlink watched k");

    watch("sub", join(d, "sub"), DIR_EVENTS);
    result("chmod sub", chmod(join(d, "sub"), 0700));
    events("chmod sub");
    result("rename sub", rename(join(d, "sub"), join(d, "sub2")));
    events("rename sub sub2");
    result("rmdir", rmdir(join(d, "sub2")));
    events("rmdir sub2");
    result("chmod D", chmod(d, 0755));
    events("chmod D");

    result("mkdir e1", mkdir(join(d, "e1"), 0755));
    result("mkdir e2", mkdir(join(d, "e2"), 0755));
    events("mkdir e1 e2");
    watch("e2", join(d, "e2"), DIR_EVENTS);
    result("rename e1 over e2", rename(join(d, "e1"), join(d, "e2")));
    events("rename e1 over watched e2");

    close(open(join(d, "x"), O_CREAT | O_WRONLY, 0644));
    result("mkdir A/y", mkdir(join(a, "y"), 0755));
    result("mkdir u", mkdir(join(d, "u"), 0755));
    close(open(join(d, "u/z"), O_CREAT | O_WRONLY, 0644));
    events("make x, A/y, u, u/z");
    result("exchange", (int)syscall(SYS_renameat2, AT_FDCWD, join(d, "x"), AT_FDCWD, join(a, "y"), RENAME_EXCHANGE));
    events("exchange file x and directory A/y");
    result("exchange", (int)syscall(SYS_renameat2, AT_FDCWD, join(d, "x"), AT_FDCWD, join(d, "u/z"), RENAME_EXCHANGE));
    events("exchange directory x and unwatched u/z");
    result("cleanup", rmdir(join(d, "u/z")) | unlink(join(d, "x")) | unlink(join(a, "y")) | rmdir(join(d, "u")) | rmdir(join(d, "e2")));
    events("clean up");

    watch("F create", f, IN_ALL_EVENTS | IN_MASK_CREATE);
    watch("F onlydir", f, IN_ATTRIB | IN_ONLYDIR);
    inotify_rm_watch(ifd, wd_f);
    inotify_rm_watch(ifd, wd_a);
    inotify_rm_watch(ifd, wd_d);
    events("rm_watch F, A, D");
}

/* The sequence in an existing directory d, in which the file f and the directory a are made first. */
static int exercise_in(const char *d)
{
    char f[256], a[256];
    snprintf(f, sizeof f, "%s/f", d);
    snprintf(a, sizeof a, "%s/a", d);
    if (mkdir(a, 0755) != 0) { printf("mkdir %s: %s\n", a, errname(errno)); return 1; }
    int fd = open(f, O_CREAT | O_WRONLY, 0644);
    if (fd < 0 || write(fd, "f\n", 2) != 2) { printf("make %s: %s\n", f, errname(errno)); return 1; }
    close(fd);
    exercise(d, f, a);
    return 0;
}

/* A read-only root: a file of the image read, a change refused. */
static void read_only(void)
{
    printf("== read-only\n");
    watch("D", "/data", DIR_EVENTS);
    watch("F", "/data/text.txt", IN_ALL_EVENTS);
    char buf[64];
    int fd = open("/data/text.txt", O_RDONLY);
    result("read", read(fd, buf, sizeof buf) > 0 ? 0 : -1);
    close(fd);
    events("read F");
    result("chmod F", chmod("/data/text.txt", 0600));
    events("chmod F");
}

int main(int argc, char **argv)
{
    ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (ifd < 0) { printf("inotify_init1: %s\n", errname(errno)); return 1; }

    printf("== errors\n");
    watch("missing", "/data/no/such", IN_ALL_EVENTS);
    watch("through a file", "/data/nested/top.txt/x", IN_ALL_EVENTS);
    watch("onlydir on a file", "/data/nested/top.txt", IN_ALL_EVENTS | IN_ONLYDIR);
    watch("empty path", "", IN_ALL_EVENTS);
    watch("no events", "/data/nested", 0);
    watch("add and create", "/data/nested", IN_ALL_EVENTS | IN_MASK_ADD | IN_MASK_CREATE);
    printf("bad fd: %s\n", inotify_add_watch(987, "/data", IN_ALL_EVENTS) < 0 ? errname(errno) : "ok");
    printf("not inotify: %s\n", inotify_add_watch(1, "/data/no/such", IN_ALL_EVENTS) < 0 ? errname(errno) : "ok");
    watch("dangling, not followed", "/data/links/dangling", IN_ATTRIB | IN_DONT_FOLLOW);
    watch("dangling, followed", "/data/links/dangling", IN_ATTRIB);
    watch("dir link, onlydir", "/data/links/dirlink", IN_ATTRIB | IN_ONLYDIR);
    watch("dir link, not followed, onlydir", "/data/links/dirlink", IN_ATTRIB | IN_ONLYDIR | IN_DONT_FOLLOW);

    if (argc > 1 && strcmp(argv[1], "ro") == 0) {
        read_only();
        return 0;
    }

    if (argc > 2 && strcmp(argv[1], "in") == 0) {
        with_xattrs = 0;
        return exercise_in(argv[2]);
    }
    exercise("/data/nested", "/data/nested/top.txt", "/data/nested/a");
    if (mkdir("/tmp/w", 0755) != 0) { printf("mkdir /tmp/w: %s\n", errname(errno)); return 1; }
    return exercise_in("/tmp/w");
}
