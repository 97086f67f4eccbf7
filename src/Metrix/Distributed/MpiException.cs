namespace Metrix.Distributed;

/// <summary>An MPI call failed; the message names the call, this process's rank and the library's description of the error.</summary>
public sealed class MpiException : Exception
{
    /// <summary>An exception for <paramref name="message"/>, with MPI's error code <paramref name="code"/>.</summary>
    public MpiException(string message, int code)
        : base(message) => Code = code;

    /// <summary>The MPI error code (MPI_SUCCESS is 0).</summary>
    public int Code { get; }
}
