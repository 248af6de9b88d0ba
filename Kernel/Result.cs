using System.Diagnostics.CodeAnalysis;
using UserKernel.Kernel.Abi;

namespace UserKernel.Kernel;

/// <summary>A value or an errno: how VFS and guest-memory operations report guest-caused failures.</summary>
public readonly struct Result<T>
{
    private readonly T? value;

    public Errno Error { get; }

    private Result(T value) { this.value = value; Error = Errno.OK; }
    private Result(Errno error) { value = default; Error = error; }

    public bool Ok => Error == Errno.OK;

    /// <summary>A successful null: used by ResolveAt for "a host descriptor, let the host answer".</summary>
    public static Result<T> Host => new(default(T)!);

    public static implicit operator Result<T>(T value) => new(value);
    public static implicit operator Result<T>(Errno error) => new(error);

    public bool TryGet([MaybeNullWhen(false)] out T value, out Errno error)
    {
        value = this.value!;
        error = Error;
        return Error == Errno.OK;
    }

    public T Value => Error == Errno.OK ? value! : throw new System.InvalidOperationException("Result holds " + Error);
}
