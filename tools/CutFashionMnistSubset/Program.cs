// Cuts the class-balanced Fashion-MNIST subset that MiniNet.Training embeds (FashionMnist.Load(null, train)):
// the first 600 training images of each class and the first 100 test images of each class, in file order.
//
//   dotnet run --project tools/CutFashionMnistSubset [-- <source folder> [<output folder>]]
//
// Source: the full set, by default /usr/share/datasets/fashion-mnist (apt-get install dataset-fashion-mnist).
// Output: by default data/fashion-mnist of the repository holding the current folder (found by its MiniNet.sln).
// Rebuild MiniNet.Training afterwards so that it embeds the new files.
using MiniNet.Training;

const int TrainPerClass = 600, TestPerClass = 100;

string source = args.Length > 0 ? args[0] : FashionMnist.DefaultDirectory;
string output = args.Length > 1 ? args[1] : Path.Combine(RepositoryRoot(), "data", "fashion-mnist");
if (args.Length > 2)
{
    Console.Error.WriteLine("usage: CutFashionMnistSubset [<source folder> [<output folder>]]");
    return 2;
}
Directory.CreateDirectory(output);
Cut(train: true, TrainPerClass);
Cut(train: false, TestPerClass);
return 0;

void Cut(bool train, int perClass)
{
    var full = FashionMnist.Load(source, train);
    int classes = full.ClassNames.Count, plane = full.Height * full.Width;
    var taken = new int[classes];
    var kept = new List<int>(classes * perClass);
    for (int i = 0; i < full.Count && kept.Count < classes * perClass; i++)
    {
        if (taken[full.Labels[i]] == perClass) continue;
        taken[full.Labels[i]]++;
        kept.Add(i);
    }
    for (int c = 0; c < classes; c++)
    {
        if (taken[c] < perClass)
            throw new InvalidOperationException($"cut: class {c} ({full.ClassNames[c]}) has only {taken[c]} images in {source}, {perClass} wanted");
    }

    var pixels = new byte[kept.Count * plane];
    var labels = new byte[kept.Count];
    for (int k = 0; k < kept.Count; k++)
    {
        Array.Copy(full.Pixels, kept[k] * plane, pixels, k * plane, plane);
        labels[k] = (byte)full.Labels[kept[k]];
    }
    string split = train ? "train" : "t10k";
    string imagesPath = Path.Combine(output, $"{split}-images-idx3-ubyte.gz");
    string labelsPath = Path.Combine(output, $"{split}-labels-idx1-ubyte.gz");
    IdxFile.Write(imagesPath, new IdxArray([kept.Count, full.Height, full.Width], pixels), gzip: true);
    IdxFile.Write(labelsPath, new IdxArray([kept.Count], labels), gzip: true);
    Console.WriteLine($"{split}: kept {kept.Count} of {full.Count} images ({perClass} per class, last one at index {kept[^1]}) "
        + $"-> {imagesPath} ({new FileInfo(imagesPath).Length} bytes), {labelsPath} ({new FileInfo(labelsPath).Length} bytes)");
}

static string RepositoryRoot()
{
    for (var dir = new DirectoryInfo(Directory.GetCurrentDirectory()); dir is not null; dir = dir.Parent)
    {
        if (File.Exists(Path.Combine(dir.FullName, "MiniNet.sln"))) return dir.FullName;
    }
    throw new InvalidOperationException($"cut: no MiniNet.sln above {Directory.GetCurrentDirectory()}; run from the repository or pass the output folder");
}
