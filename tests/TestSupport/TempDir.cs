using System;
using System.Diagnostics;
using System.IO;

namespace UserKernel.TestSupport;

/// <summary>A fresh directory under the system temp directory, deleted with everything in it on Dispose.</summary>
public sealed class TempDir : IDisposable
{
    /// <summary>Creates /tmp/userkernel-PREFIX-RANDOM.</summary>
    public TempDir(string prefix = "test")
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"userkernel-{prefix}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(Path);
    }

    /// <summary>The directory's absolute path.</summary>
    public string Path { get; }

    /// <summary>A path inside the directory (not created).</summary>
    public string Combine(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    /// <summary>Creates a subdirectory (and its parents) and returns its path.</summary>
    public string CreateDirectory(params string[] parts) => Directory.CreateDirectory(Combine(parts)).FullName;

    /// <summary>Deletes the directory tree.</summary>
    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
        catch (IOException)
        {
            // Names that are not UTF-8 cannot be deleted through .NET's string paths.
            using var rm = Process.Start("rm", ["-rf", "--", Path]);
            rm.WaitForExit();
        }
    }
}
