namespace UserKernel.Kernel.Guest;

/// <summary>
/// An address in a guest process. It is never dereferenced by the kernel:
/// it is only read or written through <see cref="IGuestMemory"/>, which answers EFAULT.
/// </summary>
public readonly record struct GuestPtr(ulong Address)
{
    public static readonly GuestPtr Null = new(0);
    public bool IsNull => Address == 0;
    public GuestPtr Add(long offset) => new((ulong)((long)Address + offset));
    public override string ToString() => Address == 0 ? "NULL" : "0x" + Address.ToString("x", System.Globalization.CultureInfo.InvariantCulture);
}
