using Metrix.Tensors;

namespace Metrix.Nn;

/// <summary>A set of parameters sharing a learning rate and weight decay.</summary>
public sealed class ParamGroup(string name, IReadOnlyList<Tensor> parameters, double lr, double weightDecay)
{
    /// <summary>Name used for the group's state in checkpoints.</summary>
    public string Name { get; } = name;

    /// <summary>The parameters.</summary>
    public IReadOnlyList<Tensor> Parameters { get; } = parameters;

    /// <summary>Current learning rate (schedules change it).</summary>
    public double Lr { get; set; } = lr;

    /// <summary>The learning rate the group started with (schedules scale it).</summary>
    public double InitialLr { get; } = lr;

    /// <summary>Weight decay.</summary>
    public double WeightDecay { get; set; } = weightDecay;
}
