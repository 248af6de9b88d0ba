using System;
using System.IO;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using CliWrap;
using UserKernel.TestSupport;
using Xunit;

namespace UserKernel.EndToEnd.Tests;

/// <summary>
/// An interactive guest shell on a pseudo-terminal (made by script(1)): Ctrl-C stops the foreground job, not
/// the shell; Ctrl-Z stops it and `fg` brings it back. This needs the terminal's foreground process group to
/// be the guest's, and the shell's TIOCSPGRP/TIOCGPGRP to be translated between guest and host pids.
/// </summary>
[Collection(GuestImageCollection.Name)]
public sealed class InteractiveShellTests
{
    private readonly GuestImage image;

    public InteractiveShellTests(GuestImage image) { this.image = image; }

    [Fact]
    public async Task Job_control_works_on_a_terminal()
    {
        // Act
        (int exitCode, string text) = await DriveJobControlAsync(image.Image, "/bin/sh -i", "# ");

        // Assert
        Assert.True(exitCode == 0, "exit status " + exitCode + "\n" + text);
        Assert.Contains("alive 130", text);
        Assert.Matches(@"\[1\]\+ +Stopped +sleep 30", text);
        Assert.Contains("back 130", text);
    }

    /// <summary>
    /// Types into SHELL on a pseudo-terminal: a job interrupted by Ctrl-C, then one stopped by Ctrl-Z, brought back
    /// with fg and interrupted; returns userkernel's exit status and everything the terminal showed.
    /// </summary>
    internal static Task<(int ExitCode, string Text)> DriveJobControlAsync(string imagePath, string shell, string prompt) =>
        OnTerminalAsync(["--image", imagePath, "--", .. shell.Split(' ')], async (screen, type) =>
        {
            await screen.WaitFor(prompt, 1);
            await type("sleep 30\n");
            await screen.WaitFor("sleep 30", 1);
            await Task.Delay(500);
            await type("\x03");                       // Ctrl-C: SIGINT to the foreground job
            await screen.WaitFor(prompt, 2);
            await type("echo alive $?\n");
            await screen.WaitFor("alive 130", 1);
            await type("sleep 30\n");
            await screen.WaitFor("sleep 30", 2);
            await Task.Delay(500);
            await type("\x1a");                       // Ctrl-Z: the job stops, the shell takes the terminal back
            await screen.WaitFor("Stopped", 1);
            await type("fg\n");
            await screen.WaitFor("sleep 30", 4);          // typed twice, "Stopped sleep 30", and fg names it
            await Task.Delay(500);
            await type("\x03");
            await screen.WaitFor(prompt, 5);
            await type("echo back $?\n");
            await screen.WaitFor("back 130", 1);
            await type("exit\n");
        });

    /// <summary>
    /// Runs `userkernel run RUNARGS` on a pseudo-terminal made by script(1) while <paramref name="keyboard"/> watches
    /// the screen and types; returns userkernel's exit status and everything the terminal showed.
    /// </summary>
    internal static async Task<(int ExitCode, string Text)> OnTerminalAsync(string[] runArguments, Func<Screen, Func<string, Task>, Task> keyboard)
    {
        var screen = new Screen();
        string command = $"dotnet exec {Runner.UserKernelDll} run {string.Join(' ', runArguments)}";
        PipeSource input = PipeSource.Create(async (stream, ct) =>
            await keyboard(screen, async keys => { await stream.WriteAsync(Encoding.ASCII.GetBytes(keys), ct); await stream.FlushAsync(ct); }));

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        CommandResult result = await Cli.Wrap(HostTool.Locate("script", "bsdutils"))
            .WithArguments(["-qfc", command, "/dev/null"])
            .WithStandardInputPipe(input)
            .WithStandardOutputPipe(PipeTarget.Create(screen.ReadAsync))
            .WithValidation(CommandResultValidation.None)
            .ExecuteAsync(timeout.Token);
        return (result.ExitCode, screen.Text);
    }

    /// <summary>What the terminal showed so far, and a way to wait until some text has appeared N times.</summary>
    internal sealed class Screen
    {
        private readonly StringBuilder text = new();
        private readonly SemaphoreSlim changed = new(0);

        public string Text { get { lock (text) return text.ToString(); } }

        public async Task ReadAsync(Stream output, CancellationToken ct)
        {
            byte[] buffer = new byte[4096];
            int n;
            while ((n = await output.ReadAsync(buffer, ct)) > 0)
            {
                lock (text) text.Append(Encoding.UTF8.GetString(buffer, 0, n));
                changed.Release();
            }
        }

        public async Task WaitFor(string what, int times, int seconds = 20)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));
            while (Count(what) < times)
            {
                try { await changed.WaitAsync(timeout.Token); }
                catch (OperationCanceledException) { throw new TimeoutException($"waited for \"{what}\" x{times}; the terminal shows:\n{Text}"); }
            }
        }

        private int Count(string what)
        {
            string s = Text;
            int count = 0;
            for (int i = s.IndexOf(what, StringComparison.Ordinal); i >= 0; i = s.IndexOf(what, i + what.Length, StringComparison.Ordinal)) count++;
            return count;
        }
    }
}
