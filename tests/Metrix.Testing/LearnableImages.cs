namespace Metrix.Testing;

/// <summary>
/// A small image-folder dataset (<c>--dataset folder</c>) that a network learns in seconds: each class is a hue;
/// every image of it has a random brightness shift, a random grating (orientation, period, phase) and pixel
/// noise, which the embedding has to learn to ignore. Classes are named so that the test classes (the second half
/// by name) have hues between those of the training classes.
/// </summary>
public static class LearnableImages
{
    /// <summary>Writes <paramref name="classes"/> folders of <paramref name="perClass"/> PNGs of side <paramref name="size"/> under <paramref name="root"/>; returns <paramref name="root"/>.</summary>
    public static string Write(string root, int classes = 16, int perClass = 12, int size = 24, int seed = 1)
    {
        var rng = new Random(seed);
        int half = (classes + 1) / 2;
        var rgb = new byte[size * size * 3];
        for (int c = 0; c < classes; c++)
        {
            // Training class c sits at hue step 2c, test class c − half at 2(c − half) + 1.
            int step = c < half ? 2 * c : 2 * (c - half) + 1;
            double hue = 2 * Math.PI * step / classes;
            double[] colour = [128 + 35 * Math.Cos(hue), 128 + 35 * Math.Cos(hue - 2 * Math.PI / 3), 128 + 35 * Math.Cos(hue + 2 * Math.PI / 3)];
            string folder = Path.Combine(root, $"class{c:00}");
            Directory.CreateDirectory(folder);
            for (int i = 0; i < perClass; i++)
            {
                double brightness = rng.NextDouble() * 100 - 50, angle = rng.NextDouble() * Math.PI, period = 3 + rng.NextDouble() * 6, phase = rng.NextDouble() * 2 * Math.PI;
                double fx = Math.Cos(angle) * 2 * Math.PI / period, fy = Math.Sin(angle) * 2 * Math.PI / period;
                for (int y = 0; y < size; y++)
                    for (int x = 0; x < size; x++)
                    {
                        double grating = 60 * Math.Sin(fx * x + fy * y + phase);
                        for (int ch = 0; ch < 3; ch++)
                        {
                            double noise = 20 * (rng.NextDouble() + rng.NextDouble() + rng.NextDouble() - 1.5);
                            rgb[(y * size + x) * 3 + ch] = (byte)Math.Clamp(colour[ch] + brightness + grating + noise, 0, 255);
                        }
                    }
                File.WriteAllBytes(Path.Combine(folder, $"{i:00}.png"), TinyImages.Png(size, size, rgb));
            }
        }
        return root;
    }
}
