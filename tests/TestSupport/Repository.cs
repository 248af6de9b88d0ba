using System;
using System.IO;

namespace UserKernel.TestSupport;

/// <summary>The checkout the tests run from.</summary>
public static class Repository
{
    /// <summary>The folder holding UserKernel.sln, found by walking up from the test's base directory.</summary>
    public static string Root { get; } = Find();

    private static string Find()
    {
        for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "UserKernel.sln"))) return dir.FullName;
        throw new InvalidOperationException($"no UserKernel.sln above {AppContext.BaseDirectory}");
    }
}
