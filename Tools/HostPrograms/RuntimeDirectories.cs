using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using CliWrap;
using CliWrap.Buffered;

namespace UserKernel.Tools.HostPrograms;

/// <summary>
/// Directories a host program reads at run time that no ELF header names, such as a language's
/// standard library. They are found by asking the program itself, so they are right for
/// whatever build and layout the host has. Runs before any tracing starts (it starts host processes).
/// </summary>
public static partial class RuntimeDirectories
{
    /// <summary>
    /// The directories <paramref name="program"/> (a host path, symlinks allowed) needs copied whole:
    /// for a Python interpreter its standard library (which holds lib-dynload, the extension
    /// modules); nothing for programs this does not know.
    /// </summary>
    public static IReadOnlyList<string> For(string program)
    {
        string real = new FileInfo(program).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? program;
        return PythonName().IsMatch(Path.GetFileName(real)) ? AskPython(program) : [];
    }

    /// <summary>python, python3, python3.11 ...</summary>
    [GeneratedRegex(@"^python[0-9]*(\.[0-9]+)?$")]
    private static partial Regex PythonName();

    private static IReadOnlyList<string> AskPython(string python)
    {
        // -I: isolated, so the host's PYTHON* variables and user site directory do not change the answer.
        const string Script = "import sysconfig; print(sysconfig.get_path('stdlib')); print(sysconfig.get_path('platstdlib'))";
        BufferedCommandResult result;
        try
        {
            result = Cli.Wrap(python).WithArguments(["-I", "-c", Script])
                .WithValidation(CommandResultValidation.None)
                .ExecuteBufferedAsync().GetAwaiter().GetResult();
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new UsageException($"image from-host: could not run {python} to ask where its standard library is: {ex.Message}");
        }
        if (result.ExitCode != 0)
        {
            throw new UsageException($"image from-host: {python} could not say where its standard library is: {result.StandardError.Trim()}");
        }
        return result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(d => d.StartsWith('/') && Directory.Exists(d))
            .Distinct(StringComparer.Ordinal)
            .ToList();
    }
}
