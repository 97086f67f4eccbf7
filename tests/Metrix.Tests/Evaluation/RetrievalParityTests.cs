using Metrix.Evaluation;
using Metrix.Testing;

namespace Metrix.Tests;

/// <summary>Against tools/fixtures/retrieval.py (full similarity matrices, torch.topk and argsort).</summary>
public sealed class RetrievalParityTests
{
    private static int[] Ints(Metrix.Tensors.Tensor t) => t.ToArray().Select(v => (int)v).ToArray();

    [Fact]
    public void Self_protocol_recall_and_map_at_r_match_pytorch()
    {
        var f = Fixtures.Load("retrieval/self").Tensors;
        var protocol = RetrievalProtocol.ForDataset("cub", Ints(f["ks"]));
        foreach (var options in new[] { KnnOptions.Default, new KnnOptions { QueryBlock = 5, GalleryBlock = 64 } })
        {
            var result = Retrieval.Evaluate(protocol, f["x"], Ints(f["labels"]), mapAtR: true, options: options);
            TensorAssert.Close(f["recall"].Span, result.Recall.Select(r => (float)r).ToArray(), 1e-6, 1e-7, "Recall@K");
            Assert.Equal(f["map_at_r"].Item(), result.MapAtR!.Value, 6);
        }
    }

    [Fact]
    public void Query_gallery_protocol_recall_and_map_at_r_match_pytorch()
    {
        var f = Fixtures.Load("retrieval/query_gallery").Tensors;
        var protocol = RetrievalProtocol.ForDataset("inshop", Ints(f["ks"]));
        var result = Retrieval.Evaluate(protocol, f["q"], Ints(f["q_labels"]), f["g"], Ints(f["g_labels"]), mapAtR: true);
        TensorAssert.Close(f["recall"].Span, result.Recall.Select(r => (float)r).ToArray(), 1e-6, 1e-7, "Recall@K");
        Assert.Equal(f["map_at_r"].Item(), result.MapAtR!.Value, 6);
    }
}
