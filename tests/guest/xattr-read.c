/* Prints every extended attribute of a file as NAME=VALUE, names sorted: what an image kept. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/xattr.h>
#include "errnames.h"

static int by_name(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

int main(int argc, char **argv)
{
    char list[4096], value[1024];
    if (argc != 2) { fprintf(stderr, "usage: xattr-read FILE\n"); return 2; }
    ssize_t n = listxattr(argv[1], list, sizeof list);
    if (n < 0) { printf("listxattr: %s\n", errname(errno)); return 1; }
    char *names[64];
    int count = 0;
    for (char *p = list; p < list + n && count < 64; p += strlen(p) + 1) names[count++] = p;
    qsort(names, count, sizeof names[0], by_name);
    for (int i = 0; i < count; i++) {
        ssize_t v = getxattr(argv[1], names[i], value, sizeof value);
        if (v < 0) printf("%s: %s\n", names[i], errname(errno));
        else printf("%s=%.*s\n", names[i], (int)v, value);
    }
    return 0;
}
