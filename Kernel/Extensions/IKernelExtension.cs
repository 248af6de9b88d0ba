namespace UserKernel.Kernel.Extensions;

/// <summary>
/// What an extension assembly provides (loaded with <c>userkernel run --extension PATH.dll</c>): a public class with a
/// parameterless constructor that registers its filesystems, devices and syscalls, as a Linux module's init function
/// calls register_filesystem and misc_register. The kernel calls <see cref="Register"/> once, before the first guest starts.
/// </summary>
public interface IKernelExtension
{
    /// <summary>Adds this extension's filesystem types, character devices and syscall rows to <paramref name="registry"/>.</summary>
    void Register(KernelRegistry registry);
}
