// open(2) and *at(2) flag bits for x86-64 (include/uapi/asm-generic/fcntl.h), C spellings kept.
namespace UserKernel.Kernel.Abi;

/// <summary>Flags of open(2), openat(2) and openat2(2).</summary>
public static class OpenFlags
{
    public const int O_ACCMODE = 0x3;
    public const int O_RDONLY = 0x0;
    public const int O_WRONLY = 0x1;
    public const int O_RDWR = 0x2;
    public const int O_CREAT = 0x40;
    public const int O_EXCL = 0x80;
    public const int O_NOCTTY = 0x100;
    public const int O_TRUNC = 0x200;
    public const int O_APPEND = 0x400;
    public const int O_NONBLOCK = 0x800;
    public const int O_DSYNC = 0x1000;
    public const int O_ASYNC = 0x2000;
    public const int O_DIRECT = 0x4000;
    public const int O_LARGEFILE = 0x8000;
    public const int O_DIRECTORY = 0x10000;
    public const int O_NOFOLLOW = 0x20000;
    public const int O_NOATIME = 0x40000;
    public const int O_CLOEXEC = 0x80000;
    public const int O_SYNC = 0x101000;
    public const int O_PATH = 0x200000;
    public const int O_TMPFILE = 0x410000;

    /// <summary>Flag names in the order strace prints them.</summary>
    public static readonly (int Bit, string Name)[] Names =
    [
        (O_CREAT, "O_CREAT"), (O_EXCL, "O_EXCL"), (O_NOCTTY, "O_NOCTTY"), (O_TRUNC, "O_TRUNC"),
        (O_APPEND, "O_APPEND"), (O_NONBLOCK, "O_NONBLOCK"), (O_SYNC, "O_SYNC"), (O_DSYNC, "O_DSYNC"),
        (O_DIRECT, "O_DIRECT"), (O_LARGEFILE, "O_LARGEFILE"), (O_NOFOLLOW, "O_NOFOLLOW"), (O_NOATIME, "O_NOATIME"),
        (O_CLOEXEC, "O_CLOEXEC"), (O_PATH, "O_PATH"), (O_TMPFILE, "O_TMPFILE"), (O_DIRECTORY, "O_DIRECTORY"), (O_ASYNC, "FASYNC"),
    ];
}

/// <summary>AT_* flags and the AT_FDCWD sentinel (include/uapi/linux/fcntl.h).</summary>
public static class AtFlags
{
    public const int AT_FDCWD = -100;
    public const int AT_SYMLINK_NOFOLLOW = 0x100;
    public const int AT_EACCESS = 0x200;
    public const int AT_REMOVEDIR = 0x200;
    public const int AT_SYMLINK_FOLLOW = 0x400;
    public const int AT_NO_AUTOMOUNT = 0x800;
    public const int AT_EMPTY_PATH = 0x1000;
    public const int AT_STATX_SYNC_TYPE = 0x6000;
}

/// <summary>File type and permission bits of st_mode (include/uapi/linux/stat.h).</summary>
public static class FileMode
{
    public const uint S_IFMT = 0xF000;
    public const uint S_IFSOCK = 0xC000;
    public const uint S_IFLNK = 0xA000;
    public const uint S_IFREG = 0x8000;
    public const uint S_IFBLK = 0x6000;
    public const uint S_IFDIR = 0x4000;
    public const uint S_IFCHR = 0x2000;
    public const uint S_IFIFO = 0x1000;

    public static bool IsDir(uint mode) => (mode & S_IFMT) == S_IFDIR;
    public static bool IsReg(uint mode) => (mode & S_IFMT) == S_IFREG;
    public static bool IsLnk(uint mode) => (mode & S_IFMT) == S_IFLNK;

    /// <summary>The d_type of getdents64 for a mode (DT_REG = 8, DT_DIR = 4, ...).</summary>
    public static byte ToDirentType(uint mode) => (byte)((mode & S_IFMT) >> 12);
}

/// <summary>Access modes of access(2).</summary>
public static class AccessMode
{
    public const int F_OK = 0;
    public const int X_OK = 1;
    public const int W_OK = 2;
    public const int R_OK = 4;
}
