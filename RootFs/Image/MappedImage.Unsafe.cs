using System;

namespace UserKernel.RootFs.Image;

// The mapping's base pointer: spans over it cost nothing, where the accessor's Read methods
// would copy. Bounds are checked by Slice before View is reached.
public sealed unsafe partial class MappedImage
{
    private byte* _base;

    private const uint S_IFMT = 0xF000, S_IFREG = 0x8000, S_IFBLK = 0x6000;

    /// <summary>
    /// The file type bits of <paramref name="path"/> (its mode's S_IFMT), or null if stat(2) fails. Through Tmds.LibC,
    /// whose libc a run has loaded anyway: Mono.Unix's own native library would cost a run its load and a millisecond of
    /// dlopen's search at every start.
    /// </summary>
    private static uint? FileTypeOf(string path)
    {
        byte[] name = System.Text.Encoding.UTF8.GetBytes(path + "\0");
        Tmds.Linux.stat st;
        fixed (byte* p = name)
        {
            if (Tmds.Linux.LibC.stat(p, &st) != 0) return null;
        }
        return (uint)st.st_mode & S_IFMT;
    }

    private void AcquireBase()
    {
        byte* pointer = null;
        _view.SafeMemoryMappedViewHandle.AcquirePointer(ref pointer);
        _base = pointer + _view.PointerOffset;
    }

    private void ReleaseBase()
    {
        if (_base != null)
        {
            _base = null;
            _view.SafeMemoryMappedViewHandle.ReleasePointer();
        }
    }

    private ReadOnlySpan<byte> View(long offset, int length)
    {
        ObjectDisposedException.ThrowIf(_base == null, this);
        return new ReadOnlySpan<byte>(_base + offset, length);
    }
}
