using System.Text.Json.Serialization;

namespace Metrix.Training;

/// <summary><c>--dataset</c>: which dataset a run trains on (see <see cref="DatasetDescriptors"/> for what each one means).</summary>
[JsonConverter(typeof(ChoiceJsonConverter<DatasetKind>))]
public enum DatasetKind
{
    /// <summary>The embedded emoji set (the main job).</summary>
    Emoji,

    /// <summary>CUB-200-2011.</summary>
    Cub,

    /// <summary>Cars-196.</summary>
    Cars,

    /// <summary>Stanford Online Products.</summary>
    Sop,

    /// <summary>In-Shop clothes retrieval.</summary>
    InShop,

    /// <summary>An image folder <c>DATA_ROOT/&lt;class&gt;/&lt;image&gt;</c>.</summary>
    Folder,
}
