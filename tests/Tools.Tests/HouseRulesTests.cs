using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using UserKernel.TestSupport;
using Xunit;

namespace UserKernel.Tools.Tests;

/// <summary>STYLE.md's rules a machine can check over the sources: where unsafe code and P/Invoke may live.</summary>
public class HouseRulesTests
{
    private static readonly string[] Projects = ["Kernel", "SyscallBridge", "RootFs", "Tools", "tests", "examples"];

    private static string[] Sources() => Projects
        .SelectMany(p => Directory.EnumerateFiles(Path.Combine(Repository.Root, p), "*.cs", SearchOption.AllDirectories))
        .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}") && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}"))
        .ToArray();

    private static bool InInterop(string file) => file.Contains($"{Path.DirectorySeparatorChar}Interop{Path.DirectorySeparatorChar}");

    private static string Relative(string file) => Path.GetRelativePath(Repository.Root, file);

    [Fact]
    public void Unsafe_code_lives_only_in_Unsafe_files_and_Interop()
    {
        var unsafeWord = new Regex(@"\bunsafe\b");
        string[] offending = Sources()
            .Where(f => !f.EndsWith(".Unsafe.cs", System.StringComparison.Ordinal) && !InInterop(f) && !f.EndsWith("HouseRulesTests.cs", System.StringComparison.Ordinal))
            .Where(f => File.ReadLines(f).Any(line => !line.TrimStart().StartsWith("//", System.StringComparison.Ordinal) && unsafeWord.IsMatch(line)))
            .Select(Relative).ToArray();

        Assert.True(offending.Length == 0, "unsafe outside *.Unsafe.cs and Interop/: " + string.Join(", ", offending));
    }

    [Fact]
    public void PInvoke_declarations_live_only_in_Interop()
    {
        string[] offending = Sources()
            .Where(f => !InInterop(f) && !f.EndsWith("HouseRulesTests.cs", System.StringComparison.Ordinal))
            .Where(f => File.ReadLines(f).Any(line => line.Contains("[LibraryImport(") || line.Contains("[DllImport(")))
            .Select(Relative).ToArray();

        Assert.True(offending.Length == 0, "P/Invoke outside Interop/: " + string.Join(", ", offending));
    }
}
