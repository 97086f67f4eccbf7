using System.Runtime.InteropServices;

namespace Metrix.Distributed;

/// <summary>
/// The MPI functions and constants training uses, bound at run time to an MPICH-ABI library (MPICH, Intel MPI,
/// MVAPICH, Cray MPICH: <c>libmpi.so.12</c>; Debian's MPICH names it <c>libmpich.so.12</c>). We bind by hand
/// rather than use a wrapper package because the dozen calls are all we need and the library must only be
/// loaded when a launcher started us: a static <c>DllImport</c> would tie every run to libmpi being present.
/// In the MPICH ABI every handle is a C <c>int</c>; the values are those of MPICH's <c>mpi.h</c>.
/// </summary>
internal static unsafe class MpiNative
{
    // From /usr/include/x86_64-linux-gnu/mpich/mpi.h (MPICH 4.0.2); the MPICH ABI keeps them fixed.
    public const int Success = 0;                          // MPI_SUCCESS
    public const int CommWorld = 0x44000000;               // MPI_COMM_WORLD
    public const int CommNull = 0x04000000;                // MPI_COMM_NULL
    public const int Byte = 0x4c00010d;                    // MPI_BYTE
    public const int Int = 0x4c000405;                     // MPI_INT
    public const int Float = 0x4c00040a;                   // MPI_FLOAT
    public const int Double = 0x4c00080b;                  // MPI_DOUBLE
    public const int OpSum = 0x58000003;                   // MPI_SUM
    public const int ErrorsReturn = 0x54000001;            // MPI_ERRORS_RETURN
    public const int InfoNull = 0x1c000000;                // MPI_INFO_NULL
    public const int CommTypeShared = 1;                   // MPI_COMM_TYPE_SHARED
    public const int ThreadSerialized = 2;                 // MPI_THREAD_SERIALIZED
    public const int MaxErrorString = 512;                 // MPI_MAX_ERROR_STRING
    public const int MaxProcessorName = 128;               // MPI_MAX_PROCESSOR_NAME
    public static readonly nint InPlace = -1;              // MPI_IN_PLACE: (void *) -1
    public static readonly nint StatusIgnore = 1;          // MPI_STATUS_IGNORE: (MPI_Status *) 1

    /// <summary>The library names tried, in order, when <see cref="LibraryVariable"/> is not set.</summary>
    public static readonly string[] LibraryNames = ["libmpi.so.12", "libmpich.so.12"];

    /// <summary>An environment variable naming the MPI library to load instead (a file path or a soname).</summary>
    public const string LibraryVariable = "METRIX_MPI_LIBRARY";

    public static delegate* unmanaged<int*, nint, int, int*, int> InitThread;
    public static delegate* unmanaged<int*, int> Initialized;
    public static delegate* unmanaged<int*, int> Finalized;
    public static delegate* unmanaged<int> Finalize;
    public static delegate* unmanaged<int, int*, int> CommRank;
    public static delegate* unmanaged<int, int*, int> CommSize;
    public static delegate* unmanaged<int, int, int, int, int*, int> CommSplitType;
    public static delegate* unmanaged<int*, int> CommFree;
    public static delegate* unmanaged<int, int, int> CommSetErrhandler;
    public static delegate* unmanaged<nint, nint, int, int, int, int, int> Allreduce;
    public static delegate* unmanaged<nint, nint, int, int, int, int, int*, int> Iallreduce;
    public static delegate* unmanaged<int*, nint, int> Wait;
    public static delegate* unmanaged<int*, int*, nint, int> Test;
    public static delegate* unmanaged<nint, int, int, nint, int, int, int, int> Allgather;
    public static delegate* unmanaged<nint, int, int, nint, int*, int*, int, int, int> Allgatherv;
    public static delegate* unmanaged<nint, int, int, int, int, int> Bcast;
    public static delegate* unmanaged<int, int> Barrier;
    public static delegate* unmanaged<int, int, int> Abort;
    public static delegate* unmanaged<int, byte*, int*, int> ErrorString;
    public static delegate* unmanaged<byte*, int*, int> GetProcessorName;

    private static nint _library;

    /// <summary>The file or soname loaded, once <see cref="Load"/> succeeded.</summary>
    public static string? LoadedName { get; private set; }

    /// <summary>Loads the library and binds every function (once).</summary>
    /// <exception cref="DllNotFoundException">No MPICH-ABI library could be loaded; the message says what was tried and how to install one.</exception>
    public static void Load()
    {
        if (_library != 0) return;
        string? chosen = Environment.GetEnvironmentVariable(LibraryVariable);
        string[] names = string.IsNullOrWhiteSpace(chosen) ? LibraryNames : [chosen];
        var failures = new List<string>();
        nint handle = 0;
        foreach (string name in names)
        {
            try
            {
                handle = NativeLibrary.Load(name);
                LoadedName = name;
                break;
            }
            catch (DllNotFoundException e)
            {
                failures.Add($"{name}: {e.Message}");
            }
        }
        if (handle == 0)
            throw new DllNotFoundException(
                $"started by an MPI launcher (PMI_RANK/PMI_SIZE are set) but no MPICH-ABI MPI library could be loaded; tried "
                + string.Join("; ", failures)
                + $". Install MPICH (Debian/Ubuntu: apt-get install -y mpich) or load your cluster's MPICH-compatible MPI "
                + $"(Intel MPI, MVAPICH, Cray MPICH), or set {LibraryVariable} to the library's path");
        nint F(string name) => NativeLibrary.TryGetExport(handle, name, out nint f) ? f
            : throw new EntryPointNotFoundException($"{LoadedName}: has no {name}; it is not an MPICH-ABI MPI library (MPI 3 or newer)");
        InitThread = (delegate* unmanaged<int*, nint, int, int*, int>)F("MPI_Init_thread");
        Initialized = (delegate* unmanaged<int*, int>)F("MPI_Initialized");
        Finalized = (delegate* unmanaged<int*, int>)F("MPI_Finalized");
        Finalize = (delegate* unmanaged<int>)F("MPI_Finalize");
        CommRank = (delegate* unmanaged<int, int*, int>)F("MPI_Comm_rank");
        CommSize = (delegate* unmanaged<int, int*, int>)F("MPI_Comm_size");
        CommSplitType = (delegate* unmanaged<int, int, int, int, int*, int>)F("MPI_Comm_split_type");
        CommFree = (delegate* unmanaged<int*, int>)F("MPI_Comm_free");
        CommSetErrhandler = (delegate* unmanaged<int, int, int>)F("MPI_Comm_set_errhandler");
        Allreduce = (delegate* unmanaged<nint, nint, int, int, int, int, int>)F("MPI_Allreduce");
        Iallreduce = (delegate* unmanaged<nint, nint, int, int, int, int, int*, int>)F("MPI_Iallreduce");
        Wait = (delegate* unmanaged<int*, nint, int>)F("MPI_Wait");
        Test = (delegate* unmanaged<int*, int*, nint, int>)F("MPI_Test");
        Allgather = (delegate* unmanaged<nint, int, int, nint, int, int, int, int>)F("MPI_Allgather");
        Allgatherv = (delegate* unmanaged<nint, int, int, nint, int*, int*, int, int, int>)F("MPI_Allgatherv");
        Bcast = (delegate* unmanaged<nint, int, int, int, int, int>)F("MPI_Bcast");
        Barrier = (delegate* unmanaged<int, int>)F("MPI_Barrier");
        Abort = (delegate* unmanaged<int, int, int>)F("MPI_Abort");
        ErrorString = (delegate* unmanaged<int, byte*, int*, int>)F("MPI_Error_string");
        GetProcessorName = (delegate* unmanaged<byte*, int*, int>)F("MPI_Get_processor_name");
        _library = handle;
    }

    /// <summary>The library's text for error code <paramref name="code"/>.</summary>
    public static string Describe(int code)
    {
        byte* text = stackalloc byte[MaxErrorString];
        int length = 0;
        if (ErrorString is null || ErrorString(code, text, &length) != Success) return $"MPI error {code}";
        return System.Text.Encoding.ASCII.GetString(text, Math.Clamp(length, 0, MaxErrorString)).TrimEnd('\0', ' ', '\n');
    }

    /// <summary>The process's own exit, bypassing the runtime's shutdown (which could wait on a thread stuck in MPI).</summary>
    [DllImport("libc", EntryPoint = "_exit")]
    public static extern void Exit(int code);
}
