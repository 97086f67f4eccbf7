namespace Metrix.Evaluation;

/// <summary>A k-means clustering: the cluster of each point, the centroids [K × D], Σ‖x − c(x)‖², and the Lloyd iterations run.</summary>
public sealed record KMeansResult(int[] Assignments, float[] Centroids, double Inertia, int Iterations);
