using SkiaSharp;

namespace MiniNet.Training.Tests.Data;

/// <summary>ImageDataset.FromFolder: torchvision's ImageFolder layout, grey by Pillow's luma, sizes checked.</summary>
public class ImageFolderTests : IDisposable
{
    readonly string _root = Directory.CreateTempSubdirectory("mininet-images-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    void Png(string className, string name, int height, int width, Func<int, int, SKColor> color)
    {
        Directory.CreateDirectory(Path.Combine(_root, className));
        using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++) bitmap.SetPixel(x, y, color(y, x));
        using var data = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        File.WriteAllBytes(Path.Combine(_root, className, name), data.ToArray());
    }

    [Fact]
    public void ClassesAreSubfoldersAndColoursBecomeGrey()
    {
        Png("dog", "b.png", 2, 3, (y, x) => new SKColor((byte)(10 * (3 * y + x)), (byte)(10 * (3 * y + x)), (byte)(10 * (3 * y + x))));
        Png("dog", "a.png", 2, 3, (_, _) => new SKColor(100, 150, 200)); // 0.299·100 + 0.587·150 + 0.114·200 = 141.26
        Png("cat", "z.png", 2, 3, (_, _) => new SKColor(255, 0, 0, 128)); // half-transparent red: alpha ignored, 0.299·255 = 76.2
        File.WriteAllText(Path.Combine(_root, "dog", "notes.txt"), "not an image");

        var data = ImageDataset.FromFolder(_root);
        Assert.Equal(["cat", "dog"], data.ClassNames);
        Assert.Equal([0L, 1, 1], data.Labels); // cat/z, dog/a, dog/b
        Assert.Equal((2, 3), (data.Height, data.Width));
        Assert.Equal([76, 76, 76, 76, 76, 76, 141, 141, 141, 141, 141, 141, 0, 10, 20, 30, 40, 50], data.Pixels.Select(p => (int)p));

        var (images, labels) = new DataLoader(data, batchSize: 3, shuffle: false).Epoch().Single();
        Assert.Equal([3, 1, 2, 3], images.Shape);
        Assert.Equal([0L, 1, 1], labels.ToArray<long>());
    }

    [Fact]
    public void ImagesOfAnotherSizeAndEmptyFoldersAreRefused()
    {
        Assert.Contains("no class subfolder holding .png files", Assert.Throws<InvalidDataException>(() => ImageDataset.FromFolder(_root)).Message);
        Png("a", "1.png", 4, 4, (_, _) => SKColors.White);
        Png("b", "2.png", 4, 5, (_, _) => SKColors.White);
        var error = Assert.Throws<InvalidDataException>(() => ImageDataset.FromFolder(_root));
        Assert.Contains("2.png is 4x5 pixels", error.Message);
        Assert.Contains("1.png is 4x4", error.Message);
        File.WriteAllText(Path.Combine(_root, "a", "0.png"), "not a png");
        Assert.Contains("0.png", Assert.Throws<InvalidDataException>(() => ImageDataset.FromFolder(_root)).Message);
        Assert.Throws<DirectoryNotFoundException>(() => ImageDataset.FromFolder(Path.Combine(_root, "missing")));
    }
}
