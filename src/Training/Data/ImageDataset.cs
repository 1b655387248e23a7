using SkiaSharp;

namespace MiniNet.Training;

/// <summary>
/// A labelled set of one-channel 8-bit images held in memory: <see cref="Count"/> images of
/// <see cref="Height"/>×<see cref="Width"/> pixels, row-major, image after image. The arrays are shared, not
/// copied. PyTorch: a map-style <c>torch.utils.data.Dataset</c> such as torchvision's <c>FashionMNIST</c>
/// (its <c>data</c> and <c>targets</c>). Build one from your own arrays with the constructor, or from a folder of
/// PNGs with <see cref="FromFolder"/>; a <see cref="DataLoader"/> batches, normalizes and augments either.
/// </summary>
public sealed class ImageDataset
{
    /// <summary>
    /// A dataset over <paramref name="pixels"/> (N·H·W bytes, 0 = black) and <paramref name="labels"/> (N class
    /// indices into <paramref name="classNames"/>).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A size below 1, or a label outside [0, classNames.Count).</exception>
    /// <exception cref="ArgumentException">Pixels and labels disagree on N, or there are no class names.</exception>
    public ImageDataset(byte[] pixels, long[] labels, int height, int width, IReadOnlyList<string> classNames)
    {
        ArgumentNullException.ThrowIfNull(pixels);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(classNames);
        if (height < 1 || width < 1)
            throw new ArgumentOutOfRangeException(height < 1 ? nameof(height) : nameof(width), $"image dataset: image size must be >= 1, got {height}x{width}");
        if (classNames.Count == 0) throw new ArgumentException("image dataset: needs at least one class name", nameof(classNames));
        if ((long)labels.Length * height * width != pixels.Length)
            throw new ArgumentException($"image dataset: {labels.Length} labels need {(long)labels.Length * height * width} pixels "
                + $"({labels.Length}x{height}x{width}), got {pixels.Length}", nameof(pixels));
        for (int i = 0; i < labels.Length; i++)
        {
            if ((ulong)labels[i] >= (ulong)classNames.Count)
                throw new ArgumentOutOfRangeException(nameof(labels), $"image dataset: label {i} is {labels[i]}, outside the {classNames.Count} classes [0, {classNames.Count - 1}]");
        }
        Pixels = pixels;
        Labels = labels;
        Height = height;
        Width = width;
        ClassNames = classNames;
    }

    /// <summary>All pixels, [N,H,W] row-major, one byte each (0 black, 255 white).</summary>
    public byte[] Pixels { get; }

    /// <summary>The class index of each image, [N].</summary>
    public long[] Labels { get; }

    /// <summary>Number of images N. PyTorch: <c>len(dataset)</c>.</summary>
    public int Count => Labels.Length;

    /// <summary>Image height H in pixels.</summary>
    public int Height { get; }

    /// <summary>Image width W in pixels.</summary>
    public int Width { get; }

    /// <summary>The name of each class, by index. PyTorch (torchvision): <c>dataset.classes</c>.</summary>
    public IReadOnlyList<string> ClassNames { get; }

    /// <summary>
    /// Mean and standard deviation of all pixels on the [0, 1] scale (population, exact: from the 256-bin histogram),
    /// the numbers a <see cref="DataLoader"/> normalizes with; a uniform image set gets std 1 so it still divides.
    /// PyTorch: <c>data.float().div(255).mean()</c> and <c>.std(unbiased=False)</c>.
    /// </summary>
    public (double Mean, double Std) PixelStatistics()
    {
        if (_statistics is { } known) return known;
        var histogram = new long[256];
        foreach (byte p in Pixels) histogram[p]++;
        double n = Pixels.Length, mean = 0, variance = 0;
        for (int v = 0; v < 256; v++) mean += histogram[v] * (v / 255.0) / n;
        for (int v = 0; v < 256; v++) variance += histogram[v] * Math.Pow(v / 255.0 - mean, 2) / n;
        double std = Math.Sqrt(variance);
        return (_statistics = (mean, std > 0 ? std : 1)).Value;
    }

    (double Mean, double Std)? _statistics;

    /// <summary>
    /// Loads a folder laid out as torchvision's <c>ImageFolder</c>: one subfolder per class, named after it (classes
    /// in ordinal order of the names, as torchvision sorts them), each holding that class's <c>*.png</c> files (in
    /// ordinal order of their names). Colour images become grey by ITU-R 601 luma, L = 0.299 R + 0.587 G + 0.114 B
    /// rounded (Pillow's <c>convert("L")</c>); alpha is ignored. Every image must have the first one's size.
    /// Decoding is SkiaSharp's (ScottPlot's own renderer). PyTorch (torchvision): <c>datasets.ImageFolder(root,
    /// transform=Grayscale())</c>.
    /// </summary>
    /// <exception cref="DirectoryNotFoundException">No folder at <paramref name="root"/>.</exception>
    /// <exception cref="InvalidDataException">No class subfolder with a PNG, a file that does not decode, or images of different sizes; the message names the file.</exception>
    public static ImageDataset FromFolder(string root)
    {
        ArgumentNullException.ThrowIfNull(root);
        if (!Directory.Exists(root)) throw new DirectoryNotFoundException($"image folder: {root} does not exist");
        var classes = Directory.GetDirectories(root).Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal).ToList();
        var files = classes.Select(c => Directory.GetFiles(Path.Combine(root, c))
            .Where(f => f.EndsWith(".png", StringComparison.OrdinalIgnoreCase)).Order(StringComparer.Ordinal).ToList()).ToList();
        if (files.Sum(f => f.Count) == 0)
            throw new InvalidDataException($"image folder: {root} has no class subfolder holding .png files (expected ROOT/CLASS/IMAGE.png)");
        int height = 0, width = 0;
        var pixels = new List<byte>();
        var labels = new List<long>();
        for (int label = 0; label < classes.Count; label++)
        {
            foreach (var file in files[label])
            {
                var (h, w, grey) = ReadGrey(file);
                if (labels.Count == 0) (height, width) = (h, w);
                else if ((h, w) != (height, width))
                    throw new InvalidDataException($"image folder: {file} is {h}x{w} pixels, but {files.SelectMany(f => f).First()} is {height}x{width}; every image must have one size");
                pixels.AddRange(grey);
                labels.Add(label);
            }
        }
        return new ImageDataset(pixels.ToArray(), labels.ToArray(), height, width, classes);
    }

    /// <summary>Decodes a PNG to unpremultiplied RGBA and reduces it to grey, L = (19595 R + 38470 G + 7471 B + 2^15) / 2^16.</summary>
    static (int Height, int Width, byte[] Grey) ReadGrey(string file)
    {
        using var codec = SKCodec.Create(file) ?? throw new InvalidDataException($"image folder: {file} is not an image SkiaSharp can decode");
        var info = new SKImageInfo(codec.Info.Width, codec.Info.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        using var bitmap = SKBitmap.Decode(codec, info) ?? throw new InvalidDataException($"image folder: {file} could not be decoded");
        var rgba = bitmap.GetPixelSpan();
        var grey = new byte[info.Width * info.Height];
        for (int i = 0; i < grey.Length; i++)
            grey[i] = (byte)((19595 * rgba[4 * i] + 38470 * rgba[4 * i + 1] + 7471 * rgba[4 * i + 2] + 0x8000) >> 16);
        return (info.Height, info.Width, grey);
    }
}
