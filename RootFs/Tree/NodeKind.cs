namespace UserKernel.RootFs.Tree;

/// <summary>The file types a tree can hold: the S_IFMT values of stat(2).</summary>
public enum NodeKind
{
    Directory,
    Regular,
    Symlink,
    CharDevice,
    BlockDevice,
    Fifo,
    Socket,
}
