using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using System.Text.RegularExpressions;
using System.Threading;
using System.Threading.Tasks;
using CliWrap;
using CliWrap.Buffered;
using UserKernel.TestSupport;
using Xunit;

namespace UserKernel.Tools.Tests;

/// <summary>
/// docs/extensions.md followed as a newcomer would: section 1's shell blocks run in order in one shell started at the root of
/// the checkout, each C# block whose first line is "// file: PATH" written to PATH at its place among them, and the last
/// command's output compared with the text block after it. It builds the extension with the doc's own commands and runs it
/// through ./userkernel (so it shares the launcher's collection: two launcher builds must not run at once).
/// </summary>
[Collection("launcher")]
public class ExtensionGuideTests
{
    private static readonly Regex Block = new(@"^```(\w*)\n(.*?)^```\n", RegexOptions.Multiline | RegexOptions.Singleline);

    /// <summary>The script section 1 makes, and the output it says the last command prints.</summary>
    internal static (string Script, string Expected) FirstSection(string markdown)
    {
        int start = markdown.IndexOf("## 1.", StringComparison.Ordinal), end = markdown.IndexOf("## 2.", StringComparison.Ordinal);
        if (start < 0 || end < start) throw new InvalidOperationException("docs/extensions.md has no section 1 followed by a section 2");
        var script = new StringBuilder("set -euo pipefail\n");
        string expected = "";
        foreach (Match m in Block.Matches(markdown[start..end]))
        {
            string language = m.Groups[1].Value, body = m.Groups[2].Value;
            if (language == "sh") script.Append(body);
            else if (language == "csharp" && body.StartsWith("// file: ", StringComparison.Ordinal))
            {
                string path = body[9..body.IndexOf('\n')].Trim();
                script.Append($"mkdir -p \"$(dirname '{path}')\"\ncat > '{path}' <<'USERKERNEL_GUIDE_EOF'\n{body}USERKERNEL_GUIDE_EOF\n");
            }
            else if (language == "text" && expected.Length == 0) expected = body;
        }
        return (script.ToString(), expected);
    }

    [Fact]
    public void The_guide_has_commands_a_file_and_an_expected_output()
    {
        (string script, string expected) = FirstSection(File.ReadAllText(Path.Combine(Repository.Root, "docs", "extensions.md")));

        Assert.Contains("dotnet new classlib", script);
        Assert.Contains("cat > 'HelloFs/HelloFs.cs'", script);
        Assert.Contains("--extension HelloFs/bin/Debug/net10.0/HelloFs.dll", script);
        Assert.Contains("hello from a filesystem written in C#", expected);
    }

    [Fact]
    public async Task The_guide_builds_and_runs_its_extension_as_written()
    {
        (string script, string expected) = FirstSection(File.ReadAllText(Path.Combine(Repository.Root, "docs", "extensions.md")));
        using var temp = new TempDir("guide");
        File.WriteAllText(temp.Combine("guide.sh"), script);

        BufferedCommandResult run = await Cli.Wrap("bash").WithArguments([temp.Combine("guide.sh")])
            .WithWorkingDirectory(Repository.Root)
            .WithEnvironmentVariables(e => e.Set("TMPDIR", temp.Path).Set("TERM", "dumb"))
            .WithValidation(CommandResultValidation.None)
            .ExecuteBufferedAsync(new CancellationTokenSource(TimeSpan.FromMinutes(10)).Token);

        Assert.True(run.ExitCode == 0, $"exit {run.ExitCode}\n{run.StandardOutput}\n{run.StandardError}");
        Assert.EndsWith(expected, run.StandardOutput);
    }
}
