/* getdents64 over directories: names, d_type and d_off in the order the filesystem gives them,
 * lseek(fd, 0, SEEK_SET) restarting the listing, small buffers, and seeking to a d_off. */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "errnames.h"

#define MAXN 4096

struct entry { char name[256]; unsigned char type; long off; unsigned long ino; };
static struct entry first[MAXN], again[MAXN];

static const char *type_name(unsigned char t)
{
    switch (t) {
    case DT_REG: return "reg";
    case DT_DIR: return "dir";
    case DT_LNK: return "lnk";
    case DT_CHR: return "chr";
    case DT_BLK: return "blk";
    case DT_FIFO: return "fifo";
    case DT_SOCK: return "sock";
    default: return "unknown";
    }
}

/* Reads the whole directory with getdents64 calls of BUFSIZE bytes. */
static int list(int fd, struct entry *out, size_t bufsize)
{
    char buf[65536];
    int n = 0;
    for (;;) {
        long got = getdents64(fd, (void *)buf, bufsize);
        if (got < 0) return -errno;
        if (got == 0) return n;
        for (long pos = 0; pos < got;) {
            struct dirent64 *d = (struct dirent64 *)(buf + pos);
            if (n < MAXN) {
                strcpy(out[n].name, d->d_name);
                out[n].type = d->d_type;
                out[n].off = d->d_off;
                out[n].ino = d->d_ino;
                n++;
            }
            pos += d->d_reclen;
        }
    }
}

static int same(const struct entry *a, const struct entry *b, int n)
{
    for (int i = 0; i < n; i++)
        if (strcmp(a[i].name, b[i].name) != 0 || a[i].type != b[i].type || a[i].off != b[i].off || a[i].ino != b[i].ino) return 0;
    return 1;
}

static void run(const char *path, int print)
{
    int fd = open(path, O_RDONLY | O_DIRECTORY);
    int n = list(fd, first, 65536);
    printf("%s: %d entries\n", path, n);
    if (print)
        for (int i = 0; i < n; i++) printf("  %s %s ino=%lu d_off=%ld\n", type_name(first[i].type), first[i].name, first[i].ino, first[i].off);
    int distinct = 1;
    for (int i = 0; i < n; i++)
        for (int j = i + 1; j < n && j < i + 64; j++)
            if (first[i].off == first[j].off) distinct = 0;
    printf("  d_off distinct: %s\n", distinct ? "yes" : "no");
    printf("  again at end: %d\n", list(fd, again, 65536));
    printf("  lseek 0: %ld\n", (long)lseek(fd, 0, SEEK_SET));
    int m = list(fd, again, 65536);
    printf("  restarted listing identical: %s\n", m == n && same(first, again, n) ? "yes" : "no");
    lseek(fd, 0, SEEK_SET);
    m = list(fd, again, 64);
    printf("  64-byte buffer listing identical: %s\n", m == n && same(first, again, n) ? "yes" : "no");
    if (n > 3) {
        lseek(fd, first[1].off, SEEK_SET);
        m = list(fd, again, 65536);
        printf("  seek to d_off of entry 1 resumes at entry 2: %s\n", m == n - 2 && same(first + 2, again, m) ? "yes" : "no");
    }
    char tiny[8];
    lseek(fd, 0, SEEK_SET);
    CHECK("  getdents64 with an 8-byte buffer", getdents64(fd, (void *)tiny, sizeof tiny));
    close(fd);
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    run("/data/types", 1);
    run("/data/links", 1);
    run("/data/nested", 1);
    run("/data/many", 0);
    run("/", 1);
    int fd = open("/data/text.txt", O_RDONLY);
    char buf[4096];
    CHECK("getdents64 on a file", getdents64(fd, (void *)buf, sizeof buf));
    CHECK("getdents64 on a bad fd", getdents64(999, (void *)buf, sizeof buf));
    CHECK("open file O_DIRECTORY", open("/data/text.txt", O_RDONLY | O_DIRECTORY));
    return 0;
}
