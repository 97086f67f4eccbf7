namespace Metrix.Vision.Matlab;

/// <summary>The class of a MATLAB array (the low byte of its array flags; MAT-File Format, table 1-3).</summary>
public enum MatClass
{
    /// <summary>Cell array (<c>mxCELL_CLASS</c>).</summary>
    Cell = 1,

    /// <summary>Structure array (<c>mxSTRUCT_CLASS</c>).</summary>
    Struct = 2,

    /// <summary>Object: a structure array with a class name (<c>mxOBJECT_CLASS</c>).</summary>
    Object = 3,

    /// <summary>Character array (<c>mxCHAR_CLASS</c>).</summary>
    Char = 4,

    /// <summary>Sparse matrix (<c>mxSPARSE_CLASS</c>); not read.</summary>
    Sparse = 5,

    /// <summary>Double precision (<c>mxDOUBLE_CLASS</c>).</summary>
    Double = 6,

    /// <summary>Single precision (<c>mxSINGLE_CLASS</c>).</summary>
    Single = 7,

    /// <summary>Signed 8-bit integers.</summary>
    Int8 = 8,

    /// <summary>Unsigned 8-bit integers (also logical arrays, with the logical flag).</summary>
    UInt8 = 9,

    /// <summary>Signed 16-bit integers.</summary>
    Int16 = 10,

    /// <summary>Unsigned 16-bit integers.</summary>
    UInt16 = 11,

    /// <summary>Signed 32-bit integers.</summary>
    Int32 = 12,

    /// <summary>Unsigned 32-bit integers.</summary>
    UInt32 = 13,

    /// <summary>Signed 64-bit integers.</summary>
    Int64 = 14,

    /// <summary>Unsigned 64-bit integers.</summary>
    UInt64 = 15,

    /// <summary>Function handle; not read.</summary>
    Function = 16,

    /// <summary>Opaque (new-style MATLAB objects); not read.</summary>
    Opaque = 17,
}
