using System;
using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using UserKernel.Kernel.Abi;
using UserKernel.Kernel.Guest;
using UserKernel.Kernel.Syscalls;

namespace UserKernel.Kernel.Trace;

/// <summary>
/// Renders syscall arguments and results in strace's notation, so a trace reads like `strace -f`:
/// input arguments when the call stops, output arguments (a stat buffer, a wait status) when it is done.
/// </summary>
public static class StraceFormatter
{
    /// <summary>strace's default string limit (-s 32).</summary>
    public const int MaxString = 32;

    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>Renders the input arguments; output arguments are left null for <see cref="FormatOutputs"/>.</summary>
    public static string?[] FormatInputs(SyscallEntry entry, SyscallContext ctx)
    {
        if (entry.Name == "clone") return [CloneArguments(ctx)];
        var args = new string?[entry.Args.Length];
        for (int i = 0; i < args.Length; i++)
            if (!IsOutput(entry.Args[i])) args[i] = Input(entry.Args[i], ctx, i);
        return args;
    }

    /// <summary>Fills the output arguments once the call has returned <paramref name="result"/>.</summary>
    public static void FormatOutputs(SyscallEntry entry, SyscallContext ctx, long result, string?[] args)
    {
        if (entry.Name == "clone") return;
        for (int i = 0; i < args.Length && i < entry.Args.Length; i++)
            if (args[i] == null) args[i] = Output(entry.Args[i], ctx, i, result);
    }

    private static bool IsOutput(ArgFormat f) => f is ArgFormat.StatOut or ArgFormat.StatxOut or ArgFormat.StatfsOut or ArgFormat.DirentsOut
        or ArgFormat.StringOut or ArgFormat.UtsOut or ArgFormat.WaitStatusOut or ArgFormat.RlimitOut;

    private static string Input(ArgFormat format, SyscallContext ctx, int i)
    {
        ulong v = ctx.Original[i];
        IGuestMemory m = ctx.Memory;
        return format switch
        {
            ArgFormat.DirFd when (int)v == AtFlags.AT_FDCWD => "AT_FDCWD",
            ArgFormat.Fd or ArgFormat.DirFd or ArgFormat.Int or ArgFormat.Pid => ((int)v).ToString(Inv),
            ArgFormat.Size => v.ToString(Inv),
            ArgFormat.Hex => "0x" + v.ToString("x", Inv),
            ArgFormat.Ptr or ArgFormat.RlimitIn when v == 0 => "NULL",
            ArgFormat.Ptr or ArgFormat.RlimitIn => Pointer(v),
            ArgFormat.Mode => Octal(v & 0xffff),
            ArgFormat.OpenMode => (ctx.Original[i - 1] & OpenFlags.O_CREAT) != 0 || ((int)ctx.Original[i - 1] & OpenFlags.O_TMPFILE) == OpenFlags.O_TMPFILE ? Octal(v & 0xffff) : "",
            ArgFormat.Signal => v == 0 ? "0" : Signals.Name((int)v),
            ArgFormat.OpenFlags => OpenFlagsText((int)v),
            ArgFormat.AtFlags => Flags((int)v, AtFlagNames, "0"),
            ArgFormat.StatxFlags => ((v & 0x6000) == 0 ? "AT_STATX_SYNC_AS_STAT" + ((v & ~0x6000UL) != 0 ? "|" : "") : "") + Flags((int)v, AtFlagNames, ""),
            ArgFormat.AccessMode => v == 0 ? "F_OK" : Flags((int)v, AccessNames, "0"),
            ArgFormat.WaitOptions => Flags((int)v, WaitOptionNames, "0"),
            ArgFormat.StatxMask => Flags((int)v, StatxMaskNames, "0"),
            ArgFormat.Resource => v < (ulong)Rlimits.Names.Length ? Rlimits.Names[v] : v.ToString(Inv),
            ArgFormat.Path => QuotedString(m, v, 4096),
            ArgFormat.Str => QuotedString(m, v, MaxString),
            ArgFormat.Argv => StringArray(m, v),
            ArgFormat.Envp => v == 0 ? "NULL" : Pointer(v) + " /* " + Count(m, v).ToString(Inv) + " vars */",
            ArgFormat.CloneFlags => CloneFlagsText(v),
            ArgFormat.Sockaddr => SockaddrText(m, v, ctx.Original[i + 1]),
            ArgFormat.IoctlRequest => (uint)v switch
            {
                0x540F => "TIOCGPGRP",
                0x5410 => "TIOCSPGRP",
                0x5429 => "TIOCGSID",
                0x5413 => "TIOCGWINSZ",
                _ => "0x" + v.ToString("x", Inv),
            },
            _ => Pointer(v),
        };
    }

    private static string Output(ArgFormat format, SyscallContext ctx, int i, long result)
    {
        ulong v = ctx.Original[i];
        IGuestMemory m = ctx.Memory;
        bool failed = result < 0 && result > -4096;
        if (v == 0) return "NULL";
        if (failed) return Pointer(v);
        switch (format)
        {
            case ArgFormat.StatOut:
            {
                Span<byte> b = stackalloc byte[Abi.Stat.Size];
                if (m.Read(new GuestPtr(v), b) != Errno.OK) return Pointer(v);
                uint mode = BinaryPrimitives.ReadUInt32LittleEndian(b[24..]);
                long size = BinaryPrimitives.ReadInt64LittleEndian(b[48..]);
                bool device = (mode & FileMode.S_IFMT) is FileMode.S_IFCHR or FileMode.S_IFBLK;
                return "{st_mode=" + ModeText(mode) + (device ? ", st_rdev=" + RdevText(BinaryPrimitives.ReadUInt64LittleEndian(b[40..]))
                    : ", st_size=" + size.ToString(Inv)) + ", ...}";
            }
            case ArgFormat.StatxOut:
            {
                Span<byte> b = stackalloc byte[Abi.Statx.Size];
                if (m.Read(new GuestPtr(v), b) != Errno.OK) return Pointer(v);
                uint mask = BinaryPrimitives.ReadUInt32LittleEndian(b);
                ushort mode = BinaryPrimitives.ReadUInt16LittleEndian(b[0x1c..]);
                ulong size = BinaryPrimitives.ReadUInt64LittleEndian(b[0x28..]);
                ulong attributes = BinaryPrimitives.ReadUInt64LittleEndian(b[0x08..]);
                return "{stx_mask=" + Flags((int)mask, StatxMaskNames, "0") + ", stx_attributes=" + Flags((int)attributes, StatxAttributeNames, "0") + ", stx_mode=" + ModeText(mode) + ", stx_size=" + size.ToString(Inv) + ", ...}";
            }
            case ArgFormat.StatfsOut:
            {
                Span<byte> b = stackalloc byte[16];
                if (m.Read(new GuestPtr(v), b) != Errno.OK) return Pointer(v);
                return "{f_type=0x" + BinaryPrimitives.ReadInt64LittleEndian(b).ToString("x", Inv) + ", f_bsize=" + BinaryPrimitives.ReadInt64LittleEndian(b[8..]).ToString(Inv) + ", ...}";
            }
            case ArgFormat.DirentsOut:
                return Pointer(v) + " /* " + CountDirents(m, v, result).ToString(Inv) + " entries */";
            case ArgFormat.StringOut:
            {
                int n = (int)Math.Min(result, 4096);
                var bytes = new byte[n];
                if (m.Read(new GuestPtr(v), bytes) != Errno.OK) return Pointer(v);
                if (n > 0 && bytes[^1] == 0) n--; // getcwd counts its NUL
                return Quote(bytes.AsSpan(0, n), 4096, false);
            }
            case ArgFormat.UtsOut:
            {
                Span<byte> b = stackalloc byte[130];
                if (m.Read(new GuestPtr(v), b) != Errno.OK) return Pointer(v);
                return "{sysname=" + Quote(CString(b[..65]), 65, false) + ", nodename=" + Quote(CString(b[65..130]), 65, false) + ", ...}";
            }
            case ArgFormat.WaitStatusOut:
            {
                if (result == 0) return Pointer(v);
                Span<byte> b = stackalloc byte[4];
                if (m.Read(new GuestPtr(v), b) != Errno.OK) return Pointer(v);
                return "[" + WaitStatusText(BinaryPrimitives.ReadInt32LittleEndian(b)) + "]";
            }
            case ArgFormat.RlimitOut:
            {
                Span<byte> b = stackalloc byte[16];
                if (m.Read(new GuestPtr(v), b) != Errno.OK) return Pointer(v);
                return "{rlim_cur=" + Limit(BinaryPrimitives.ReadUInt64LittleEndian(b)) + ", rlim_max=" + Limit(BinaryPrimitives.ReadUInt64LittleEndian(b[8..])) + "}";
            }
        }
        return Pointer(v);
    }

    /// <summary>"3", or "-1 ENOENT (No such file or directory)".</summary>
    public static string Result(long value)
    {
        // The kernel-internal restart codes: the call is interrupted and will be restarted.
        switch (value)
        {
            case -512: return "? ERESTARTSYS (To be restarted if SA_RESTART is set)";
            case -513: return "? ERESTARTNOINTR (To be restarted)";
            case -514: return "? ERESTARTNOHAND (To be restarted if no handler)";
            case -516: return "? ERESTART_RESTARTBLOCK (Interrupted by signal)";
        }
        if (value < 0 && value > -4096)
        {
            var e = (Errno)(-value);
            return "-1 " + ErrnoNames.Name(e) + " (" + ErrnoNames.Message(e) + ")";
        }
        return value.ToString(Inv);
    }

    /// <summary>The whole call: name(arg, arg, ...), empty trailing arguments (open's mode without O_CREAT) dropped.</summary>
    public static string Call(string name, string?[] args)
    {
        int n = args.Length;
        while (n > 0 && string.IsNullOrEmpty(args[n - 1])) n--;
        return name + "(" + string.Join(", ", args, 0, n) + ")";
    }

    private static string CloneArguments(SyscallContext ctx)
    {
        ulong flags = ctx.Original[0];
        var sb = new StringBuilder("child_stack=").Append(ctx.Original[1] == 0 ? "NULL" : Pointer(ctx.Original[1]));
        sb.Append(", flags=").Append(CloneFlagsText(flags));
        if ((flags & 0x100000) != 0) sb.Append(", parent_tid=").Append(Pointer(ctx.Original[2]));
        if ((flags & 0x1200000) != 0) sb.Append(", child_tidptr=").Append(Pointer(ctx.Original[3]));
        if ((flags & 0x80000) != 0) sb.Append(", tls=").Append(Pointer(ctx.Original[4]));
        return sb.ToString();
    }

    /// <summary>A socket address as strace decodes it: AF_UNIX paths, IPv4 and IPv6 addresses and ports.</summary>
    private static string SockaddrText(IGuestMemory m, ulong at, ulong length)
    {
        if (at == 0) return "NULL";
        int n = (int)Math.Min(length, 128);
        byte[] a = new byte[n];
        if (n < 2 || m.Read(new GuestPtr(at), a) != Errno.OK) return Pointer(at);
        ushort family = BinaryPrimitives.ReadUInt16LittleEndian(a);
        switch (family)
        {
            case 1 when n > 2:
                bool abstractName = a[2] == 0;
                ReadOnlySpan<byte> path = a.AsSpan(abstractName ? 3 : 2);
                int nul = path.IndexOf((byte)0);
                if (!abstractName && nul >= 0) path = path[..nul];
                return "{sa_family=AF_UNIX, sun_path=" + (abstractName ? "@" : "") + Quote(path, 108, false) + "}";
            case 2 when n >= 8:
                return "{sa_family=AF_INET, sin_port=htons(" + BinaryPrimitives.ReadUInt16BigEndian(a.AsSpan(2)).ToString(Inv) +
                    "), sin_addr=inet_addr(\"" + new System.Net.IPAddress(a.AsSpan(4, 4)) + "\")}";
            case 10 when n >= 28:
                return "{sa_family=AF_INET6, sin6_port=htons(" + BinaryPrimitives.ReadUInt16BigEndian(a.AsSpan(2)).ToString(Inv) +
                    "), sin6_flowinfo=htonl(" + BinaryPrimitives.ReadUInt32BigEndian(a.AsSpan(4)).ToString(Inv) +
                    "), inet_pton(AF_INET6, \"" + new System.Net.IPAddress(a.AsSpan(8, 16)) + "\", &sin6_addr), sin6_scope_id=" +
                    BinaryPrimitives.ReadUInt32LittleEndian(a.AsSpan(24)).ToString(Inv) + "}";
            default:
                return "{sa_family=" + family.ToString(Inv) + ", ...}";
        }
    }

    private static string Pointer(ulong v) => v == 0 ? "NULL" : "0x" + v.ToString("x", Inv);
    private static string Octal(ulong v) => "0" + Convert.ToString((long)v, 8);
    private static string Limit(ulong v) => v == ulong.MaxValue ? "RLIM64_INFINITY" : v % 1024 == 0 && v > 0 ? (v / 1024).ToString(Inv) + "*1024" : v.ToString(Inv);

    private static string RdevText(ulong rdev) => "makedev(0x" + DevT.Major(rdev).ToString("x", Inv) + ", 0x" + DevT.Minor(rdev).ToString("x", Inv) + ")";

    public static string ModeText(uint mode)
    {
        string type = (mode & FileMode.S_IFMT) switch
        {
            FileMode.S_IFREG => "S_IFREG",
            FileMode.S_IFDIR => "S_IFDIR",
            FileMode.S_IFLNK => "S_IFLNK",
            FileMode.S_IFCHR => "S_IFCHR",
            FileMode.S_IFBLK => "S_IFBLK",
            FileMode.S_IFIFO => "S_IFIFO",
            FileMode.S_IFSOCK => "S_IFSOCK",
            _ => "",
        };
        var sb = new StringBuilder(type);
        if ((mode & 0x800) != 0) sb.Append("|S_ISUID");
        if ((mode & 0x400) != 0) sb.Append("|S_ISGID");
        if ((mode & 0x200) != 0) sb.Append("|S_ISVTX");
        sb.Append("|0").Append(Convert.ToString(mode & 0x1ff, 8).PadLeft(2, '0'));
        return sb.ToString();
    }

    private static string WaitStatusText(int s)
    {
        if ((s & 0x7f) == 0) return "{WIFEXITED(s) && WEXITSTATUS(s) == " + ((s >> 8) & 0xff).ToString(Inv) + "}";
        if ((s & 0xff) == 0x7f) return "{WIFSTOPPED(s) && WSTOPSIG(s) == " + Signals.Name((s >> 8) & 0xff) + "}";
        if (s == 0xffff) return "{WIFCONTINUED(s)}";
        return "{WIFSIGNALED(s) && WTERMSIG(s) == " + Signals.Name(s & 0x7f) + ((s & 0x80) != 0 ? " && WCOREDUMP(s)" : "") + "}";
    }

    private static ReadOnlySpan<byte> CString(ReadOnlySpan<byte> b)
    {
        int nul = b.IndexOf((byte)0);
        return nul >= 0 ? b[..nul] : b;
    }

    private static string QuotedString(IGuestMemory m, ulong at, int max)
    {
        if (at == 0) return "NULL";
        if (!m.ReadCString(new GuestPtr(at), 4096).TryGet(out byte[]? bytes, out _)) return Pointer(at);
        return Quote(bytes, max, true);
    }

    /// <summary>A C string as strace prints it: escaped, cut at <paramref name="max"/> bytes with "..." after.</summary>
    public static string Quote(ReadOnlySpan<byte> bytes, int max, bool nulTerminated)
    {
        var sb = new StringBuilder("\"");
        int n = Math.Min(bytes.Length, max);
        foreach (byte b in bytes[..n])
        {
            switch (b)
            {
                case (byte)'"': sb.Append("\\\""); break;
                case (byte)'\\': sb.Append("\\\\"); break;
                case (byte)'\n': sb.Append("\\n"); break;
                case (byte)'\t': sb.Append("\\t"); break;
                case (byte)'\r': sb.Append("\\r"); break;
                case (byte)'\v': sb.Append("\\v"); break;
                case (byte)'\f': sb.Append("\\f"); break;
                case < 0x20 or >= 0x7f: sb.Append('\\').Append(Convert.ToString(b, 8)); break;
                default: sb.Append((char)b); break;
            }
        }
        sb.Append('"');
        if (bytes.Length > n) sb.Append("...");
        return sb.ToString();
    }

    private static string StringArray(IGuestMemory m, ulong at)
    {
        if (at == 0) return "NULL";
        if (!m.ReadStringArray(new GuestPtr(at)).TryGet(out var list, out _)) return Pointer(at);
        var sb = new StringBuilder("[");
        for (int i = 0; i < list.Count; i++)
        {
            if (i > 0) sb.Append(", ");
            sb.Append(Quote(list[i], MaxString, true));
        }
        return sb.Append(']').ToString();
    }

    private static int Count(IGuestMemory m, ulong at)
    {
        int n = 0;
        while (n < 1 << 16 && m.ReadUInt64(new GuestPtr(at + 8UL * (ulong)n)).TryGet(out ulong p, out _) && p != 0) n++;
        return n;
    }

    private static int CountDirents(IGuestMemory m, ulong at, long length)
    {
        int count = 0;
        Span<byte> reclen = stackalloc byte[2];
        for (long off = 0; off < length; count++)
        {
            if (m.Read(new GuestPtr(at + (ulong)off + 16), reclen) != Errno.OK) break;
            ushort r = BinaryPrimitives.ReadUInt16LittleEndian(reclen);
            if (r == 0) break;
            off += r;
        }
        return count;
    }

    public static string OpenFlagsText(int flags)
    {
        string access = (flags & OpenFlags.O_ACCMODE) switch { OpenFlags.O_WRONLY => "O_WRONLY", OpenFlags.O_RDWR => "O_RDWR", 0 => "O_RDONLY", _ => "O_ACCMODE" };
        int rest = flags & ~OpenFlags.O_ACCMODE;
        string more = rest == 0 ? "" : "|" + Flags(rest, OpenFlags.Names, "");
        return access + more;
    }

    private static string CloneFlagsText(ulong flags)
    {
        string names = Flags((int)(flags & ~0xffUL), CloneFlagNames, "");
        int sig = (int)(flags & 0xff);
        if (sig != 0) names = names.Length > 0 ? names + "|" + Signals.Name(sig) : Signals.Name(sig);
        return names.Length > 0 ? names : "0";
    }

    private static string Flags(int value, (int Bit, string Name)[] names, string zero)
    {
        if (value == 0) return zero;
        var sb = new StringBuilder();
        foreach ((int bit, string name) in names)
        {
            if (bit == 0 || (value & bit) != bit) continue;
            if (sb.Length > 0) sb.Append('|');
            sb.Append(name);
            value &= ~bit;
        }
        if (value != 0) sb.Append(sb.Length > 0 ? "|" : "").Append("0x").Append(value.ToString("x", Inv));
        return sb.ToString();
    }

    private static readonly (int, string)[] AtFlagNames =
    [
        (AtFlags.AT_SYMLINK_NOFOLLOW, "AT_SYMLINK_NOFOLLOW"), (AtFlags.AT_EACCESS, "AT_EACCESS"), (AtFlags.AT_SYMLINK_FOLLOW, "AT_SYMLINK_FOLLOW"),
        (AtFlags.AT_NO_AUTOMOUNT, "AT_NO_AUTOMOUNT"), (AtFlags.AT_EMPTY_PATH, "AT_EMPTY_PATH"), (0x2000, "AT_STATX_FORCE_SYNC"), (0x4000, "AT_STATX_DONT_SYNC"),
    ];

    private static readonly (int, string)[] AccessNames = [(4, "R_OK"), (2, "W_OK"), (1, "X_OK")];

    private static readonly (int, string)[] WaitOptionNames =
        [(1, "WNOHANG"), (2, "WSTOPPED"), (4, "WEXITED"), (8, "WCONTINUED"), (0x01000000, "WNOWAIT"), (0x20000000, "__WNOTHREAD"), (0x40000000, "__WALL"), (unchecked((int)0x80000000), "__WCLONE")];

    private static readonly (int, string)[] StatxMaskNames =
    [
        (0xfff, "STATX_ALL"), (0x7ff, "STATX_BASIC_STATS"), (1, "STATX_TYPE"), (2, "STATX_MODE"), (4, "STATX_NLINK"), (8, "STATX_UID"), (0x10, "STATX_GID"),
        (0x20, "STATX_ATIME"), (0x40, "STATX_MTIME"), (0x80, "STATX_CTIME"), (0x100, "STATX_INO"), (0x200, "STATX_SIZE"), (0x400, "STATX_BLOCKS"),
        (0x800, "STATX_BTIME"), (0x1000, "STATX_MNT_ID"),
    ];

    private static readonly (int, string)[] StatxAttributeNames =
    [
        (0x4, "STATX_ATTR_COMPRESSED"), (0x10, "STATX_ATTR_IMMUTABLE"), (0x20, "STATX_ATTR_APPEND"), (0x40, "STATX_ATTR_NODUMP"),
        (0x800, "STATX_ATTR_ENCRYPTED"), (0x1000, "STATX_ATTR_AUTOMOUNT"), (0x2000, "STATX_ATTR_MOUNT_ROOT"), (0x100000, "STATX_ATTR_VERITY"),
        (0x200000, "STATX_ATTR_DAX"),
    ];

    private static readonly (int, string)[] CloneFlagNames =
    [
        (0x100, "CLONE_VM"), (0x200, "CLONE_FS"), (0x400, "CLONE_FILES"), (0x800, "CLONE_SIGHAND"), (0x1000, "CLONE_PIDFD"), (0x2000, "CLONE_PTRACE"),
        (0x4000, "CLONE_VFORK"), (0x8000, "CLONE_PARENT"), (0x10000, "CLONE_THREAD"), (0x20000, "CLONE_NEWNS"), (0x40000, "CLONE_SYSVSEM"),
        (0x80000, "CLONE_SETTLS"), (0x100000, "CLONE_PARENT_SETTID"), (0x200000, "CLONE_CHILD_CLEARTID"), (0x400000, "CLONE_DETACHED"),
        (0x800000, "CLONE_UNTRACED"), (0x1000000, "CLONE_CHILD_SETTID"), (0x2000000, "CLONE_NEWCGROUP"), (0x4000000, "CLONE_NEWUTS"),
        (0x8000000, "CLONE_NEWIPC"), (0x10000000, "CLONE_NEWUSER"), (0x20000000, "CLONE_NEWPID"), (0x40000000, "CLONE_NEWNET"), (unchecked((int)0x80000000), "CLONE_IO"),
    ];
}
