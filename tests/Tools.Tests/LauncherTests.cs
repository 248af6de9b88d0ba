using System;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using CliWrap;
using CliWrap.Buffered;
using UserKernel.TestSupport;
using Xunit;

namespace UserKernel.Tools.Tests;

/// <summary>
/// The README's first command, through the launcher a user runs: it builds the NativeAOT program (the tests run the
/// Debug build, so this is where the trimmed native build is run at all) and runs a guest with it.
/// </summary>
[Collection("launcher")]
public class LauncherTests
{
    private static async Task<BufferedCommandResult> LauncherAsync(params string[] args) =>
        await Cli.Wrap(Path.Combine(Repository.Root, "userkernel")).WithArguments(args)
            .WithValidation(CommandResultValidation.None)
            .ExecuteBufferedAsync(new CancellationTokenSource(TimeSpan.FromMinutes(10)).Token);

    [Fact]
    public async Task The_launcher_builds_the_native_program_and_runs_the_READMEs_command()
    {
        // Act
        BufferedCommandResult run = await LauncherAsync("run", "--", "sh", "-c", "echo hello from the guest; uname -s; exit 7");
        BufferedCommandResult syscalls = await LauncherAsync("syscalls", "--format=json");

        // Assert
        string built = Path.Combine(Repository.Root, ".build", "userkernel");
        Assert.True(!File.Exists(Path.Combine(built, "userkernel.dll")),
            "the launcher fell back to ReadyToRun: the NativeAOT build failed (it needs clang and lld); see .build/build.log");
        Assert.True(run.ExitCode == 7, $"exit {run.ExitCode}\n{run.StandardOutput}{run.StandardError}");
        Assert.Equal("hello from the guest\nLinux\n", run.StandardOutput);
        // The table's JSON and its handler names (delegate metadata) survive trimming.
        Assert.True(syscalls.ExitCode == 0, syscalls.StandardError);
        Assert.Contains("\"handler\": \"Openat\"", syscalls.StandardOutput);
    }
}
