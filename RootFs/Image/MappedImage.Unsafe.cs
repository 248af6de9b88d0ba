using System;

namespace UserKernel.RootFs.Image;

// The mapping's base pointer: spans over it cost nothing, where the accessor's Read methods
// would copy. Bounds are checked by Slice before View is reached.
public sealed unsafe partial class MappedImage
{
    private byte* _base;

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
