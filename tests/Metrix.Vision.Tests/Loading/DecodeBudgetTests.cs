using Metrix.Testing;
using Metrix.Vision.Loading;

namespace Metrix.Vision.Tests;

public sealed class DecodeBudgetTests
{
    [Fact]
    public void Reservations_in_flight_never_pass_the_budget_and_an_oversized_one_runs_alone()
    {
        var budget = new DecodeBudget(1000);
        long peak = 0, inside = 0;
        int alone = 0;
        Parallel.For(0, 64, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i =>
        {
            long bytes = i % 16 == 0 ? 5000 : 300; // every 16th larger than the whole budget
            using (budget.Acquire(bytes))
            {
                long now = Interlocked.Add(ref inside, bytes);
                if (bytes > 1000 && now != bytes) Interlocked.Increment(ref alone);
                long seen;
                do seen = Interlocked.Read(ref peak); while (now > seen && Interlocked.CompareExchange(ref peak, now, seen) != seen);
                Thread.Sleep(2);
                Interlocked.Add(ref inside, -bytes);
            }
        });
        Assert.Equal(0, alone);
        Assert.True(peak <= 5000, $"peak {peak}");
        Assert.Equal(0, budget.InUse);
    }

    [Fact]
    public void The_decoded_size_comes_from_the_header_alone()
    {
        Assert.Equal(7L * 5 * 3, DecodeBudget.DecodedBytes(TinyImages.Png(7, 5, 1, 2, 3)));
        // A JPEG with an APP0 segment, then a baseline frame of 640 × 480.
        byte[] jpeg = [0xFF, 0xD8, 0xFF, 0xE0, 0, 4, 0, 0, 0xFF, 0xC0, 0, 11, 8, 480 >> 8, 480 & 255, 640 >> 8, 640 & 255, 1, 1, 0x11, 0, 0xFF, 0xD9];
        Assert.Equal(640L * 480 * 3, DecodeBudget.DecodedBytes(jpeg));
        Assert.Equal(0, DecodeBudget.DecodedBytes("not an image"u8));
        // An absurd PNG header is capped, not overflowed.
        var huge = TinyImages.Png(1, 1, 0, 0, 0);
        huge[16] = huge[20] = 0xFF;
        Assert.InRange(DecodeBudget.DecodedBytes(huge), 1, 3L << 40);
    }
}
