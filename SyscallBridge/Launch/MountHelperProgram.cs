using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Text;
using UserKernel.Kernel.Abi;
using UserKernel.Kernel.Loader;

namespace UserKernel.SyscallBridge.Launch;

/// <summary>
/// A tiny static program the kernel generates to mount the content store's filesystem in a mount namespace of its own,
/// without ptrace and without forking the runtime: it makes a few syscalls in a row (optionally unshare(CLONE_NEWUSER)
/// first, then waits for the kernel to write its id maps), records each result in a slot, writes the slots to fd 3 and
/// waits in pause() until the kernel has taken the mount's descriptor (pidfd_getfd) and killed it.
/// <code>
/// [unshare(CLONE_NEWUSER); write(3, slot0, 8); read(4, go, 1)]
/// unshare(CLONE_NEWNS); mount("none", "/", NULL, MS_REC|MS_PRIVATE, NULL); mount(source, target, type, flags, data);
/// open(target, O_PATH|O_DIRECTORY|O_CLOEXEC); write(3, slots, 40); for (;;) pause();
/// </code>
/// A failing step ends the row at once; its slot holds -errno and the later ones "not reached".
/// </summary>
internal static class MountHelperProgram
{
    public const int Steps = 5;

    /// <summary>What a slot holds for a step the program never reached.</summary>
    public const long NotReached = long.MaxValue;

    private const ulong Base = 0x4000_0000, DataAddress = Base + 0x1000;
    private const int CodeOffset = 0x200, DataSize = 0x1000;
    private const int NR_read = (int)Sysno.read, NR_write = (int)Sysno.write, NR_open = (int)Sysno.open, NR_pause = (int)Sysno.pause,
        NR_mount = (int)Sysno.mount, NR_unshare = (int)Sysno.unshare;
    private const ulong CLONE_NEWNS = 0x20000, CLONE_NEWUSER = 0x10000000;
    private const ulong MS_NOSUID = 2, MS_NODEV = 4, MS_REC = 0x4000, MS_PRIVATE = 1 << 18;
    private const ulong O_PATH_DIRECTORY_CLOEXEC = 0x200000 | 0x10000 | 0x80000;

    /// <summary>The ELF image for one mount of <paramref name="type"/> from <paramref name="source"/> on <paramref name="target"/>.</summary>
    public static byte[] Build(string source, string target, string type, string? data, bool newUserNamespace)
    {
        // The data page: the slots, a byte to read "go" into, then the strings.
        var page = new byte[DataSize];
        for (int i = 0; i < Steps; i++) BinaryPrimitives.WriteInt64LittleEndian(page.AsSpan(8 * i), NotReached);
        int next = 8 * Steps + 8;
        ulong Text(string s)
        {
            ulong at = DataAddress + (ulong)next;
            byte[] bytes = Encoding.UTF8.GetBytes(s + "\0");
            if (next + bytes.Length > DataSize) throw new ArgumentException("the mount's strings are too long");
            bytes.CopyTo(page, next);
            next += bytes.Length;
            return at;
        }
        ulong none = Text("none"), slash = Text("/"), src = Text(source), tgt = Text(target), fstype = Text(type);
        ulong options = data == null ? 0 : Text(data);
        ulong go = DataAddress + 8 * Steps;

        var code = new Code();
        if (newUserNamespace)
        {
            code.Step(0, NR_unshare, CLONE_NEWUSER);
            code.Call(NR_write, 3, DataAddress, 8);   // tell the kernel to write the id maps
            code.Call(NR_read, 4, go, 1);             // and wait until it has
        }
        code.Step(1, NR_unshare, CLONE_NEWNS);
        // Private first, so the mount below propagates nowhere (a root's new namespace starts sharing the host's).
        code.Step(2, NR_mount, none, slash, 0, MS_REC | MS_PRIVATE, 0);
        code.Step(3, NR_mount, src, tgt, fstype, MS_NOSUID | MS_NODEV, options);
        code.Step(4, NR_open, tgt, O_PATH_DIRECTORY_CLOEXEC);
        code.Report(NR_write, 3, DataAddress, 8 * Steps, NR_pause);

        // The data page's file offset must be page-aligned, as its address is.
        if (CodeOffset + code.Bytes.Count > 0x1000) throw new InvalidOperationException("the mount helper's code outgrew its page");
        byte[] elf = new byte[0x1000];
        Span<byte> e = elf;
        "\x7f\x45\x4c\x46\x02\x01\x01"u8.CopyTo(e);
        BinaryPrimitives.WriteUInt16LittleEndian(e[16..], 2);   // ET_EXEC
        BinaryPrimitives.WriteUInt16LittleEndian(e[18..], 62);  // EM_X86_64
        BinaryPrimitives.WriteUInt32LittleEndian(e[20..], 1);
        BinaryPrimitives.WriteUInt64LittleEndian(e[24..], Base + CodeOffset);
        BinaryPrimitives.WriteUInt64LittleEndian(e[32..], 64);  // e_phoff
        BinaryPrimitives.WriteUInt16LittleEndian(e[52..], 64);
        BinaryPrimitives.WriteUInt16LittleEndian(e[54..], 56);
        BinaryPrimitives.WriteUInt16LittleEndian(e[56..], 2);
        code.Bytes.CopyTo(elf, CodeOffset);
        byte[] image = new byte[elf.Length + page.Length];
        elf.CopyTo(image, 0);
        page.CopyTo(image, elf.Length);
        StubProgram.WritePhdr(image.AsSpan(64), 5 /* R+X */, 0, Base, (ulong)elf.Length, (ulong)elf.Length);
        StubProgram.WritePhdr(image.AsSpan(120), 6 /* R+W */, (ulong)elf.Length, DataAddress, (ulong)page.Length, (ulong)page.Length);
        return image;
    }

    /// <summary>The handful of x86-64 instructions the program is made of.</summary>
    private sealed class Code
    {
        private readonly List<int> jumpsToReport = new();

        public List<byte> Bytes { get; } = new();

        /// <summary>A syscall with up to five arguments.</summary>
        public void Call(int nr, ulong a0 = 0, ulong a1 = 0, ulong a2 = 0, ulong a3 = 0, ulong a4 = 0)
        {
            Bytes.Add(0xB8); Imm32((uint)nr);                       // mov eax, nr
            Bytes.AddRange([0x48, 0xBF]); Imm64(a0);                // mov rdi, a0
            Bytes.AddRange([0x48, 0xBE]); Imm64(a1);                // mov rsi, a1
            Bytes.AddRange([0x48, 0xBA]); Imm64(a2);                // mov rdx, a2
            Bytes.AddRange([0x49, 0xBA]); Imm64(a3);                // mov r10, a3
            Bytes.AddRange([0x49, 0xB8]); Imm64(a4);                // mov r8, a4
            Bytes.AddRange([0x0F, 0x05]);                           // syscall
        }

        /// <summary>A syscall whose result goes to slot <paramref name="slot"/>; a negative one ends the row.</summary>
        public void Step(int slot, int nr, ulong a0 = 0, ulong a1 = 0, ulong a2 = 0, ulong a3 = 0, ulong a4 = 0)
        {
            Call(nr, a0, a1, a2, a3, a4);
            Bytes.AddRange([0x48, 0xA3]); Imm64(DataAddress + (ulong)(8 * slot)); // mov [slot], rax
            Bytes.AddRange([0x48, 0x85, 0xC0]);                    // test rax, rax
            Bytes.AddRange([0x0F, 0x88]);                           // js report
            jumpsToReport.Add(Bytes.Count);
            Imm32(0);
        }

        /// <summary>report: write the slots; then pause for good.</summary>
        public void Report(int nrWrite, ulong fd, ulong slots, ulong length, int nrPause)
        {
            int report = Bytes.Count;
            foreach (int at in jumpsToReport) BinaryPrimitives.WriteInt32LittleEndian(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(Bytes).Slice(at, 4), report - (at + 4));
            Call(nrWrite, fd, slots, length);
            int loop = Bytes.Count;
            Bytes.Add(0xB8); Imm32((uint)nrPause);                  // mov eax, pause
            Bytes.AddRange([0x0F, 0x05]);                           // syscall
            Bytes.Add(0xEB); Bytes.Add((byte)(sbyte)(loop - (Bytes.Count + 1))); // jmp loop
        }

        private void Imm32(uint v) { for (int i = 0; i < 4; i++) Bytes.Add((byte)(v >> (8 * i))); }

        private void Imm64(ulong v) { for (int i = 0; i < 8; i++) Bytes.Add((byte)(v >> (8 * i))); }
    }
}
