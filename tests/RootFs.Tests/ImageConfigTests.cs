using System.Text;
using UserKernel.RootFs.Image;
using UserKernel.RootFs.Images;
using UserKernel.RootFs.Tree;
using Xunit;

namespace UserKernel.RootFs.Tests;

/// <summary>The image config as JSON in the root's xattr: OCI's field names, round trips, bad JSON refused.</summary>
public sealed class ImageConfigTests
{
    [Fact]
    public void Store_puts_OCI_named_json_on_the_root_and_it_reads_back_equal()
    {
        var config = new ImageConfig
        {
            Env = ["PATH=/usr/bin", "LANG=C.UTF-8"],
            WorkingDir = "/work",
            User = "1000:1000",
            Entrypoint = ["/docker-entrypoint.sh"],
            Cmd = ["nginx", "-g", "daemon off;"],
        };
        var tree = new FileTree();

        config.Store(tree.Root);

        string json = Encoding.UTF8.GetString(tree.Root.Xattrs[ImageConfig.XattrName]);
        Assert.Equal(
            """{"Env":["PATH=/usr/bin","LANG=C.UTF-8"],"WorkingDir":"/work","User":"1000:1000","Entrypoint":["/docker-entrypoint.sh"],"Cmd":["nginx","-g","daemon off;"]}""",
            json);
        Assert.Equal(config, ImageConfig.Read(tree.Root));
    }

    [Fact]
    public void Unset_fields_are_left_out_and_stay_unset()
    {
        var config = new ImageConfig { Cmd = ["sh"] };

        var back = ImageConfig.Parse(config.ToJson());

        Assert.Equal("""{"Cmd":["sh"]}""", Encoding.UTF8.GetString(config.ToJson()));
        Assert.Null(back.Env);
        Assert.Null(back.Entrypoint);
        Assert.Equal(["sh"], back.Cmd!);
    }

    [Fact]
    public void A_tree_without_a_config_has_none()
    {
        Assert.Null(ImageConfig.Read(new FileTree().Root));
    }

    [Fact]
    public void Bad_json_is_a_format_error_naming_the_attribute()
    {
        var ex = Assert.Throws<ImageFormatException>(() => ImageConfig.Parse("{\"Env\": 5"u8));

        Assert.Contains(ImageConfig.XattrName, ex.Message);
    }
}
