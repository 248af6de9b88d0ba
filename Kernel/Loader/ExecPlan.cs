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
    public required string ProgramHostPath { get; init; }
    public Dentry? Interpreter { get; init; }
    public ElfFile? InterpreterElf { get; init; }
    public string? InterpreterHostPath { get; init; }

    /// <summary>For #! scripts: what replaces argv[0] (interpreter, optional argument, script path).</summary>
    public List<byte[]>? ArgvPrefix { get; init; }

    /// <summary>AT_EXECFN: the path as the guest passed it to execve.</summary>
    public required byte[] ExecFn { get; init; }
}
