namespace MiniNet.Training.Tests.Data;

/// <summary>The embedded subset, the full set when installed, loading from a folder, and the dataset's checks.</summary>
public class FashionMnistTests
{
    static int[] PerClass(ImageDataset data)
    {
        var counts = new int[data.ClassNames.Count];
        foreach (long label in data.Labels) counts[label]++;
        return counts;
    }

    [Theory]
    [InlineData(true, 6000, 600)]
    [InlineData(false, 1000, 100)]
    public void The_embedded_subset_is_class_balanced(bool train, int count, int perClass)
    {
        var data = FashionMnist.Load(null, train);
        Assert.Equal(count, data.Count);
        Assert.Equal((28, 28), (data.Height, data.Width));
        Assert.Equal(count * 28 * 28, data.Pixels.Length);
        Assert.All(PerClass(data), n => Assert.Equal(perClass, n));
        Assert.Equal(10, data.ClassNames.Count);
        Assert.Equal("T-shirt/top", data.ClassNames[0]);
        Assert.Equal("Ankle boot", data.ClassNames[9]);
        Assert.Contains(data.Pixels, p => p == 255); // real images, not zeros
    }

    [Fact]
    public void The_full_set_loads_when_installed_and_the_subset_is_its_first_images_of_each_class()
    {
        if (!Directory.Exists(FashionMnist.DefaultDirectory)) return; // apt-get install dataset-fashion-mnist
        foreach (var (train, count, perClass) in new[] { (true, 60000, 600), (false, 10000, 100) })
        {
            var full = FashionMnist.Load(FashionMnist.DefaultDirectory, train);
            Assert.Equal(count, full.Count);
            Assert.Equal((28, 28), (full.Height, full.Width));
            Assert.All(PerClass(full), n => Assert.Equal(count / 10, n));

            var subset = FashionMnist.Load(null, train);
            var taken = new int[10];
            int k = 0;
            for (int i = 0; i < full.Count && k < subset.Count; i++)
            {
                if (taken[full.Labels[i]]++ >= perClass) continue;
                Assert.Equal(full.Labels[i], subset.Labels[k]);
                Assert.True(full.Pixels.AsSpan(i * 784, 784).SequenceEqual(subset.Pixels.AsSpan(k * 784, 784)), $"subset image {k} is not full image {i}");
                k++;
            }
            Assert.Equal(subset.Count, k);
        }
    }

    [Fact]
    public void A_folder_may_hold_plain_or_gzipped_files()
    {
        using var folder = new TempFolder();
        var pixels = new byte[3 * 28 * 28];
        pixels[28 * 28 + 5] = 200;
        IdxFile.Write(folder.File("t10k-images-idx3-ubyte"), new IdxArray([3, 28, 28], pixels), gzip: false);
        IdxFile.Write(folder.File("t10k-labels-idx1-ubyte.gz"), new IdxArray([3], [9, 0, 4]), gzip: true);
        var data = FashionMnist.Load(folder.Path, train: false);
        Assert.Equal(3, data.Count);
        Assert.Equal(new long[] { 9, 0, 4 }, data.Labels);
        Assert.Equal(pixels, data.Pixels);

        var e = Assert.Throws<FileNotFoundException>(() => FashionMnist.Load(folder.Path, train: true));
        Assert.Contains($"neither {folder.File("train-images-idx3-ubyte.gz")} nor {folder.File("train-images-idx3-ubyte")} exists", e.Message);
        Assert.Contains("apt-get install dataset-fashion-mnist", e.Message);
    }

    [Fact]
    public void Shapes_and_labels_are_checked()
    {
        using var folder = new TempFolder();
        IdxFile.Write(folder.File("train-images-idx3-ubyte.gz"), new IdxArray([2, 28, 27], new byte[2 * 28 * 27]), gzip: true);
        IdxFile.Write(folder.File("train-labels-idx1-ubyte.gz"), new IdxArray([2], [1, 2]), gzip: true);
        var e = Assert.Throws<InvalidDataException>(() => FashionMnist.Load(folder.Path, train: true));
        Assert.Equal("fashion-mnist: train-images-idx3-ubyte must be images [N,28,28], got [2,28,27]", e.Message);

        IdxFile.Write(folder.File("train-images-idx3-ubyte.gz"), new IdxArray([3, 28, 28], new byte[3 * 28 * 28]), gzip: true);
        e = Assert.Throws<InvalidDataException>(() => FashionMnist.Load(folder.Path, train: true));
        Assert.Equal("fashion-mnist: train-labels-idx1-ubyte must be labels [N] with N = 3 images, got [2]", e.Message);

        IdxFile.Write(folder.File("train-labels-idx1-ubyte.gz"), new IdxArray([3], [1, 10, 2]), gzip: true);
        var range = Assert.Throws<ArgumentOutOfRangeException>(() => FashionMnist.Load(folder.Path, train: true));
        Assert.Contains("image dataset: label 1 is 10, outside the 10 classes [0, 9]", range.Message);
    }

    [Fact]
    public void The_dataset_checks_its_arguments()
    {
        string[] names = ["a", "b"];
        var e = Assert.Throws<ArgumentException>(() => new ImageDataset(new byte[11], [0, 1], 2, 3, names));
        Assert.Contains("image dataset: 2 labels need 12 pixels (2x2x3), got 11", e.Message);
        var range = Assert.Throws<ArgumentOutOfRangeException>(() => new ImageDataset(new byte[12], [0, -1], 2, 3, names));
        Assert.Contains("label 1 is -1, outside the 2 classes [0, 1]", range.Message);
        range = Assert.Throws<ArgumentOutOfRangeException>(() => new ImageDataset([], [], 0, 3, names));
        Assert.Contains("image dataset: image size must be >= 1, got 0x3", range.Message);
        Assert.Throws<ArgumentException>(() => new ImageDataset([], [], 2, 3, []));
        var empty = new ImageDataset([], [], 2, 3, names);
        Assert.Equal(0, empty.Count);
    }
}
