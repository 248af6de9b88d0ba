using System;

namespace UserKernel.RootFs.Image;

/// <summary>
/// The one exception for a bad image: missing, truncated, corrupt or using a feature we cannot read.
/// The message is a single line that names the problem, fit to show a user as is.
/// </summary>
public sealed class ImageFormatException : Exception
{
    /// <summary>Creates the exception with a one-line message.</summary>
    public ImageFormatException(string message) : base(message) { }

    /// <summary>Creates the exception with a one-line message and the I/O error behind it.</summary>
    public ImageFormatException(string message, Exception inner) : base(message, inner) { }

    /// <summary>Formats a byte count the way our messages print sizes: "8 MiB", "1.5 KiB", "700 bytes".</summary>
    public static string FormatSize(long bytes)
    {
        string[] units = ["KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
        if (bytes < 1024)
        {
            return bytes + " bytes";
        }
        double value = bytes;
        int unit = -1;
        while (value >= 1024 && unit < units.Length - 1)
        {
            value /= 1024;
            unit++;
        }
        return value.ToString(value == Math.Floor(value) ? "0" : "0.#", System.Globalization.CultureInfo.InvariantCulture)
            + " " + units[unit];
    }
}
