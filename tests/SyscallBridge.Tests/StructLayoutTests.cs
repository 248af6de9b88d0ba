using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Text;
using System.Threading.Tasks;
using UserKernel.SyscallBridge.Interop;
using UserKernel.SyscallBridge.Launch;
using UserKernel.SyscallBridge.Seccomp;
using UserKernel.TestSupport;
using Xunit;

namespace UserKernel.SyscallBridge.Tests;

/// <summary>
/// The structs and constants the bridge hands to the host, against the C compiler: a C program made at test time prints
/// sizeof, offsetof and the headers' values, and each must equal what the C# side uses (Tmds.LibC's way). Needs gcc.
/// </summary>
public class StructLayoutTests
{
    /// <summary>A C expression and the value the bridge assumes for it; <paramref name="AtMost"/>: the C value may be smaller.</summary>
    private sealed record Expectation(string C, long Ours, string Where, bool AtMost = false);

    private const string Headers = """
        #define _GNU_SOURCE
        #include <stddef.h>
        #include <stdio.h>
        #include <signal.h>
        #include <spawn.h>
        #include <sys/ioctl.h>
        #include <sys/ptrace.h>
        #include <sys/uio.h>
        #include <sys/user.h>
        #include <sys/wait.h>
        #include <linux/audit.h>
        #include <linux/filter.h>
        #include <linux/loop.h>
        #include <linux/seccomp.h>
        #ifndef SECCOMP_IOCTL_NOTIF_SET_FLAGS
        #define SECCOMP_IOCTL_NOTIF_SET_FLAGS SECCOMP_IOW(4, __u64)   /* Linux 6.6's uapi, for older headers */
        #endif
        static const struct sock_filter example __attribute__((unused)) = { 0x1234, 0x56, 0x78, 0x9abcdef0 };
        """;

    /// <summary>
    /// sizeof and the offset of every field, for an Interop struct whose fields keep their C names; <paramref name="member"/>
    /// spells a field's C member where C nests it.
    /// </summary>
    private static IEnumerable<Expectation> Layout<T>(string cStruct, Func<string, string>? member = null) where T : unmanaged
    {
        string where = typeof(T).Name;
        yield return new($"sizeof({cStruct})", Marshal.SizeOf<T>(), where);
        foreach (FieldInfo field in typeof(T).GetFields(BindingFlags.Public | BindingFlags.Instance))
            yield return new($"offsetof({cStruct}, {member?.Invoke(field.Name) ?? field.Name})", Marshal.OffsetOf<T>(field.Name), $"{where}.{field.Name}");
    }

    /// <summary>SeccompNotif spreads out the struct seccomp_data that C nests as its member data.</summary>
    private static string SeccompNotifMember(string field) => field is "nr" or "arch" or "instruction_pointer" or "args" ? $"data.{field}" : field;

    private static IEnumerable<Expectation> Structs()
    {
        IEnumerable<Expectation> all = Layout<UserRegs>("struct user_regs_struct")
            .Concat(Layout<Libc.SeccompNotif>("struct seccomp_notif", SeccompNotifMember))
            .Concat(Layout<Libc.SeccompNotifResp>("struct seccomp_notif_resp"))
            .Concat(Layout<Libc.SeccompNotifAddfd>("struct seccomp_notif_addfd"));
        foreach (Expectation e in all) yield return e;

        yield return new("sizeof(struct iovec)", Marshal.SizeOf<Libc.IoVec>(), "IoVec");
        yield return new("offsetof(struct iovec, iov_base)", Marshal.OffsetOf<Libc.IoVec>(nameof(Libc.IoVec.Base)), "IoVec.Base");
        yield return new("offsetof(struct iovec, iov_len)", Marshal.OffsetOf<Libc.IoVec>(nameof(Libc.IoVec.Length)), "IoVec.Length");

        // What the filter loads, and the sock_filter bytes FilterBuilder.Encode writes.
        yield return new("offsetof(struct seccomp_data, nr)", FilterBuilder.SeccompDataNr, "FilterBuilder.SeccompDataNr");
        yield return new("offsetof(struct seccomp_data, arch)", FilterBuilder.SeccompDataArch, "FilterBuilder.SeccompDataArch");
        yield return new("offsetof(struct seccomp_data, args)", FilterBuilder.SeccompDataArgs, "FilterBuilder.SeccompDataArgs");
        yield return new("sizeof(((struct seccomp_data *)0)->args[0])", 8, "FilterBuilder.LowWordOf");
        yield return new("sizeof(struct seccomp_data)", ClassicBpf.SeccompDataSize, "the tests' interpreter");
        byte[] encoded = FilterBuilder.Encode([new FilterBuilder.Instruction(0x1234, 0x56, 0x78, 0x9abcdef0)]);
        yield return new("sizeof(struct sock_filter)", encoded.Length, "FilterBuilder.Encode");
        for (int i = 0; i < encoded.Length; i++)
            yield return new($"((const unsigned char *)&example)[{i}]", encoded[i], $"FilterBuilder.Encode, byte {i}");
        yield return new("sizeof(struct sock_fprog)", GuestLauncher.SockFprogSize, "GuestLauncher.InstallFilter");
        yield return new("offsetof(struct sock_fprog, filter)", GuestLauncher.SockFprogFilter, "GuestLauncher.InstallFilter");
        yield return new("sizeof(((struct sock_fprog *)0)->len)", sizeof(ushort), "GuestLauncher.InstallFilter");

        // Numbers written as literals where they are used.
        yield return new("sizeof(siginfo_t)", 128, "Tracer.TranslateSignalInfo's buffer");
        yield return new("offsetof(siginfo_t, si_signo)", 0, "GuestKernel.TranslateSignalInfo");
        yield return new("offsetof(siginfo_t, si_code)", 8, "GuestKernel.TranslateSignalInfo");
        yield return new("offsetof(siginfo_t, si_pid)", 16, "GuestKernel.TranslateSignalInfo");
        yield return new("sizeof(sigset_t)", 128, "Terminal.Dispose and GuestLauncher.Spawn's signal sets", AtMost: true);
        yield return new("sizeof(posix_spawnattr_t)", 1024, "GuestLauncher.Spawn's attr buffer", AtMost: true);
        yield return new("sizeof(posix_spawn_file_actions_t)", 256, "GuestLauncher.Spawn's actions buffer", AtMost: true);
        yield return new("sizeof(struct loop_config)", 304, "ContentStoreMount's loop_config");
        yield return new("offsetof(struct loop_config, info) + offsetof(struct loop_info64, lo_flags)", 8 + 52, "ContentStoreMount's lo_flags");
    }

    private static IEnumerable<Expectation> Constants() =>
    [
        new("SECCOMP_IOCTL_NOTIF_RECV", (long)Libc.SECCOMP_IOCTL_NOTIF_RECV, "Libc"),
        new("SECCOMP_IOCTL_NOTIF_SEND", (long)Libc.SECCOMP_IOCTL_NOTIF_SEND, "Libc"),
        new("SECCOMP_IOCTL_NOTIF_ID_VALID", (long)Libc.SECCOMP_IOCTL_NOTIF_ID_VALID, "Libc"),
        new("SECCOMP_IOCTL_NOTIF_ADDFD", (long)Libc.SECCOMP_IOCTL_NOTIF_ADDFD, "Libc"),
        new("SECCOMP_IOCTL_NOTIF_SET_FLAGS", (long)Libc.SECCOMP_IOCTL_NOTIF_SET_FLAGS, "Libc"),
        new("SECCOMP_FILTER_FLAG_NEW_LISTENER", Libc.SECCOMP_FILTER_FLAG_NEW_LISTENER, "Libc"),
        new("SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", Libc.SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV, "Libc"),
        new("SECCOMP_ADDFD_FLAG_SETFD", Libc.SECCOMP_ADDFD_FLAG_SETFD, "Libc"),
        new("SECCOMP_ADDFD_FLAG_SEND", Libc.SECCOMP_ADDFD_FLAG_SEND, "Libc"),
        new("SECCOMP_USER_NOTIF_FLAG_CONTINUE", Libc.SECCOMP_USER_NOTIF_FLAG_CONTINUE, "Libc"),
        new("SECCOMP_RET_KILL_PROCESS", FilterBuilder.SECCOMP_RET_KILL_PROCESS, "FilterBuilder"),
        new("SECCOMP_RET_USER_NOTIF", FilterBuilder.SECCOMP_RET_USER_NOTIF, "FilterBuilder"),
        new("SECCOMP_RET_TRACE", FilterBuilder.SECCOMP_RET_TRACE, "FilterBuilder"),
        new("SECCOMP_RET_ALLOW", FilterBuilder.SECCOMP_RET_ALLOW, "FilterBuilder"),
        new("AUDIT_ARCH_X86_64", FilterBuilder.AUDIT_ARCH_X86_64, "FilterBuilder"),
        new("BPF_LD | BPF_W | BPF_ABS", FilterBuilder.BPF_LD_W_ABS, "FilterBuilder"),
        new("BPF_JMP | BPF_JA", FilterBuilder.BPF_JA, "FilterBuilder"),
        new("BPF_JMP | BPF_JEQ | BPF_K", FilterBuilder.BPF_JEQ_K, "FilterBuilder"),
        new("BPF_JMP | BPF_JGE | BPF_K", FilterBuilder.BPF_JGE_K, "FilterBuilder"),
        new("BPF_JMP | BPF_JSET | BPF_K", FilterBuilder.BPF_JSET_K, "FilterBuilder"),
        new("BPF_RET | BPF_K", FilterBuilder.BPF_RET_K, "FilterBuilder"),
        new("BPF_MAXINSNS", FilterBuilder.BPF_MAXINSNS, "FilterBuilder"),
        new("PTRACE_CONT", Libc.PTRACE_CONT, "Libc"),
        new("PTRACE_GETREGS", Libc.PTRACE_GETREGS, "Libc"),
        new("PTRACE_SETREGS", Libc.PTRACE_SETREGS, "Libc"),
        new("PTRACE_SYSCALL", Libc.PTRACE_SYSCALL, "Libc"),
        new("PTRACE_SETOPTIONS", Libc.PTRACE_SETOPTIONS, "Libc"),
        new("PTRACE_GETEVENTMSG", Libc.PTRACE_GETEVENTMSG, "Libc"),
        new("PTRACE_GETSIGINFO", Libc.PTRACE_GETSIGINFO, "Libc"),
        new("PTRACE_SETSIGINFO", Libc.PTRACE_SETSIGINFO, "Libc"),
        new("PTRACE_SEIZE", Libc.PTRACE_SEIZE, "Libc"),
        new("PTRACE_INTERRUPT", Libc.PTRACE_INTERRUPT, "Libc"),
        new("PTRACE_LISTEN", Libc.PTRACE_LISTEN, "Libc"),
        new("PTRACE_O_TRACESYSGOOD", Libc.PTRACE_O_TRACESYSGOOD, "Libc"),
        new("PTRACE_O_TRACEFORK", Libc.PTRACE_O_TRACEFORK, "Libc"),
        new("PTRACE_O_TRACEVFORK", Libc.PTRACE_O_TRACEVFORK, "Libc"),
        new("PTRACE_O_TRACECLONE", Libc.PTRACE_O_TRACECLONE, "Libc"),
        new("PTRACE_O_TRACEEXEC", Libc.PTRACE_O_TRACEEXEC, "Libc"),
        new("PTRACE_O_TRACESECCOMP", Libc.PTRACE_O_TRACESECCOMP, "Libc"),
        new("PTRACE_O_EXITKILL", Libc.PTRACE_O_EXITKILL, "Libc"),
        new("PTRACE_EVENT_FORK", Libc.PTRACE_EVENT_FORK, "Libc"),
        new("PTRACE_EVENT_VFORK", Libc.PTRACE_EVENT_VFORK, "Libc"),
        new("PTRACE_EVENT_CLONE", Libc.PTRACE_EVENT_CLONE, "Libc"),
        new("PTRACE_EVENT_EXEC", Libc.PTRACE_EVENT_EXEC, "Libc"),
        new("PTRACE_EVENT_SECCOMP", Libc.PTRACE_EVENT_SECCOMP, "Libc"),
        new("PTRACE_EVENT_STOP", Libc.PTRACE_EVENT_STOP, "Libc"),
        new("WNOHANG", Libc.WNOHANG, "Libc"),
        new("__WALL", Libc.__WALL, "Libc"),
        new("POSIX_SPAWN_SETPGROUP", Libc.POSIX_SPAWN_SETPGROUP, "Libc"),
        new("POSIX_SPAWN_SETSIGDEF", Libc.POSIX_SPAWN_SETSIGDEF, "Libc"),
        new("POSIX_SPAWN_SETSIGMASK", Libc.POSIX_SPAWN_SETSIGMASK, "Libc"),
    ];

    /// <summary>Compiles a program printing each expression's value, one a line, runs it, and returns the values.</summary>
    private static async Task<long[]> AskTheCompiler(IReadOnlyList<Expectation> expectations)
    {
        using var dir = new TempDir("layout");
        var source = new StringBuilder(Headers).AppendLine("int main(void)").AppendLine("{");
        foreach (Expectation e in expectations) source.AppendLine(CultureInfo.InvariantCulture, $"    printf(\"%lld\\n\", (long long)({e.C}));");
        source.AppendLine("    return 0;").AppendLine("}");
        File.WriteAllText(dir.Combine("layout.c"), source.ToString());
        await HostTool.RunAsync("gcc", "gcc", ["-Wall", "-Werror", "-o", dir.Combine("layout"), dir.Combine("layout.c")]);
        string printed = await HostTool.RunAsync(dir.Combine("layout"), "(the compiled layout program)", []);
        return printed.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => long.Parse(line, CultureInfo.InvariantCulture)).ToArray();
    }

    private static async Task AssertAllHold(IEnumerable<Expectation> expectations)
    {
        // Arrange
        Expectation[] all = expectations.ToArray();

        // Act
        long[] c = await AskTheCompiler(all);

        // Assert
        Assert.Equal(all.Length, c.Length);
        var wrong = all.Zip(c).Where(p => p.First.AtMost ? p.Second > p.First.Ours : p.Second != p.First.Ours)
            .Select(p => $"{p.First.C} is {p.Second} in C, {(p.First.AtMost ? "more than " : "")}{p.First.Ours} in {p.First.Where}").ToList();
        Assert.True(wrong.Count == 0, string.Join("\n", wrong));
    }

    [Fact]
    public Task Every_struct_the_bridge_marshals_has_the_C_compilers_size_and_offsets() => AssertAllHold(Structs());

    [Fact]
    public Task Every_constant_the_bridge_passes_has_the_C_headers_value() => AssertAllHold(Constants());
}
