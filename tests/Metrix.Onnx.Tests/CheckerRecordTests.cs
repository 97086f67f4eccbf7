using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Metrix.Tensors;
using Metrix.Testing;

namespace Metrix.Onnx.Tests;

/// <summary>
/// The files that Debian's ONNX 1.12 checker accepted (<c>tools/fixtures/onnx_check.py</c>, full check, recorded in
/// <c>tests/fixtures/onnx/checker.json</c>) are byte for byte what the exporter writes today, so the verdict holds
/// for the current exporter. With <c>METRIX_UPDATE_ONNX_FIXTURES=1</c> the test rewrites the files; then run
/// the script to check them again.
/// </summary>
public sealed class CheckerRecordTests
{
    public static TheoryData<string> Files() => ["resnet18_w8.onnx", "resnet50_w8_pixels.onnx"];

    private static byte[] Export(string file) => file switch
    {
        "resnet18_w8.onnx" => OnnxExporter.ToBytes(TestModels.Reduced("resnet18"), new OnnxExportOptions
        {
            ImageSize = TestModels.ImageSize,
            Metadata = TestModels.CheckpointMetadata("resnet18"),
            ProducerVersion = "fixture",
        }),
        "resnet50_w8_pixels.onnx" => OnnxExporter.ToBytes(TestModels.Reduced("resnet50"), new OnnxExportOptions
        {
            ImageSize = TestModels.ImageSize,
            IncludePreprocessing = true,
            Metadata = TestModels.CheckpointMetadata("resnet50"),
            ProducerVersion = "fixture",
        }),
        _ => throw new ArgumentException(file),
    };

    [Theory]
    [MemberData(nameof(Files))]
    public void The_file_the_onnx_checker_passed_is_what_the_exporter_writes(string file)
    {
        var bytes = Export(file);
        string path = Fixtures.PathOf("onnx/" + file);
        if (Environment.GetEnvironmentVariable("METRIX_UPDATE_ONNX_FIXTURES") == "1") AtomicFile.Write(path, s => s.Write(bytes));
        string sha = Convert.ToHexStringLower(SHA256.HashData(bytes));
        Assert.True(File.Exists(path), $"{path} is missing");
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path))), sha);

        var record = JsonNode.Parse(File.ReadAllText(Fixtures.PathOf("onnx/checker.json")))!;
        Assert.StartsWith("onnx 1.12", (string)record["checker"]!, StringComparison.Ordinal);
        Assert.Contains("full_check=True", (string)record["checker"]!, StringComparison.Ordinal);
        var entry = record["files"]![file] ?? throw new Xunit.Sdk.XunitException($"checker.json has no record of {file}: run tools/fixtures/onnx_check.py");
        Assert.True(sha == (string)entry["sha256"]!, $"{file} changed since the checker passed it: run tools/fixtures/onnx_check.py");
        Assert.Equal("passed", (string)entry["check_model"]!);
        Assert.True((bool)entry["full_check"]!);
        Assert.Equal(8, (int)entry["ir_version"]!);
        Assert.Equal(17, (int)entry["opset"]!["ai.onnx"]!);
        // Strict shape inference carried the symbolic batch through to the output.
        var inferred = entry["inferred_outputs"]![OnnxExporter.EmbeddingsOutput]!.AsArray();
        Assert.Equal(OnnxExporter.BatchDimension, (string)inferred[0]!);
        Assert.Equal(TestModels.EmbeddingSize, (int)inferred[1]!);
    }
}
