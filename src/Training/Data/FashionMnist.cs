namespace MiniNet.Training;

/// <summary>
/// Fashion-MNIST (Xiao, Rasul and Vollgraf, 2017): 28×28 grey images of 10 kinds of clothing, 60,000 for training
/// and 10,000 for testing, in MNIST's IDX files. PyTorch (torchvision): <c>datasets.FashionMNIST</c>.
/// </summary>
/// <remarks>
/// Without a folder, <see cref="Load"/> returns a class-balanced subset embedded in this assembly: the first 600
/// training images of each class (6,000) and the first 100 test images of each class (1,000), in file order.
/// <c>data/fashion-mnist/README.md</c> says how it is cut (<c>dotnet run --project tools/CutFashionMnistSubset</c>).
/// </remarks>
public static class FashionMnist
{
    /// <summary>Where Debian's <c>dataset-fashion-mnist</c> package installs the four files.</summary>
    public const string DefaultDirectory = "/usr/share/datasets/fashion-mnist";

    /// <summary>Mean pixel value of the training images on the [0, 1] scale, for normalization.</summary>
    public const double Mean = 0.2860;

    /// <summary>Standard deviation of the training pixels on the [0, 1] scale, for normalization.</summary>
    public const double Std = 0.3530;

    /// <summary>Image height and width.</summary>
    const int Side = 28;

    /// <summary>Prefix of the embedded subset's resource names (see the EmbeddedResource items of MiniNet.Training.csproj).</summary>
    const string ResourcePrefix = "MiniNet.Training.FashionMnist.";

    /// <summary>The 10 class names, by label. PyTorch (torchvision): <c>FashionMNIST.classes</c>.</summary>
    public static IReadOnlyList<string> ClassNames { get; } = Array.AsReadOnly(new[]
    {
        "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
    });

    /// <summary>
    /// Loads the training (<paramref name="train"/>) or test split. With a <paramref name="directory"/>, reads
    /// <c>train-images-idx3-ubyte.gz</c> and <c>train-labels-idx1-ubyte.gz</c> (<c>t10k-…</c> for the test split)
    /// from it, or the same names without <c>.gz</c>; with null, the subset embedded in this assembly (see remarks
    /// of <see cref="FashionMnist"/>). PyTorch (torchvision): <c>datasets.FashionMNIST(root, train=train)</c>.
    /// </summary>
    /// <exception cref="FileNotFoundException">A file is missing; the message says how to get the data.</exception>
    /// <exception cref="InvalidDataException">A file is not a valid IDX file, the images are not [N,28,28], or the labels not [N] with the same N.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A label outside 0..9.</exception>
    public static ImageDataset Load(string? directory, bool train)
    {
        string split = train ? "train" : "t10k";
        string imagesName = $"{split}-images-idx3-ubyte", labelsName = $"{split}-labels-idx1-ubyte";
        IdxArray images, labels;
        if (directory is null)
        {
            images = ReadEmbedded(imagesName + ".gz");
            labels = ReadEmbedded(labelsName + ".gz");
        }
        else
        {
            images = IdxFile.Read(Find(directory, imagesName));
            labels = IdxFile.Read(Find(directory, labelsName));
        }

        var d = images.Dimensions;
        if (d.Length != 3 || d[1] != Side || d[2] != Side)
            throw new InvalidDataException($"fashion-mnist: {imagesName} must be images [N,{Side},{Side}], got {Shapes.Format(d)}");
        if (labels.Dimensions.Length != 1 || labels.Dimensions[0] != d[0])
            throw new InvalidDataException($"fashion-mnist: {labelsName} must be labels [N] with N = {d[0]} images, got {Shapes.Format(labels.Dimensions)}");
        var classes = new long[labels.Data.Length];
        for (int i = 0; i < classes.Length; i++) classes[i] = labels.Data[i];
        return new ImageDataset(images.Data, classes, Side, Side, ClassNames);
    }

    /// <summary>The gzipped file if present, else the plain one.</summary>
    static string Find(string directory, string name)
    {
        string gz = Path.Combine(directory, name + ".gz"), raw = Path.Combine(directory, name);
        if (File.Exists(gz)) return gz;
        if (File.Exists(raw)) return raw;
        throw new FileNotFoundException($"fashion-mnist: neither {gz} nor {raw} exists. {IdxFile.HowToGetData}", gz);
    }

    static IdxArray ReadEmbedded(string fileName)
    {
        string resource = ResourcePrefix + fileName;
        using var stream = typeof(FashionMnist).Assembly.GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"fashion-mnist: resource {resource} is not embedded in MiniNet.Training; "
                + "data/fashion-mnist/ must hold the subset when the library is built (see data/fashion-mnist/README.md)");
        return IdxFile.Read(stream, $"embedded {fileName}");
    }
}
