// Two training steps of MiniGoogLeNet on the Fashion-MNIST subset embedded in MiniNet.Training, then a safetensors
// round trip of the weights: enough to show that the packages restore, link and run outside the repository.
using MiniNet;
using MiniNet.Layers;
using MiniNet.Models;
using MiniNet.Training;

var generator = new Generator(1);
using var model = new MiniGoogLeNet(generator);
using var optimizer = new Sgd(model.Parameters().Select(p => (Tensor)p), lr: 0.05, momentum: 0.9);
var loader = new DataLoader(FashionMnist.Load(null, train: true), batchSize: 8, shuffle: true, generator);

int step = 0;
foreach (var (images, labels) in loader.Epoch())
{
    using var scope = Tensor.Scope();
    optimizer.ZeroGrad();
    var loss = ClassifierLoss.Compute(model.Classify(images), labels);
    loss.Backward();
    optimizer.Step();
    double value = loss.Item();
    Console.WriteLine($"step {++step}: loss {value:0.0000}");
    if (!double.IsFinite(value)) return 1;
    if (step == 2) break;
}

string folder = Directory.CreateTempSubdirectory("mininet-consumer-").FullName;
try
{
    string path = Path.Combine(folder, "model.safetensors");
    model.SaveSafeTensors(path);
    using var copy = new MiniGoogLeNet(new Generator(2));
    copy.LoadSafeTensors(path);
    bool same = model.StateDict()["fc.weight"].ToArray<float>().SequenceEqual(copy.StateDict()["fc.weight"].ToArray<float>());
    Console.WriteLine(same ? "weights saved and loaded" : "weights differ after a round trip");
    return same ? 0 : 1;
}
finally
{
    Directory.Delete(folder, recursive: true);
}
