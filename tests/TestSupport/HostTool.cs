using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading.Tasks;
using CliWrap;
using CliWrap.Buffered;

namespace UserKernel.TestSupport;

/// <summary>
/// Runs host programs (mke2fs, debugfs, gcc …) for tests. A missing tool or a failed run throws
/// with a message naming the tool, so the test fails saying what to install.
/// </summary>
public static class HostTool
{
    // Root-only tools live in sbin, which is not on every PATH.
    private static readonly string[] ExtraDirectories = ["/usr/local/sbin", "/usr/sbin", "/sbin"];

    /// <summary>The absolute path of <paramref name="tool"/>; throws naming the tool and its package if it is missing.</summary>
    public static string Locate(string tool, string package)
    {
        var path = Environment.GetEnvironmentVariable("PATH") ?? "";
        foreach (var directory in path.Split(':', StringSplitOptions.RemoveEmptyEntries).Concat(ExtraDirectories))
        {
            var candidate = Path.Combine(directory, tool);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }
        throw new InvalidOperationException($"host tool '{tool}' is not installed (install {package}); this test needs it");
    }

    /// <summary>
    /// Runs the tool and returns its standard output. Throws with the command line and standard
    /// error if it exits with a code not in <paramref name="okExitCodes"/> (default: only 0).
    /// </summary>
    public static async Task<string> RunAsync(string tool, string package, IEnumerable<string> arguments, params int[] okExitCodes)
    {
        var args = arguments.ToArray();
        var result = await Cli.Wrap(Locate(tool, package))
            .WithArguments(args)
            .WithValidation(CommandResultValidation.None)
            .ExecuteBufferedAsync(Encoding.UTF8);
        var ok = okExitCodes.Length == 0 ? [0] : okExitCodes;
        if (!ok.Contains(result.ExitCode))
        {
            throw new InvalidOperationException(
                $"{tool} {string.Join(' ', args)} exited with {result.ExitCode}: {result.StandardError.Trim()} {result.StandardOutput.Trim()}");
        }
        return result.StandardOutput;
    }
}
