using System;
using System.IO;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using CliWrap;
using CliWrap.Buffered;

namespace UserKernel.Tools.Tests;

/// <summary>One run of the real program: `dotnet exec userkernel.dll ARGS`, from the test output directory.</summary>
public sealed record UserKernelRun(int ExitCode, string StandardOutput, string StandardError)
{
    public static async Task<UserKernelRun> StartAsync(params string[] args)
    {
        string dll = Path.Combine(AppContext.BaseDirectory, "userkernel.dll");
        if (!File.Exists(dll)) throw new InvalidOperationException($"{dll} is missing; Tools.Tests must reference Tools/Tools.csproj");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        BufferedCommandResult result = await Cli.Wrap("dotnet")
            .WithArguments(["exec", dll, .. args])
            .WithValidation(CommandResultValidation.None)
            .ExecuteBufferedAsync(Encoding.UTF8, timeout.Token);
        return new UserKernelRun(result.ExitCode, result.StandardOutput, result.StandardError);
    }

    public override string ToString() =>
        $"exit status {ExitCode}\n--- stdout ---\n{StandardOutput}\n--- stderr ---\n{StandardError}--- end ---";
}
