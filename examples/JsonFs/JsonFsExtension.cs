using UserKernel.Kernel.Extensions;

namespace UserKernel.Examples.JsonFs;

/// <summary>The extension's entry point: registers the "jsonfs" filesystem type.</summary>
public sealed class JsonFsExtension : IKernelExtension
{
    public void Register(KernelRegistry registry) => registry.RegisterFilesystem(new JsonFileSystemType());
}
