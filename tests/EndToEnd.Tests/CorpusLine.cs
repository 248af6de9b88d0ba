using Xunit.Abstractions;

namespace UserKernel.EndToEnd.Tests;

/// <summary>
/// A shell command line as theory data. xunit shortens string arguments in test names to 50
/// characters; this type prints the whole line, so a failing case names its line in full.
/// </summary>
public sealed class CorpusLine : IXunitSerializable
{
    /// <summary>For xunit's deserializer.</summary>
    public CorpusLine()
    {
    }

    public CorpusLine(string text)
    {
        Text = text;
    }

    /// <summary>The line, as given to /bin/sh -c.</summary>
    public string Text { get; private set; } = "";

    public static implicit operator CorpusLine(string text) => new(text);

    public void Deserialize(IXunitSerializationInfo info) => Text = info.GetValue<string>(nameof(Text));

    public void Serialize(IXunitSerializationInfo info) => info.AddValue(nameof(Text), Text);

    public override string ToString() => Text;
}
