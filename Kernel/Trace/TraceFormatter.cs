using System;
using System.Globalization;
using System.Text;
using UserKernel.Kernel.Abi;
using UserKernel.Kernel.Guest;
using UserKernel.Kernel.Syscalls;

namespace UserKernel.Kernel.Trace;

/// <summary>Renders syscall arguments and results the way strace prints them.</summary>
public static class TraceFormatter
{
    private const int MaxString = 32;

    /// <summary>"AT_FDCWD, \"/etc/passwd\", O_RDONLY|O_CLOEXEC" for the call's original arguments.</summary>
    public static string Arguments(SyscallEntry entry, SyscallContext ctx)
    {
        var sb = new StringBuilder();
        for (int i = 0; i < entry.Args.Length; i++)
        {
            if (i > 0) sb.Append(", ");
            Append(sb, entry.Args[i], ctx.Original[i], ctx.Memory);
        }
        return sb.ToString();
    }

    private static void Append(StringBuilder sb, ArgFormat format, ulong value, IGuestMemory memory)
    {
        var inv = CultureInfo.InvariantCulture;
        switch (format)
        {
            case ArgFormat.DirFd when (int)value == AtFlags.AT_FDCWD: sb.Append("AT_FDCWD"); break;
            case ArgFormat.Fd or ArgFormat.DirFd or ArgFormat.Int or ArgFormat.Pid: sb.Append(((int)value).ToString(inv)); break;
            case ArgFormat.Size: sb.Append(value.ToString(inv)); break;
            case ArgFormat.Hex: sb.Append("0x").Append(value.ToString("x", inv)); break;
            case ArgFormat.Ptr: sb.Append(new GuestPtr(value).ToString()); break;
            case ArgFormat.Mode: sb.Append('0').Append(Convert.ToString((long)(value & 0xffff), 8)); break;
            case ArgFormat.Signal: sb.Append(Signals.Name((int)value)); break;
            case ArgFormat.OpenFlags: sb.Append(OpenFlagsText((int)value)); break;
            case ArgFormat.AtFlags: sb.Append(AtFlagsText((int)value)); break;
            case ArgFormat.Path or ArgFormat.Str: AppendString(sb, memory, new GuestPtr(value), format == ArgFormat.Path ? 4096 : MaxString); break;
        }
    }

    private static void AppendString(StringBuilder sb, IGuestMemory memory, GuestPtr at, int max)
    {
        if (at.IsNull) { sb.Append("NULL"); return; }
        if (!memory.ReadCString(at, 4096).TryGet(out byte[]? bytes, out _)) { sb.Append(at.ToString()); return; }
        sb.Append('"');
        int n = Math.Min(bytes.Length, max);
        foreach (byte b in bytes.AsSpan(0, n))
        {
            switch (b)
            {
                case (byte)'"': sb.Append("\\\""); break;
                case (byte)'\\': sb.Append("\\\\"); break;
                case (byte)'\n': sb.Append("\\n"); break;
                case (byte)'\t': sb.Append("\\t"); break;
                case < 0x20 or >= 0x7f: sb.Append('\\').Append(Convert.ToString(b, 8)); break;
                default: sb.Append((char)b); break;
            }
        }
        sb.Append('"');
        if (bytes.Length > n) sb.Append("...");
    }

    public static string OpenFlagsText(int flags)
    {
        string access = (flags & OpenFlags.O_ACCMODE) switch { OpenFlags.O_WRONLY => "O_WRONLY", OpenFlags.O_RDWR => "O_RDWR", 0 => "O_RDONLY", _ => "O_ACCMODE" };
        var sb = new StringBuilder(access);
        int rest = flags & ~OpenFlags.O_ACCMODE;
        foreach ((int bit, string name) in OpenFlags.Names)
        {
            if ((rest & bit) == bit && bit != 0) { sb.Append('|').Append(name); rest &= ~bit; }
        }
        if (rest != 0) sb.Append("|0x").Append(rest.ToString("x", CultureInfo.InvariantCulture));
        return sb.ToString();
    }

    private static string AtFlagsText(int flags)
    {
        if (flags == 0) return "0";
        var sb = new StringBuilder();
        foreach ((int bit, string name) in new[] { (AtFlags.AT_SYMLINK_NOFOLLOW, "AT_SYMLINK_NOFOLLOW"), (AtFlags.AT_EACCESS, "AT_EACCESS"), (AtFlags.AT_SYMLINK_FOLLOW, "AT_SYMLINK_FOLLOW"), (AtFlags.AT_NO_AUTOMOUNT, "AT_NO_AUTOMOUNT"), (AtFlags.AT_EMPTY_PATH, "AT_EMPTY_PATH") })
        {
            if ((flags & bit) == 0) continue;
            if (sb.Length > 0) sb.Append('|');
            sb.Append(name);
            flags &= ~bit;
        }
        if (flags != 0) sb.Append(sb.Length > 0 ? "|" : "").Append("0x").Append(flags.ToString("x", CultureInfo.InvariantCulture));
        return sb.ToString();
    }

    /// <summary>"3", or "-1 ENOENT (No such file or directory)".</summary>
    public static string Result(long value)
    {
        if (value < 0 && value > -4096)
        {
            var e = (Errno)(-value);
            return "-1 " + ErrnoNames.Name(e) + " (" + ErrnoNames.Message(e) + ")";
        }
        return value.ToString(CultureInfo.InvariantCulture);
    }
}
