using System.Text.Json;
using System.Text.Json.Serialization;

namespace Metrix.Training;

/// <summary>Reads and writes <see cref="PairSets"/> as its command-line string (<c>"posneg,ancneg"</c>).</summary>
public sealed class PairSetsJsonConverter : JsonConverter<PairSets>
{
    /// <inheritdoc />
    public override PairSets Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.String) throw new JsonException("pairs: expected a comma-separated string such as \"posneg,ancneg\"");
        try
        {
            return PairSets.Parse(reader.GetString()!);
        }
        catch (OptionException e)
        {
            throw new JsonException(e.Message, e);
        }
    }

    /// <inheritdoc />
    public override void Write(Utf8JsonWriter writer, PairSets value, JsonSerializerOptions options) => writer.WriteStringValue(value.ToString());
}
