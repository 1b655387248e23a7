namespace MiniNet.Training;

// Shapes: B images per batch, of H rows and W columns, one channel; N images in the dataset; p = crop padding.

/// <summary>
/// Cuts an <see cref="ImageDataset"/> into batches of normalized float32 images [B,1,H,W] and int64 labels [B],
/// optionally shuffled and augmented. PyTorch: <c>torch.utils.data.DataLoader(dataset, batch_size, shuffle,
/// generator=g, drop_last)</c> over torchvision's <c>Compose([RandomCrop(H, padding=p), RandomHorizontalFlip(),
/// ToTensor(), Normalize(mean, std)])</c>. Not thread-safe.
/// </summary>
/// <remarks>
/// <para>Note: the random draws of an epoch. <see cref="Epoch"/> draws all of them from the generator at once,
/// when it is called, before any batch is made, in this order: the shuffle permutation (Fisher-Yates,
/// <see cref="Generator.Shuffle{T}"/> of 0..N-1), then, when augmenting, for each image that a batch will hold, in
/// batch order: the crop's top offset, its left offset (each <see cref="Generator.NextInt"/>(2p+1)) and the flip
/// (<see cref="Generator.NextDouble"/> &lt; 0.5). So the same generator state gives the same batches bit for bit,
/// and the generator's state after <see cref="Epoch"/> returns, saved with <see cref="Generator.State"/>, resumes
/// training at the next epoch whether or not every batch was consumed. No draw is made when neither shuffling
/// nor augmenting.</para>
/// <para>Note: normalization. Pixel p becomes ((p/255 - mean)/std), computed in double and rounded once to float32
/// (a table of 256 values); torchvision computes in float32, which can differ in the last bit. Padding is black:
/// pixel 0 before normalization, as with <c>RandomCrop(padding=p)</c> ahead of <c>Normalize</c>.</para>
/// </remarks>
public sealed class DataLoader
{
    readonly ImageDataset _data;
    readonly int _batchSize;
    readonly bool _shuffle, _augment, _dropLast;
    readonly Generator? _generator;
    readonly int _padding;
    readonly float[] _normalized = new float[256];

    /// <summary>A loader of <paramref name="data"/> in batches of <paramref name="batchSize"/>.</summary>
    /// <param name="data">The images and labels.</param>
    /// <param name="batchSize">Images per batch B; the last batch of an epoch may be smaller unless <paramref name="dropLast"/>.</param>
    /// <param name="shuffle">Visit the images in a new random order each epoch.</param>
    /// <param name="generator">The source of every random draw; required when shuffling or augmenting.</param>
    /// <param name="augment">Random crop with black padding, then random horizontal flip (probability 0.5).</param>
    /// <param name="cropPadding">Padding p on each side before the random crop of H×W; p = 0 makes the crop the identity.</param>
    /// <param name="dropLast">Drop the last batch when it would hold fewer than <paramref name="batchSize"/> images.</param>
    /// <param name="mean">Mean subtracted from pixels on the [0, 1] scale.</param>
    /// <param name="std">Standard deviation that divides them.</param>
    /// <exception cref="ArgumentOutOfRangeException">batchSize &lt; 1, cropPadding &lt; 0, std not finite and &gt; 0, or mean not finite.</exception>
    /// <exception cref="ArgumentException">Shuffling or augmenting without a generator.</exception>
    public DataLoader(ImageDataset data, int batchSize, bool shuffle, Generator? generator = null, bool augment = false,
        int cropPadding = 2, bool dropLast = false, double mean = FashionMnist.Mean, double std = FashionMnist.Std)
    {
        ArgumentNullException.ThrowIfNull(data);
        Require.Positive("DataLoader", nameof(batchSize), batchSize);
        if (cropPadding < 0) throw new ArgumentOutOfRangeException(nameof(cropPadding), $"DataLoader: cropPadding must be >= 0, got {cropPadding}");
        if (!(std > 0 && double.IsFinite(std))) throw new ArgumentOutOfRangeException(nameof(std), $"DataLoader: std must be finite and > 0, got {std}");
        if (!double.IsFinite(mean)) throw new ArgumentOutOfRangeException(nameof(mean), $"DataLoader: mean must be finite, got {mean}");
        if ((shuffle || augment) && generator is null)
            throw new ArgumentException($"DataLoader: shuffle={shuffle} and augment={augment} need a Generator for their random draws; pass one", nameof(generator));
        (_data, _batchSize, _shuffle, _generator, _augment, _padding, _dropLast) = (data, batchSize, shuffle, generator, augment, cropPadding, dropLast);
        for (int p = 0; p < 256; p++) _normalized[p] = (float)((p / 255.0 - mean) / std);
    }

    /// <summary>The images and labels this loader cuts into batches.</summary>
    public ImageDataset Dataset => _data;

    /// <summary>The source of the loader's random draws (null when it neither shuffles nor augments).</summary>
    public Generator? Generator => _generator;

    /// <summary>Number of batches per epoch: ⌈N/B⌉, or ⌊N/B⌋ with dropLast. PyTorch: <c>len(loader)</c>.</summary>
    public int BatchCount => _dropLast ? _data.Count / _batchSize : (_data.Count + _batchSize - 1) / _batchSize;

    /// <summary>
    /// One pass over the data: per batch, a new float32 tensor [B,1,H,W] of normalized (and, when augmenting,
    /// cropped and flipped) images and a new int64 tensor [B] of their labels. Every random draw of the epoch is
    /// made now, before the first batch (see "Note: the random draws of an epoch"). Each batch's tensors are made
    /// when the enumeration reaches it, in the <see cref="TensorScope"/> current then, which disposes them; with no
    /// scope the caller disposes them. PyTorch: <c>for images, labels in loader</c>.
    /// </summary>
    public IEnumerable<(Tensor Images, Tensor Labels)> Epoch()
    {
        int n = _data.Count, batches = BatchCount;
        int used = Math.Min(n, batches * _batchSize); // images that some batch holds
        var order = new int[n];
        for (int i = 0; i < n; i++) order[i] = i;
        if (_shuffle) _generator!.Shuffle<int>(order);
        CropFlip[]? augmentation = null;
        if (_augment)
        {
            augmentation = new CropFlip[used];
            int span = 2 * _padding + 1;
            for (int i = 0; i < used; i++)
            {
                int top = _generator!.NextInt(span), left = _generator.NextInt(span);
                augmentation[i] = new(top - _padding, left - _padding, _generator.NextDouble() < 0.5);
            }
        }
        return Batches(order, augmentation, batches);
    }

    /// <summary>Where the crop window starts in the unpadded image (may be negative) and whether to mirror it.</summary>
    readonly record struct CropFlip(int Top, int Left, bool Flip);

    IEnumerable<(Tensor Images, Tensor Labels)> Batches(int[] order, CropFlip[]? augmentation, int batches)
    {
        int h = _data.Height, w = _data.Width, plane = h * w;
        for (int b = 0; b < batches; b++)
        {
            int start = b * _batchSize, size = Math.Min(_batchSize, order.Length - start);
            var images = Tensor.Zeros([size, 1, h, w]);
            var labels = Tensor.Zeros([size], DType.Int64);
            Assemble(order, augmentation, start, images.MutableData<float>(), labels.MutableData<long>(), plane);
            yield return (images, labels);
        }
    }

    void Assemble(int[] order, CropFlip[]? augmentation, int start, Span<float> images, Span<long> labels, int plane)
    {
        ReadOnlySpan<byte> pixels = _data.Pixels;
        ReadOnlySpan<float> table = _normalized;
        for (int i = 0; i < labels.Length; i++)
        {
            int index = order[start + i];
            labels[i] = _data.Labels[index];
            var source = pixels.Slice(index * plane, plane);
            var target = images.Slice(i * plane, plane);
            if (augmentation is null)
                for (int k = 0; k < plane; k++) target[k] = table[source[k]];
            else
                CropAndFlip(source, target, augmentation[start + i], table);
        }
    }

    /// <summary>
    /// target[y, x] = source[y + top, x' + left] with x' = W-1-x when flipping (else x): the crop, then the mirror.
    /// Rows and columns that fall outside the source are padding, black before normalization.
    /// </summary>
    void CropAndFlip(ReadOnlySpan<byte> source, Span<float> target, CropFlip c, ReadOnlySpan<float> table)
    {
        int h = _data.Height, w = _data.Width;
        float black = table[0];
        // Columns x whose source column x + left lies in [0, W), before the mirror.
        int x0 = Math.Max(0, -c.Left), x1 = Math.Min(w, w - c.Left);
        for (int y = 0; y < h; y++)
        {
            var row = target.Slice(y * w, w);
            int sy = y + c.Top;
            if (sy < 0 || sy >= h || x0 >= x1) { row.Fill(black); continue; }
            var sourceRow = source.Slice(sy * w, w);
            if (!c.Flip)
            {
                row[..x0].Fill(black);
                row[x1..].Fill(black);
                for (int x = x0; x < x1; x++) row[x] = table[sourceRow[x + c.Left]];
            }
            else
            {
                row[(w - x0)..].Fill(black);
                row[..(w - x1)].Fill(black);
                for (int x = x0; x < x1; x++) row[w - 1 - x] = table[sourceRow[x + c.Left]];
            }
        }
    }
}
