namespace MiniNet.Training.Tests.Data;

/// <summary>
/// Batching, normalization, determinism and augmentation of <see cref="DataLoader"/>, on small synthetic images of
/// H=4 rows by W=5 columns (not square, so a swapped axis shows), where image i has label i (so every label names its
/// image) and pixel (i, y, x) = (7i + 5y + x + 1) mod 256 (never 0, so black padding shows).
/// </summary>
public class DataLoaderTests
{
    const int H = 4, W = 5;

    static ImageDataset Synthetic(int n)
    {
        var pixels = new byte[n * H * W];
        for (int i = 0; i < n; i++)
            for (int y = 0; y < H; y++)
                for (int x = 0; x < W; x++) pixels[(i * H + y) * W + x] = (byte)((7 * i + 5 * y + x + 1) % 256);
        return new ImageDataset(pixels, Enumerable.Range(0, n).Select(i => (long)i).ToArray(), H, W,
            Enumerable.Range(0, n).Select(i => $"c{i}").ToArray());
    }

    static float Normalized(int p, double mean = FashionMnist.Mean, double std = FashionMnist.Std) => (float)((p / 255.0 - mean) / std);

    /// <summary>Every batch of one epoch, copied out: (images [B*H*W], labels [B]).</summary>
    static List<(float[] Images, long[] Labels)> Run(DataLoader loader)
    {
        using var scope = Tensor.Scope();
        return loader.Epoch().Select(b => (b.Images.ToArray<float>(), b.Labels.ToArray<long>())).ToList();
    }

    [Fact]
    public void Batches_have_the_right_shapes_including_the_last_one()
    {
        var data = Synthetic(10);
        using var scope = Tensor.Scope();
        var loader = new DataLoader(data, batchSize: 4, shuffle: false);
        Assert.Equal(3, loader.BatchCount);
        var batches = loader.Epoch().ToList();
        Assert.Equal([[4, 1, H, W], [4, 1, H, W], [2, 1, H, W]], batches.Select(b => b.Images.Shape));
        Assert.Equal([[4], [4], [2]], batches.Select(b => b.Labels.Shape));
        Assert.All(batches, b => Assert.Equal((DType.Float32, DType.Int64), (b.Images.DType, b.Labels.DType)));
        Assert.Equal(6, scope.OwnedCount); // made in the caller's scope, which disposes them

        var dropLast = new DataLoader(data, batchSize: 4, shuffle: false, dropLast: true);
        Assert.Equal(2, dropLast.BatchCount);
        Assert.Equal([[4, 1, H, W], [4, 1, H, W]], dropLast.Epoch().Select(b => b.Images.Shape));
        Assert.Equal(1, new DataLoader(data, 10, false, dropLast: true).BatchCount);
        Assert.Equal(0, new DataLoader(data, 11, false, dropLast: true).BatchCount);
        Assert.Equal(1, new DataLoader(data, 11, false).BatchCount);
    }

    [Fact]
    public void Tensors_belong_to_the_scope_current_when_the_batch_is_made()
    {
        var loader = new DataLoader(Synthetic(6), batchSize: 3, shuffle: false);
        Tensor images;
        using (var scope = Tensor.Scope())
        {
            (images, _) = loader.Epoch().First();
            Assert.Equal(2, scope.OwnedCount);
        }
        Assert.True(images.IsDisposed);
    }

    [Fact]
    public void Without_augmentation_the_images_are_the_normalized_dataset()
    {
        var data = Synthetic(10);
        foreach (var (mean, std) in new[] { (FashionMnist.Mean, FashionMnist.Std), (0.5, 0.25) })
        {
            foreach (bool shuffle in new[] { false, true })
            {
                var loader = new DataLoader(data, 3, shuffle, new Generator(5), mean: mean, std: std);
                foreach (var (images, labels) in Run(loader))
                {
                    for (int b = 0; b < labels.Length; b++)
                        for (int k = 0; k < H * W; k++)
                            Assert.Equal(Normalized(data.Pixels[labels[b] * H * W + k], mean, std), images[b * H * W + k]);
                }
            }
        }
        // The two ends of the scale, by hand: (0 - 0.2860)/0.3530 and (1 - 0.2860)/0.3530.
        var ends = new ImageDataset([0, 255], [0], 1, 2, ["x"]);
        Assert.Equal(new[] { -0.810198300f, 2.02266289f }, Run(new DataLoader(ends, 2, false))[0].Images);
    }

    [Fact]
    public void Without_shuffling_the_order_is_the_dataset_order()
    {
        var batches = Run(new DataLoader(Synthetic(7), 3, shuffle: false));
        Assert.Equal(Enumerable.Range(0, 7).Select(i => (long)i), batches.SelectMany(b => b.Labels));
    }

    [Fact]
    public void Every_image_appears_once_per_epoch()
    {
        var loader = new DataLoader(Synthetic(50), 8, shuffle: true, new Generator(3), augment: true);
        var first = Run(loader).SelectMany(b => b.Labels).ToArray();
        var second = Run(loader).SelectMany(b => b.Labels).ToArray();
        Assert.Equal(Enumerable.Range(0, 50).Select(i => (long)i), first.Order());
        Assert.Equal(Enumerable.Range(0, 50).Select(i => (long)i), second.Order());
        Assert.NotEqual(first, second); // a new order each epoch

        var dropped = Run(new DataLoader(Synthetic(50), 8, shuffle: true, new Generator(3), dropLast: true)).SelectMany(b => b.Labels).ToArray();
        Assert.Equal(48, dropped.Length);
        Assert.Equal(48, dropped.Distinct().Count());
    }

    [Fact]
    public void The_same_generator_state_gives_the_same_batches()
    {
        var data = Synthetic(30);
        var a = Run(new DataLoader(data, 7, shuffle: true, new Generator(42), augment: true));
        var b = Run(new DataLoader(data, 7, shuffle: true, new Generator(42), augment: true));
        Assert.Equal(a.Select(x => x.Labels), b.Select(x => x.Labels));
        Assert.Equal(a.Select(x => x.Images), b.Select(x => x.Images));

        var c = Run(new DataLoader(data, 7, shuffle: true, new Generator(43), augment: true));
        Assert.NotEqual(a.SelectMany(x => x.Labels), c.SelectMany(x => x.Labels));
    }

    [Fact]
    public void Every_draw_is_made_when_the_epoch_starts_so_a_saved_state_resumes_at_the_next_epoch()
    {
        var data = Synthetic(20);
        var g = new Generator(9);
        var loader = new DataLoader(data, 6, shuffle: true, g, augment: true);
        using var scope = Tensor.Scope();
        _ = loader.Epoch().First(); // half an epoch
        var saved = g.State;
        var next = Run(loader);

        var h = new Generator(9);
        var other = new DataLoader(data, 6, shuffle: true, h, augment: true);
        _ = Run(other); // the whole epoch
        Assert.Equal(saved, h.State);
        g.State = saved;
        Assert.Equal(next.Select(x => x.Images), Run(loader).Select(x => x.Images));

        var unused = new Generator(9);
        _ = Run(new DataLoader(data, 6, shuffle: false, unused));
        Assert.Equal(new Generator(9).State, unused.State); // no draw without shuffle or augment
    }

    /// <summary>
    /// The crop and flip drawn for each image, replayed from a copy of the generator in the documented order
    /// (top, left, flip per image; no shuffle), against a loop written from the definition: pad by p with black, take
    /// the H×W window at (top, left), mirror it when flipped.
    /// </summary>
    [Theory]
    [InlineData(2)]
    [InlineData(1)]
    [InlineData(0)]
    [InlineData(6)] // wider than the image: some windows are all black
    public void Augmentation_crops_with_a_black_border_then_flips(int padding)
    {
        var data = Synthetic(40);
        var replay = new Generator(11);
        var batches = Run(new DataLoader(data, 16, shuffle: false, new Generator(11), augment: true, cropPadding: padding));
        var images = batches.SelectMany(b => b.Images).ToArray();
        var seen = new HashSet<(int, int, bool)>();
        for (int i = 0; i < data.Count; i++)
        {
            int top = replay.NextInt(2 * padding + 1), left = replay.NextInt(2 * padding + 1);
            bool flip = replay.NextDouble() < 0.5;
            seen.Add((Math.Sign(top - padding), Math.Sign(left - padding), flip));
            for (int y = 0; y < H; y++)
                for (int x = 0; x < W; x++)
                {
                    int sy = y + top - padding, sx = (flip ? W - 1 - x : x) + left - padding;
                    int p = sy >= 0 && sy < H && sx >= 0 && sx < W ? data.Pixels[(i * H + sy) * W + sx] : 0;
                    Assert.Equal(Normalized(p), images[(i * H + y) * W + x]);
                }
        }
        // The seed exercises both flips and, with padding, shifts up, down, left and right.
        Assert.Contains(seen, s => s.Item3);
        Assert.Contains(seen, s => !s.Item3);
        if (padding > 0)
        {
            Assert.Contains(seen, s => s.Item1 < 0);
            Assert.Contains(seen, s => s.Item1 > 0);
            Assert.Contains(seen, s => s.Item2 < 0);
            Assert.Contains(seen, s => s.Item2 > 0);
        }
    }

    [Fact]
    public void A_shifted_crop_by_hand()
    {
        // One image, 4x5, padding 2. Find a seed whose single draw is top = 0 (2 rows up), left = 4 (2 columns
        // right), no flip: rows 0-1 of the output are padding, rows 2-3 are rows 0-1 of the image shifted left by 2,
        // with the last two columns black.
        var data = Synthetic(1);
        ulong seed = 0;
        while (true)
        {
            var g = new Generator(seed);
            if (g.NextInt(5) == 0 && g.NextInt(5) == 4 && g.NextDouble() >= 0.5) break;
            seed++;
        }
        var image = Run(new DataLoader(data, 1, shuffle: false, new Generator(seed), augment: true))[0].Images;
        float black = Normalized(0);
        float[] expected =
        [
            black, black, black, black, black,
            black, black, black, black, black,
            Normalized(3), Normalized(4), Normalized(5), black, black,
            Normalized(8), Normalized(9), Normalized(10), black, black,
        ];
        Assert.Equal(expected, image);
    }

    [Fact]
    public void A_flip_mirrors_each_row()
    {
        var data = Synthetic(1);
        ulong seed = 0;
        while (true)
        {
            var g = new Generator(seed);
            g.NextInt(1);
            g.NextInt(1);
            if (g.NextDouble() < 0.5) break;
            seed++;
        }
        var image = Run(new DataLoader(data, 1, shuffle: false, new Generator(seed), augment: true, cropPadding: 0))[0].Images;
        for (int y = 0; y < H; y++)
            for (int x = 0; x < W; x++)
                Assert.Equal(Normalized(data.Pixels[y * W + (W - 1 - x)]), image[y * W + x]);
    }

    [Fact]
    public void Arguments_are_checked()
    {
        var data = Synthetic(4);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new DataLoader(data, 0, false));
        Assert.Contains("DataLoader: batchSize must be >= 1, got 0", e.Message);
        e = Assert.Throws<ArgumentOutOfRangeException>(() => new DataLoader(data, 2, false, std: 0));
        Assert.Contains("DataLoader: std must be finite and > 0, got 0", e.Message);
        e = Assert.Throws<ArgumentOutOfRangeException>(() => new DataLoader(data, 2, false, std: double.NaN));
        Assert.Contains("DataLoader: std must be finite and > 0, got NaN", e.Message);
        e = Assert.Throws<ArgumentOutOfRangeException>(() => new DataLoader(data, 2, false, new Generator(), augment: true, cropPadding: -1));
        Assert.Contains("DataLoader: cropPadding must be >= 0, got -1", e.Message);
        var a = Assert.Throws<ArgumentException>(() => new DataLoader(data, 2, shuffle: true));
        Assert.Contains("DataLoader: shuffle=True and augment=False need a Generator", a.Message);
        a = Assert.Throws<ArgumentException>(() => new DataLoader(data, 2, shuffle: false, augment: true));
        Assert.Contains("DataLoader: shuffle=False and augment=True need a Generator", a.Message);
    }
}
