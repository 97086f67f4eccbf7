using System.Buffers.Binary;

namespace Metrix.Vision.Loading;

/// <summary>
/// Bounds the memory of images being decoded at once: a decode first reserves the bytes its header announces
/// (width × height × 3, twice when it is resized after) and waits while the reservations in flight would pass
/// the budget. One image larger than the whole budget still decodes, alone. Many large but legal images
/// decoded by many workers thus stay within the budget instead of each worker holding a full photograph.
/// </summary>
public sealed class DecodeBudget
{
    private readonly object _gate = new();
    private long _inUse;

    /// <summary>A budget of <paramref name="bytes"/>.</summary>
    public DecodeBudget(long bytes) => Bytes = bytes > 0 ? bytes : throw new ArgumentOutOfRangeException(nameof(bytes), "the budget must be positive");

    /// <summary>The budget every image cache shares: 1 GiB.</summary>
    public static DecodeBudget Shared { get; } = new(1L << 30);

    /// <summary>The budget in bytes.</summary>
    public long Bytes { get; }

    /// <summary>Bytes reserved now.</summary>
    public long InUse
    {
        get { lock (_gate) return _inUse; }
    }

    /// <summary>Reserves <paramref name="bytes"/>, waiting while others' reservations leave too little; dispose to release.</summary>
    public Reservation Acquire(long bytes, CancellationToken cancel = default)
    {
        bytes = Math.Max(0, bytes);
        lock (_gate)
        {
            while (_inUse > 0 && _inUse + bytes > Bytes)
            {
                cancel.ThrowIfCancellationRequested();
                Monitor.Wait(_gate, 50);
            }
            _inUse += bytes;
        }
        return new Reservation(this, bytes);
    }

    private void Release(long bytes)
    {
        lock (_gate)
        {
            _inUse -= bytes;
            Monitor.PulseAll(_gate);
        }
    }

    /// <summary>
    /// The decoded size an encoded PNG or JPEG announces (width × height × 3 bytes), read from its header only;
    /// 0 when the header does not say (the decoder then reports what is wrong).
    /// </summary>
    public static long DecodedBytes(ReadOnlySpan<byte> data)
    {
        // PNG: signature, then IHDR's width and height (big-endian) at bytes 16 and 20.
        if (data.Length >= 24 && data[0] == 0x89 && data[1] == (byte)'P')
            return Size(BinaryPrimitives.ReadUInt32BigEndian(data[16..]), BinaryPrimitives.ReadUInt32BigEndian(data[20..]));
        if (data.Length < 4 || data[0] != 0xFF || data[1] != 0xD8) return 0;
        // JPEG: walk the marker segments to the first start of frame (SOF0-SOF15 but DHT, JPG and DAC).
        int at = 2;
        while (at + 9 < data.Length)
        {
            if (data[at] != 0xFF)
                return 0;
            byte marker = data[at + 1];
            if (marker == 0xFF)
            {
                at++;
                continue;
            }
            int length = BinaryPrimitives.ReadUInt16BigEndian(data[(at + 2)..]);
            if (marker is >= 0xC0 and <= 0xCF and not 0xC4 and not 0xC8 and not 0xCC)
                return Size(BinaryPrimitives.ReadUInt16BigEndian(data[(at + 7)..]), BinaryPrimitives.ReadUInt16BigEndian(data[(at + 5)..]));
            if (length < 2) return 0;
            at += 2 + length;
        }
        return 0;
    }

    private static long Size(uint width, uint height) => (long)Math.Min(width, 1u << 20) * Math.Min(height, 1u << 20) * 3;

    /// <summary>Bytes held against a <see cref="DecodeBudget"/> until disposed.</summary>
    public sealed class Reservation : IDisposable
    {
        private DecodeBudget? _budget;
        private readonly long _bytes;

        internal Reservation(DecodeBudget budget, long bytes)
        {
            _budget = budget;
            _bytes = bytes;
        }

        /// <summary>Releases the bytes.</summary>
        public void Dispose()
        {
            Interlocked.Exchange(ref _budget, null)?.Release(_bytes);
        }
    }
}
