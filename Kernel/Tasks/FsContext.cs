using UserKernel.Kernel.Vfs;

namespace UserKernel.Kernel.Tasks;

/// <summary>
/// A process's place in the tree, Linux's fs_struct: its root directory (chroot(2)), its working directory (chdir(2))
/// and its file-creation mask (umask(2)). The kernel keeps all three itself; fork gives the child a copy.
/// </summary>
public sealed class FsContext
{
    public FsContext(Dentry root, Dentry cwd, uint umask)
    {
        Root = root;
        Cwd = cwd;
        Umask = umask;
    }

    /// <summary>Where absolute paths start and ".." stops.</summary>
    public Dentry Root { get; set; }

    /// <summary>Where relative paths start.</summary>
    public Dentry Cwd { get; set; }

    /// <summary>
    /// The mask the kernel applies to every file it creates for the process. umask runs on the host as well, so the host's
    /// copy (for the few objects the host makes, such as message queues) agrees.
    /// </summary>
    public uint Umask { get; set; }

    /// <summary>fork's copy: the same directories and mask, changed independently from then on.</summary>
    public FsContext Copy() => new(Root, Cwd, Umask);
}
