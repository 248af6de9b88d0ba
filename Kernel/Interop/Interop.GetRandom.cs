using System;
using System.Runtime.InteropServices;

namespace UserKernel.Kernel;

internal static partial class Interop
{
    internal static partial class Libc
    {
        [LibraryImport("libc", EntryPoint = "getrandom", SetLastError = true)]
        private static unsafe partial nint getrandom(byte* buffer, nuint length, uint flags);

        /// <summary>
        /// getrandom(2) from the host's urandom source: bytes as unpredictable as RandomNumberGenerator's, without
        /// loading OpenSSL, which is what that class does on Linux and what cost an exec some 10 ms the first time.
        /// Fewer than 256 bytes are never cut short once the pool is ready; false if the host fails the call.
        /// </summary>
        internal static unsafe bool GetRandom(Span<byte> into)
        {
            fixed (byte* p = into)
            {
                nint n = getrandom(p, (nuint)into.Length, 0);
                return n == into.Length;
            }
        }
    }
}
