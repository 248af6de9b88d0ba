using System.Collections.Generic;
using System.Text.Json.Serialization;

namespace UserKernel.RootFs.Images;

/// <summary>
/// The JSON (de)serializers of <see cref="ImageConfig"/>, made at compile time, so the program needs neither reflection
/// nor code generation at run time (a NativeAOT build has neither).
/// </summary>
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ImageConfig))]
[JsonSerializable(typeof(IReadOnlyList<string>))]
internal sealed partial class ImageConfigJson : JsonSerializerContext;
