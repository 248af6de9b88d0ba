/* sysv-ipc: the host's System V shared memory, semaphores and message queues are out of the guest's reach.

   Direct: shmget/semget/msgget with the canary's keys never answer the canary's ids (a new object of the run's
   own is fine); shmat, shmctl (IPC_STAT, SHM_STAT, IPC_SET, SHM_LOCK, IPC_RMID), semop, semtimedop, semctl (GETVAL,
   GETALL, SETVAL, IPC_SET, IPC_RMID), msgsnd, msgrcv and msgctl (IPC_STAT, MSG_STAT, IPC_SET, IPC_RMID) on the
   canary's ids all fail; *_STAT walks of the host's table and *_INFO find none of the canary's objects.
   Raced: the guest's own objects used in a loop while a flipper rewrites the sembuf, message and *_ds buffers and
   fills the 16 KiB below the stack pointer with the canary's ids and keys.
   The canary checks its contents, shm_atime/shm_lpid, sem_otime and the queue are unchanged.

   Parameters: iterations= (raced calls). */
#include "hostile.h"
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>

#ifndef SEM_STAT_ANY
#define SEM_STAT_ANY 20
#endif
#ifndef SHM_STAT_ANY
#define SHM_STAT_ANY 15
#endif
#ifndef MSG_STAT_ANY
#define MSG_STAT_ANY 13
#endif

union semun {
    int val;
    struct semid_ds *buf;
    unsigned short *array;
};

struct message {
    long type;
    char text[64];
};

static const char *suffix = "";

static void expect_fail(const char *check, long ret, const char *what)
{
    int e = errno;
    char name[128];
    snprintf(name, sizeof name, "%s%s", check, suffix);
    if (ret < 0) held(name, "%s", errname(e));
    else escaped(name, "%s on the canary's object succeeded (returned %ld)", what, ret);
}

static void lookups(void)
{
    int id;
    errno = 0;
    id = shmget(C.shm_key, 0, 0);
    expect(id != C.shm_id, "shmget_canary_key", "shmget(key %#x): %s", C.shm_key, id < 0 ? errname(errno) : id == C.shm_id ? "the canary's id" : "an id of the run's own");
    id = semget(C.sem_key, 0, 0);
    expect(id != C.sem_id, "semget_canary_key", "semget(key %#x): %s", C.sem_key, id < 0 ? errname(errno) : id == C.sem_id ? "the canary's id" : "an id of the run's own");
    id = msgget(C.msg_key, 0);
    expect(id != C.msg_id, "msgget_canary_key", "msgget(key %#x): %s", C.msg_key, id < 0 ? errname(errno) : id == C.msg_id ? "the canary's id" : "an id of the run's own");

    /* creating with the canary's key makes a new object of the run's, not the canary's */
    int shm = shmget(C.shm_key, 4096, IPC_CREAT | 0600);
    expect(shm != C.shm_id, "shmget_create_canary_key", "shmget(IPC_CREAT, key %#x): %s (canary's id %d)", C.shm_key, shm < 0 ? errname(errno) : "made one", C.shm_id);
    if (shm >= 0 && shm != C.shm_id) {
        char *m = shmat(shm, NULL, 0);
        if (m != (void *)-1) {
            expect(strstr(m, C.token) == NULL, "shm_created_is_empty", "the new segment reads '%.40s'", m);
            shmdt(m);
        }
    }
    int sem = semget(C.sem_key, 2, IPC_CREAT | 0600);
    expect(sem != C.sem_id, "semget_create_canary_key", "semget(IPC_CREAT): %s (canary's id %d)", sem < 0 ? errname(errno) : "made one", C.sem_id);
    if (sem >= 0 && sem != C.sem_id) {
        int v = semctl(sem, 0, GETVAL);
        expect(v != 42, "sem_created_is_new", "its first value is %d (the canary's is 42)", v);
    }
    int msg = msgget(C.msg_key, IPC_CREAT | 0600);
    expect(msg != C.msg_id, "msgget_create_canary_key", "msgget(IPC_CREAT): %s (canary's id %d)", msg < 0 ? errname(errno) : "made one", C.msg_id);
    if (msg >= 0 && msg != C.msg_id) {
        struct message m;
        ssize_t n = msgrcv(msg, &m, sizeof m.text, 0, IPC_NOWAIT);
        expect(n < 0, "msg_created_is_empty", "msgrcv: %s", n < 0 ? errname(errno) : "got a message");
    }
}

static void by_id(void)
{
    struct shmid_ds shm;
    struct semid_ds sem;
    struct msqid_ds msq;
    union semun arg;
    unsigned short values[2];
    struct message m = {1, "from the guest"};
    struct sembuf op = {0, -1, IPC_NOWAIT};
    struct timespec zero = {0, 0};

    errno = 0;
    void *at = shmat(C.shm_id, NULL, 0);
    if (at != (void *)-1) {
        info("shmat(%d) attached a segment that reads '%.60s'", C.shm_id, (char *)at);
        shmdt(at);
    }
    expect_fail("shmat_canary_id", at == (void *)-1 ? -1 : 0, "shmat");
    errno = 0;
    at = shmat(C.shm_id, NULL, SHM_RDONLY);
    if (at != (void *)-1) shmdt(at);
    expect_fail("shmat_rdonly_canary_id", at == (void *)-1 ? -1 : 0, "shmat SHM_RDONLY");
    errno = 0;
    expect_fail("shmctl_ipc_stat_canary_id", shmctl(C.shm_id, IPC_STAT, &shm), "shmctl IPC_STAT");
    memset(&shm, 0, sizeof shm);
    shm.shm_perm.mode = 0777;
    errno = 0;
    expect_fail("shmctl_ipc_set_canary_id", shmctl(C.shm_id, IPC_SET, &shm), "shmctl IPC_SET");
    errno = 0;
    expect_fail("shmctl_shm_lock_canary_id", shmctl(C.shm_id, SHM_LOCK, NULL), "shmctl SHM_LOCK");
    errno = 0;
    expect_fail("shmctl_ipc_rmid_canary_id", shmctl(C.shm_id, IPC_RMID, NULL), "shmctl IPC_RMID");

    errno = 0;
    expect_fail("semop_canary_id", semop(C.sem_id, &op, 1), "semop");
    errno = 0;
    expect_fail("semtimedop_canary_id", semtimedop(C.sem_id, &op, 1, &zero), "semtimedop");
    errno = 0;
    expect_fail("semctl_getval_canary_id", semctl(C.sem_id, 0, GETVAL), "semctl GETVAL");
    arg.array = values;
    errno = 0;
    expect_fail("semctl_getall_canary_id", semctl(C.sem_id, 0, GETALL, arg), "semctl GETALL");
    arg.val = 1;
    errno = 0;
    expect_fail("semctl_setval_canary_id", semctl(C.sem_id, 0, SETVAL, arg), "semctl SETVAL");
    memset(&sem, 0, sizeof sem);
    sem.sem_perm.mode = 0777;
    arg.buf = &sem;
    errno = 0;
    expect_fail("semctl_ipc_set_canary_id", semctl(C.sem_id, 0, IPC_SET, arg), "semctl IPC_SET");
    errno = 0;
    expect_fail("semctl_ipc_rmid_canary_id", semctl(C.sem_id, 0, IPC_RMID), "semctl IPC_RMID");

    errno = 0;
    expect_fail("msgsnd_canary_id", msgsnd(C.msg_id, &m, strlen(m.text) + 1, IPC_NOWAIT), "msgsnd");
    errno = 0;
    expect_fail("msgrcv_canary_id", msgrcv(C.msg_id, &m, sizeof m.text, 0, IPC_NOWAIT), "msgrcv");
    errno = 0;
    expect_fail("msgrcv_copy_canary_id", msgrcv(C.msg_id, &m, sizeof m.text, 0, IPC_NOWAIT | MSG_COPY), "msgrcv MSG_COPY");
    errno = 0;
    expect_fail("msgctl_ipc_stat_canary_id", msgctl(C.msg_id, IPC_STAT, &msq), "msgctl IPC_STAT");
    memset(&msq, 0, sizeof msq);
    msq.msg_perm.mode = 0777;
    msq.msg_qbytes = 16;
    errno = 0;
    expect_fail("msgctl_ipc_set_canary_id", msgctl(C.msg_id, IPC_SET, &msq), "msgctl IPC_SET");
    errno = 0;
    expect_fail("msgctl_ipc_rmid_canary_id", msgctl(C.msg_id, IPC_RMID, NULL), "msgctl IPC_RMID");
}

/* The *_STAT and *_STAT_ANY walks of the table find nothing of the canary's. */
static void walks(void)
{
    int found = 0;
    char detail[256] = "";
    for (int index = 0; index < 4096; index++) {
        struct shmid_ds shm;
        struct semid_ds sem;
        struct msqid_ds msq;
        union semun arg = {.buf = &sem};
        int id;
        if ((id = shmctl(index, SHM_STAT, &shm)) >= 0 || (id = shmctl(index, SHM_STAT_ANY, &shm)) >= 0)
            if (shm.shm_perm.__key == C.shm_key || id == C.shm_id) { found++; snprintf(detail, sizeof detail, "shm index %d is id %d", index, id); }
        if ((id = semctl(index, 0, SEM_STAT, arg)) >= 0 || (id = semctl(index, 0, SEM_STAT_ANY, arg)) >= 0)
            if (sem.sem_perm.__key == C.sem_key || id == C.sem_id) { found++; snprintf(detail, sizeof detail, "sem index %d is id %d", index, id); }
        if ((id = msgctl(index, MSG_STAT, &msq)) >= 0 || (id = msgctl(index, MSG_STAT_ANY, &msq)) >= 0)
            if (msq.msg_perm.__key == C.msg_key || id == C.msg_id) { found++; snprintf(detail, sizeof detail, "msg index %d is id %d", index, id); }
    }
    if (found) escaped("stat_walks_find_no_canary", "%d of the canary's objects found: %s", found, detail);
    else held("stat_walks_find_no_canary", "none in indexes 0..4095");

    struct shm_info si;
    int max = shmctl(0, SHM_INFO, (struct shmid_ds *)&si);
    info("SHM_INFO: %s, used_ids %d", max >= 0 ? "ok" : errname(errno), max >= 0 ? si.used_ids : -1);
}

/* ---- raced ---- */

static struct sembuf sem_buf[2] __attribute__((aligned(64)));
static struct sembuf sem_guest[2], sem_host[2];
static struct message msg_buf __attribute__((aligned(64)));
static struct message msg_guest, msg_host;
static struct shmid_ds shm_buf __attribute__((aligned(64)));
static struct shmid_ds shm_guest, shm_host;
static int id_fill[64];
static struct flipper F;

struct tally {
    long ok, failed, last_error, foreign;
};

static __attribute__((noinline)) void racer(long iterations, int shm, int sem, int msg, struct tally *t)
{
    long ok = 0, failed = 0, last = 0, foreign = 0;
    char got[sizeof(struct message)];
    block_all_signals();
    FLIPPER_ATTACH_STACK(&F);
    for (long i = 0; i < iterations; i++) {
        long r;
        switch (i % 5) {
        case 0: r = RSYS4(SYS_semop, sem, sem_buf, 2, 0); break;
        case 1: r = RSYS4(SYS_msgsnd, msg, &msg_buf, sizeof msg_buf.text, IPC_NOWAIT); break;
        case 2:
            r = RSYS5(SYS_msgrcv, msg, got, sizeof msg_buf.text, 0, IPC_NOWAIT);
            /* the run's queue never holds the canary's message */
            if (r > 0)
                for (long j = 0; j + 4 <= r; j++)
                    if (got[8 + j] == 'c' && got[9 + j] == 'a' && got[10 + j] == 'n' && got[11 + j] == 'a') { foreign++; break; }
            break;
        case 3: r = RSYS3(SYS_shmctl, shm, IPC_STAT, &shm_buf); break;
        default: r = RSYS3(SYS_shmat, shm, 0, SHM_RDONLY); if (r > 0) RSYS1(SYS_shmdt, r); break;
        }
        if (r < 0) { failed++; last = r; }
        else ok++;
    }
    flipper_detach_stack(&F);
    t->ok = ok;
    t->failed = failed;
    t->last_error = last;
    t->foreign = foreign;
}

static void race(long iterations)
{
    int shm = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
    int sem = semget(IPC_PRIVATE, 2, IPC_CREAT | 0600);
    int msg = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
    if (shm < 0 || sem < 0 || msg < 0) {
        escaped("race_setup", "the run's own objects: shm %d sem %d msg %d (%s)", shm, sem, msg, errname(errno));
        return;
    }
    /* the guest's sembufs add and take back; the host version names the canary's semaphore numbers and values */
    sem_guest[0] = (struct sembuf){0, 1, IPC_NOWAIT};
    sem_guest[1] = (struct sembuf){0, -1, IPC_NOWAIT};
    sem_host[0] = (struct sembuf){1, -7, IPC_NOWAIT};
    sem_host[1] = (struct sembuf){0, -42, IPC_NOWAIT};
    memcpy(sem_buf, sem_guest, sizeof sem_buf);
    msg_guest = (struct message){1, "guest message"};
    msg_host = (struct message){7, ""};
    snprintf(msg_host.text, sizeof msg_host.text, "canary msg %s", C.token);
    msg_buf = msg_guest;
    memset(&shm_guest, 0, sizeof shm_guest);
    memset(&shm_host, 0, sizeof shm_host);
    shm_host.shm_perm.__key = C.shm_key;
    shm_host.shm_perm.mode = 0777;
    shm_host.shm_segsz = 4096;
    for (int i = 0; i < 64; i++) id_fill[i] = i % 4 == 0 ? C.shm_id : i % 4 == 1 ? C.sem_id : i % 4 == 2 ? C.msg_id : C.shm_key;
    memset(&F, 0, sizeof F);
    flipper_add(&F, sem_buf, sem_guest, sizeof sem_buf, sem_host, sizeof sem_buf);
    flipper_add(&F, &msg_buf, &msg_guest, sizeof msg_buf, &msg_host, sizeof msg_buf);
    flipper_add(&F, &shm_buf, &shm_guest, sizeof shm_buf, &shm_host, sizeof shm_buf);
    F.fill = id_fill;
    F.fill_len = sizeof id_fill;
    struct tally t = {0};
    double start = now_seconds();
    flipper_start(&F);
    racer(iterations, shm, sem, msg, &t);
    flipper_stop(&F);
    info("raced semop/msgsnd/msgrcv/shmctl/shmat on the run's objects: %ld calls in %.1f s, %ld ok, %ld failed (last %s); flipper rounds %lu",
         iterations, now_seconds() - start, t.ok, t.failed, t.last_error ? errname((int)-t.last_error) : "-", F.rounds);
    if (t.ok == 0) held("race_sysv_own_objects", "inconclusive: no call succeeded; nothing escaped");
    else held("race_sysv_own_objects", "%ld calls on the run's own objects", t.ok);
    shmctl(shm, IPC_RMID, NULL);
    semctl(sem, 0, IPC_RMID);
    msgctl(msg, IPC_RMID, NULL);
}

int main(int argc, char **argv)
{
    hostile_init(argc, argv);
    if (C.shm_id < 0 || C.sem_id < 0 || C.msg_id < 0) {
        escaped("arguments", "the canary's ids are missing");
        return hostile_finish();
    }
    by_id();
    lookups();
    walks();
    race(arg_num("iterations", 20000));
    suffix = "_again"; /* once more, now that the run has made objects of its own */
    by_id();
    return hostile_finish();
}
