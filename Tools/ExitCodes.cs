namespace UserKernel.Tools;

/// <summary>Exit statuses of userkernel itself; a guest's own status passes through unchanged.</summary>
public static class ExitCodes
{
    /// <summary>userkernel could not do what it was asked (bad option, bad image, no such command), as docker run uses 125.</summary>
    public const int RunnerError = 125;
}

/// <summary>An error of userkernel itself: one line for the user, exit status 125.</summary>
public sealed class UsageException : System.Exception
{
    public UsageException(string message) : base(message) { }
}
