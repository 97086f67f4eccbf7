namespace Metrix.Onnx;

/// <summary>The network cannot be written as ONNX: an unsupported layer, or BatchNorm that would use batch statistics.</summary>
public sealed class OnnxExportException : Exception
{
    /// <summary>Creates the exception with a one-line <paramref name="message"/> naming the layer.</summary>
    public OnnxExportException(string message) : base(message)
    {
    }

    /// <summary>Creates the exception with no message.</summary>
    public OnnxExportException()
    {
    }

    /// <summary>Creates the exception with a message and its cause.</summary>
    public OnnxExportException(string message, Exception innerException) : base(message, innerException)
    {
    }
}
