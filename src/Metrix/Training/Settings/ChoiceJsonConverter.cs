using System.Text.Json;
using System.Text.Json.Serialization;

namespace Metrix.Training;

/// <summary>Writes a setting's enum as its command-line name (<c>"feature"</c>, <c>"proxynca++"</c>) and reads it back strictly.</summary>
/// <typeparam name="T">An enum with a list in <see cref="SettingChoices"/>.</typeparam>
public sealed class ChoiceJsonConverter<T> : JsonConverter<T> where T : struct, Enum
{
    /// <inheritdoc />
    public override T Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var choices = SettingChoices.Of<T>();
        if (reader.TokenType != JsonTokenType.String)
            throw new JsonException($"{choices.Flag}: expected one of {choices.List} as a string");
        string name = reader.GetString()!;
        return choices.TryParse(name, out var value)
            ? value
            : throw new JsonException($"{choices.Flag}: invalid value '{name}'; accepted: {choices.List}");
    }

    /// <inheritdoc />
    public override void Write(Utf8JsonWriter writer, T value, JsonSerializerOptions options) =>
        writer.WriteStringValue(SettingChoices.Of<T>().NameOf(value));
}
