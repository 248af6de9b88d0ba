/* Extended attributes through the overlay and tmpfs: set, get, list and remove by path, by symlink and by
 * descriptor; XATTR_CREATE and XATTR_REPLACE; the size-0 query and ERANGE; the namespaces' rules (user.* on
 * a symlink, unknown prefixes, trusted.* for root). Run natively in a writable copy of the tree and under
 * userkernel, outputs compared. Names are sorted before printing: filesystems list in their own order. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>
#include "errnames.h"

static int by_name(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static void list(const char *label, ssize_t n, char *buf)
{
    if (n < 0) { printf("%s: list %s\n", label, errname(errno)); return; }
    char *names[64];
    int count = 0;
    for (char *p = buf; p < buf + n && count < 64; p += strlen(p) + 1)
        if (strncmp(p, "security.selinux", 16) != 0) names[count++] = p;
    qsort(names, count, sizeof names[0], by_name);
    printf("%s:", label);
    for (int i = 0; i < count; i++) printf(" %s", names[i]);
    printf("\n");
}

static void get(const char *path, const char *name)
{
    char value[64] = {0};
    ssize_t n = getxattr(path, name, value, sizeof value - 1);
    if (n < 0) printf("get %s %s: %s\n", path, name, errname(errno));
    else printf("get %s %s = '%.*s' (%zd)\n", path, name, (int)n, value, n);
}

static void result(const char *what, int r) { printf("%s: %s\n", what, r == 0 ? "ok" : errname(errno)); }

int main(void)
{
    char buf[1024];
    const char *image_file = "/data/nested/top.txt";
    int fd = open("/x", O_CREAT | O_RDWR, 0644);
    symlink("/x", "/link");
    mkdir("/tmp/d", 0755);

    result("set user.a", setxattr(image_file, "user.a", "one", 3, 0));
    result("set user.b", setxattr(image_file, "user.b", "", 0, 0));
    result("create existing", setxattr(image_file, "user.a", "two", 3, XATTR_CREATE));
    result("replace missing", setxattr(image_file, "user.c", "two", 3, XATTR_REPLACE));
    result("replace user.a", setxattr(image_file, "user.a", "three", 5, XATTR_REPLACE));
    result("bad flags", setxattr(image_file, "user.a", "x", 1, 4));
    result("empty name", setxattr(image_file, "", "x", 1, 0));
    result("unknown prefix", setxattr(image_file, "nope.a", "x", 1, 0));
    result("no prefix", setxattr(image_file, "plain", "x", 1, 0));
    get(image_file, "user.a");
    get(image_file, "user.b");
    get(image_file, "user.missing");
    printf("size query: %zd\n", getxattr(image_file, "user.a", NULL, 0));
    printf("short buffer: %zd %s\n", getxattr(image_file, "user.a", buf, 2), errname(errno));
    list("list top.txt", listxattr(image_file, buf, sizeof buf), buf);
    printf("list size query: %zd\n", listxattr(image_file, NULL, 0));
    printf("list short: %zd %s\n", listxattr(image_file, buf, 3), errname(errno));
    result("remove user.b", removexattr(image_file, "user.b"));
    result("remove again", removexattr(image_file, "user.b"));
    list("after remove", listxattr(image_file, buf, sizeof buf), buf);

    result("fset user.f", fsetxattr(fd, "user.f", "fd", 2, 0));
    get("/link", "user.f");
    result("lset user on symlink", lsetxattr("/link", "user.l", "x", 1, 0));
    printf("lget user on symlink: %zd %s\n", lgetxattr("/link", "user.l", buf, sizeof buf), errname(errno));
    result("lset trusted on symlink", lsetxattr("/link", "trusted.t", "x", 1, 0));
    list("llist link", llistxattr("/link", buf, sizeof buf), buf);
    list("flist /x", flistxattr(fd, buf, sizeof buf), buf);
    result("fremove user.f", fremovexattr(fd, "user.f"));

    result("set on dir", setxattr("/tmp/d", "user.dir", "d", 1, 0));
    result("set trusted", setxattr("/tmp/d", "trusted.t", "t", 1, 0));
    list("list /tmp/d", listxattr("/tmp/d", buf, sizeof buf), buf);
    get("/tmp/d", "trusted.t");
    result("set on missing", setxattr("/missing", "user.a", "x", 1, 0));
    printf("get on missing: %zd %s\n", getxattr("/missing", "user.a", buf, sizeof buf), errname(errno));

    /* Attributes the image holds, then copied up with the file when one is added. */
    const char *tagged = "/data/xattr/tagged";
    get(tagged, "user.colour");
    get(tagged, "user.empty");
    list("list tagged", listxattr(tagged, buf, sizeof buf), buf);
    result("set on tagged", setxattr(tagged, "user.more", "m", 1, 0));
    list("after copy-up", listxattr(tagged, buf, sizeof buf), buf);
    get(tagged, "user.colour");

    /* Renaming keeps attributes; a copy-up keeps the image file's content. */
    result("rename", rename(image_file, "/moved"));
    get("/moved", "user.a");
    char content[64] = {0};
    int in = open("/moved", O_RDONLY);
    ssize_t n = read(in, content, sizeof content - 1);
    printf("content: %zd bytes\n", n);
    close(in);
    close(fd);
    return 0;
}
