using System.Runtime.Intrinsics;

namespace Metrix.Evaluation;

/// <summary>Instruction width of the candidate scan in <see cref="RunningTopK"/>.</summary>
internal enum ScanWidth
{
    /// <summary>The plain reference: one comparison per similarity.</summary>
    Scalar,

    /// <summary>Eight similarities per comparison.</summary>
    Vector256,

    /// <summary>Sixteen similarities per comparison.</summary>
    Vector512,
}
