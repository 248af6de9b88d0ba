using System.Collections.Generic;
using UserKernel.Kernel.Vfs;

namespace UserKernel.Kernel.Loader;

/// <summary>
/// What execve decided before handing the thread to the host: the program and interpreter to map, and how
/// #! scripts rewrite argv. The loader carries it out once the host exec of the stub has returned.
/// </summary>
public sealed class ExecPlan
{
    public required Dentry Program { get; init; }
    public required ElfFile Elf { get; init; }
    public Dentry? Interpreter { get; init; }
    public ElfFile? InterpreterElf { get; init; }

    /// <summary>The guest's descriptor of the stub the host executes (close-on-exec; closed by the kernel if the exec fails).</summary>
    public int StubGuestFd { get; set; } = -1;

    /// <summary>The guest's own call (execve or execveat) and its arguments, given back if the reissued exec fails.</summary>
    public int GuestNumber { get; set; }
    public ulong[] GuestArguments { get; } = new ulong[6];

    /// <summary>How the tracer printed the guest's call.</summary>
    public string?[]? TracedArguments { get; set; }

    /// <summary>The kernel has reissued the call as execveat of the stub; the next stop of the thread should be it.</summary>
    public bool Reissued { get; set; }

    /// <summary>For #! scripts: what replaces argv[0] (interpreter, optional argument, script path).</summary>
    public List<byte[]>? ArgvPrefix { get; init; }

    /// <summary>AT_EXECFN: the path as the guest passed it to execve.</summary>
    public required byte[] ExecFn { get; init; }

    /// <summary>
    /// The process's new name (comm): the last component of the path given, or, for execveat relative to a descriptor,
    /// the file's own name (Linux 6.14 on); at most 15 bytes.
    /// </summary>
    public required byte[] Comm { get; init; }

    /// <summary>Where the loader put the program's argument strings, environment strings and auxiliary vector (for /proc).</summary>
    public StackAreas Areas { get; set; }
}
