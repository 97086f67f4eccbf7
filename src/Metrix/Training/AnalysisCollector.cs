using Metrix.Analysis;
using Metrix.Mixup;
using Metrix.Tensors;

namespace Metrix.Training;

/// <summary>
/// Collects, during the last epoch of a Metrix run, what <c>metrix analyze</c> needs that only training
/// sees: a reservoir sample of mixed embeddings (utilization against clean + mixed) and, for every
/// (anchor, mixed) pair with a soft label strictly between 0 and 1, λ, the label, ∂ℓ̃/∂s and s (positivity).
/// </summary>
public sealed class AnalysisCollector(int dim, ulong seed, int mixedCapacity = 20_000, int pairCapacity = 500_000)
{
    private readonly EmbeddingSample _mixed = new(mixedCapacity, dim, seed);
    private readonly List<float> _lambda = [], _label = [], _gradient = [], _similarity = [];

    /// <summary>Adds one step's mixed embeddings and pairs.</summary>
    public void Add(StepOutput output)
    {
        if (output.MixedEmbeddings is { } mixed)
        {
            _mixed.Add(mixed);
            mixed.Dispose();
        }
        if (output.MixedPairs is not { } pairs || output.Lambda is not { } lambda) return;
        for (int k = 0; k < pairs.Labels.Length && _lambda.Count < pairCapacity; k++)
        {
            float y = pairs.Labels[k];
            if (y <= 0 || y >= 1) continue;
            _lambda.Add((float)lambda);
            _label.Add(y);
            _gradient.Add((float)pairs.Gradient[k]);
            _similarity.Add((float)pairs.Similarity[k]);
        }
    }

    /// <summary>Writes <c>mixed</c> [M, D], <c>lambda</c>, <c>label</c>, <c>gradient</c> and <c>similarity</c> [P] atomically.</summary>
    public void Save(string path)
    {
        var tensors = new List<KeyValuePair<string, Tensor>>();
        using var scope = new TensorScope();
        if (_mixed.Count > 0) tensors.Add(new("mixed", Tensor.FromArray(_mixed.Rows, _mixed.Count, dim)));
        if (_lambda.Count > 0)
        {
            tensors.Add(new("lambda", Tensor.FromArray(_lambda.ToArray())));
            tensors.Add(new("label", Tensor.FromArray(_label.ToArray())));
            tensors.Add(new("gradient", Tensor.FromArray(_gradient.ToArray())));
            tensors.Add(new("similarity", Tensor.FromArray(_similarity.ToArray())));
        }
        SafeTensors.Write(path, tensors, new Dictionary<string, string> { ["mixed_seen"] = _mixed.Seen.ToString(System.Globalization.CultureInfo.InvariantCulture) });
    }
}
