using System.Text.Json.Serialization;

namespace Metrix.Search;

/// <summary>How images were turned into network inputs for an index (queries must be embedded the same way).</summary>
/// <param name="ImageSize">Side of the centre crop in pixels.</param>
/// <param name="Resize">The eval pipeline: resize the shorter side to 256/224 of the crop, centre crop.</param>
/// <param name="NormalizeMean">Per-channel mean subtracted after scaling to [0, 1].</param>
/// <param name="NormalizeStd">Per-channel standard deviation divided by.</param>
public sealed record IndexPreprocessing(
    [property: JsonPropertyName("image_size")] int ImageSize,
    [property: JsonPropertyName("resize")] string Resize,
    [property: JsonPropertyName("normalize_mean")] string NormalizeMean,
    [property: JsonPropertyName("normalize_std")] string NormalizeStd);
