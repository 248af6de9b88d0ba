/* What the program loader hands a new program: argv, the auxiliary vector, a working vDSO. */
#include <elf.h>
#include <link.h>
#include <stdio.h>
#include <string.h>
#include <sys/auxv.h>
#include <time.h>

int main(int argc, char **argv, char **envp) {
    for (int i = 0; i < argc; i++) printf("argv[%d]=%s\n", i, argv[i]);
    int envc = 0;
    while (envp[envc]) envc++;
    printf("envc=%d\n", envc);
    printf("AT_EXECFN=%s\n", (const char *)getauxval(AT_EXECFN));
    printf("AT_PAGESZ=%lu\n", getauxval(AT_PAGESZ));
    printf("AT_SECURE=%lu\n", getauxval(AT_SECURE));
    printf("AT_BASE set=%d\n", getauxval(AT_BASE) != 0);
    printf("AT_SYSINFO_EHDR set=%d\n", getauxval(AT_SYSINFO_EHDR) != 0);
    printf("AT_RANDOM set=%d\n", getauxval(AT_RANDOM) != 0);
    const ElfW(Phdr) *phdr = (const ElfW(Phdr) *)getauxval(AT_PHDR);
    unsigned long phnum = getauxval(AT_PHNUM);
    int loads = 0;
    for (unsigned long i = 0; phdr && i < phnum; i++) loads += phdr[i].p_type == PT_LOAD;
    printf("AT_PHNUM=%lu PT_LOADs=%d AT_PHENT=%lu\n", phnum, loads, getauxval(AT_PHENT));
    struct timespec ts;
    printf("clock_gettime=%d\n", clock_gettime(CLOCK_MONOTONIC, &ts));
    return argc;
}
