using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using UserKernel.Kernel.Abi;
using UserKernel.Kernel.Guest;
using UserKernel.Kernel.Loader;
using Xunit;

namespace UserKernel.Kernel.Tests;

/// <summary>The batch of injected calls an exec makes: its records as the stub's runner reads them, and what passes between calls.</summary>
public class SyscallBatchTests
{
    private const int NR_mmap = (int)Sysno.mmap, NR_close = (int)Sysno.close, NR_prctl = (int)Sysno.prctl;

    [Fact]
    public void Records_are_laid_out_as_the_stub_runner_reads_them()
    {
        // Arrange
        var batch = new SyscallBatch();
        batch.Add(NR_mmap, BatchFlags.FdInR8 | BatchFlags.AddBase0, 1, 2, 3, 4, 5, 6);

        // Act
        byte[] record = batch.Encode(0, 1);

        // Assert: number, six arguments, flags; the runner tests the flag byte at 56
        Assert.Equal(SyscallBatch.RecordSize, record.Length);
        ulong Word(int i) => BinaryPrimitives.ReadUInt64LittleEndian(record.AsSpan(i * 8));
        Assert.Equal((ulong)NR_mmap, Word(0));
        for (int i = 1; i <= 6; i++) Assert.Equal((ulong)i, Word(i));
        Assert.Equal((ulong)(BatchFlags.FdInR8 | BatchFlags.AddBase0), Word(7));
    }

    [Fact]
    public void Stub_runner_addresses_are_past_its_syscall_and_its_int3()
    {
        byte[] stub = StubProgram.Build();

        byte At(ulong address) => stub[(int)(address - StubProgram.Base)];

        Assert.Equal(0x0f, At(StubProgram.BatchCallAddress - 2));
        Assert.Equal(0x05, At(StubProgram.BatchCallAddress - 1));
        Assert.Equal(0xcc, At(StubProgram.BatchTrapAddress - 1));
        Assert.Equal(0x0f, At(StubProgram.TrampolineAddress));
    }

    [Fact]
    public void The_descriptor_and_the_bases_pass_between_calls_and_the_first_failure_ends_the_batch()
    {
        // Arrange: install, reserve (base 0), a file mapping relative to it, close, then a failing call and one never made
        var thread = new RecordingThread();
        var batch = new SyscallBatch();
        batch.Install(kernelFd: 42);
        batch.Add(NR_mmap, BatchFlags.SaveBase0, 0x5555_0000_0000, 0x3000);
        batch.Add(NR_mmap, BatchFlags.FdInR8 | BatchFlags.AddBase0, 0x1000, 0x1000, 5, 0x12, 0, 0);
        batch.Add(NR_close, BatchFlags.FdInRdi);
        int failing = batch.Add(NR_prctl, BatchFlags.None, 99);
        batch.Add(NR_close, BatchFlags.None, 1);
        var state = new BatchState();

        // Act
        Errno e = batch.Run(thread, ref state);

        // Assert
        Assert.Equal(Errno.OK, e);
        Assert.Equal(failing, state.Next);
        Assert.Equal(-(long)Errno.EINVAL, state.Result);
        Assert.Equal(7UL, state.Fd);
        Assert.Equal(0x5555_0000_0000UL, state.Base0);
        Assert.Equal(
            [
                "install 42",
                $"{NR_mmap}(0x555500000000, 0x3000, 0x0, 0x0, 0x0, 0x0)",
                $"{NR_mmap}(0x555500001000, 0x1000, 0x5, 0x12, 0x7, 0x0)",
                $"{NR_close}(0x7, 0x0, 0x0, 0x0, 0x0, 0x0)",
                $"{NR_prctl}(0x63, 0x0, 0x0, 0x0, 0x0, 0x0)",
            ], thread.Calls);
    }

    [Fact]
    public void A_call_stopped_in_seccomp_matches_only_the_kernels_record()
    {
        var batch = new SyscallBatch();
        batch.Install(kernelFd: 42);
        batch.Add(NR_mmap, BatchFlags.FdInR8 | BatchFlags.AddBase1, 0x1000, 0x1000, 5, 0x12, 0, 0);
        var state = new BatchState { Fd = 3, Base1 = 0x7f00_0000_0000 };

        Assert.True(batch.Matches(1, state, NR_mmap, 0x7f00_0000_1000, 0x1000, 5, 0x12, 3, 0));
        Assert.False(batch.Matches(1, state, NR_mmap, 0x7f00_0000_1000, 0x1000, 7, 0x12, 3, 0)); // another protection
        Assert.False(batch.Matches(1, state, (int)Sysno.execve, 0x7f00_0000_1000, 0x1000, 5, 0x12, 3, 0));
        Assert.False(batch.Matches(0, state, SyscallBatch.InstallCall, 0, 0, 0, 0, 0, 0)); // installs never stop there
        Assert.False(batch.Matches(2, state, NR_mmap, 0, 0, 0, 0, 0, 0)); // past the end
    }

    /// <summary>A thread without a batch runner: the batch falls back to one injected call at a time, recorded here.</summary>
    private sealed class RecordingThread : IGuestThread
    {
        // What the batch never asks (descriptors, limits, the stack) comes from a thread with no host process.
        private readonly FakeGuestThread rest = new(Environment.ProcessId);

        public List<string> Calls { get; } = [];
        public IGuestDescriptors Descriptors => rest;
        public int TerminalNumber => rest.TerminalNumber;
        public int ForegroundGroup => rest.ForegroundGroup;
        public (ulong Dev, ulong Ino)? Executable => rest.Executable;
        public bool IsDying => rest.IsDying;
        public Rlimit? GetLimit(int resource) => rest.GetLimit(resource);
        public bool SetLimit(int resource, Rlimit limit) => rest.SetLimit(resource, limit);
        public bool FindStack(out ulong start, out ulong end) => rest.FindStack(out start, out end);
        public int HostTid => Environment.ProcessId;
        public IGuestMemory Memory { get; } = new FakeGuestMemory();
        public ulong StackPointer => 0;
        public string ProcText(GuestProcFile file) => rest.ProcText(file);

        public long InjectSyscall(int number, ulong a0 = 0, ulong a1 = 0, ulong a2 = 0, ulong a3 = 0, ulong a4 = 0, ulong a5 = 0)
        {
            Calls.Add($"{number}(0x{a0:x}, 0x{a1:x}, 0x{a2:x}, 0x{a3:x}, 0x{a4:x}, 0x{a5:x})");
            return number == NR_prctl ? -(long)Errno.EINVAL : number == NR_mmap && (a3 & 0x10) == 0 ? (long)a0 : 0;
        }

        public long InstallDescriptor(int kernelFd, bool closeOnExec)
        {
            Calls.Add($"install {kernelFd}");
            return 7;
        }

        public void SetStartRegisters(ulong instructionPointer, ulong stackPointer) { }
        public Result<int> DuplicateDescriptor(int guestFd) => Errno.EBADF;
    }
}
