using System.Threading.Tasks;

namespace UserKernel.TestSupport;

/// <summary>Compiles guest C programs into static x86-64 executables with the host's gcc or musl-gcc.</summary>
public static class GuestCompiler
{
    /// <summary>Runs <c>gcc -static -pthread -O1 -o OUTPUT SOURCE</c>; throws naming gcc if it is missing or fails.</summary>
    public static Task CompileGlibcAsync(string source, string output) =>
        HostTool.RunAsync("gcc", "gcc", ["-static", "-pthread", "-O1", "-Wall", "-o", output, source]);

    /// <summary>Runs <c>musl-gcc -static -pthread -O1 -o OUTPUT SOURCE</c>; throws naming musl-gcc if it is missing or fails.</summary>
    public static Task CompileMuslAsync(string source, string output) =>
        HostTool.RunAsync("musl-gcc", "musl-tools", ["-static", "-pthread", "-O1", "-Wall", "-o", output, source]);
}
