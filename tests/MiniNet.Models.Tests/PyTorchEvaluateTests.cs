using MiniNet.Training;

namespace MiniNet.Models.Tests;

/// <summary>
/// tools/pytorch/evaluate.py, run on a MiniNet training checkpoint (model, optimizer and random-stream sections, as
/// the Trainer writes) and on a plain weights file, over IDX files of 64 test images written here, gives MiniNet's
/// logits for every image (1e-4 relative, so the IDX reading, the normalization and the checkpoint's model section
/// all agree with MiniNet's) and prints the accuracy MiniNet computes.
/// </summary>
public class PyTorchEvaluateTests
{
    const int Images = 64;

    [Theory]
    [InlineData("checkpoint")]
    [InlineData("weights")]
    public void Evaluate_script_gives_MiniNets_logits_and_accuracy(string kind)
    {
        var folder = Directory.CreateTempSubdirectory("mininet-evaluate-").FullName;
        try
        {
            var subset = FashionMnist.Load(null, train: false);
            var test = new ImageDataset(subset.Pixels[..(Images * 28 * 28)], subset.Labels[..Images], 28, 28, subset.ClassNames);
            IdxFile.Write(Path.Combine(folder, "t10k-images-idx3-ubyte.gz"), new IdxArray([Images, 28, 28], test.Pixels), gzip: true);
            IdxFile.Write(Path.Combine(folder, "t10k-labels-idx1-ubyte.gz"), new IdxArray([Images], [.. test.Labels.Select(l => (byte)l)]), gzip: true);

            using var model = new MiniMobileNet(new Generator(61));
            BatchNormStir.Stir(model, 62);
            string file = Path.Combine(folder, $"mobilenet.{kind}.safetensors");
            using var optimizer = new Sgd(model.Parameters().Select(p => (Tensor)p), lr: 0.05, momentum: 0.9);
            TakeOneStep(model, optimizer); // the checkpoint then holds momentum buffers beside the model, as a trained one does
            if (kind == "checkpoint") SaveCheckpoint(model, optimizer, file);
            else model.SaveSafeTensors(file);

            model.Eval();
            using var scope = Tensor.Scope();
            using var noGrad = Tensor.NoGrad();
            var (images, labels) = new DataLoader(test, Images, shuffle: false).Epoch().Single();
            float[] ours = model.Call(images).ToArray<float>();
            int correct = Enumerable.Range(0, Images).Count(i => ArgMax(ours.AsSpan(i * 10, 10)) == labels.ToArray<long>()[i]);

            string logits = Path.Combine(folder, "logits.safetensors");
            string[] modelArgument = kind == "checkpoint" ? [] : ["--model", "MiniMobileNet"]; // a checkpoint names its model
            string output = Python.RunChecked("evaluate.py", [file, .. modelArgument, "--data", folder, "--batch-size", "24", "--logits-out", logits]);

            var theirs = SafeTensors.Load(logits).Tensors;
            Assert.Equal(labels.ToArray<long>(), theirs["labels"].ToArray<long>());
            float[] theirLogits = theirs["logits"].ToArray<float>();
            Assert.Equal(ours.Length, theirLogits.Length);
            double worst = ours.Zip(theirLogits, (a, b) => Math.Abs((double)a - b)).Max(), scale = ours.Max(v => Math.Abs((double)v));
            Assert.True(worst <= 1e-6 + 1e-4 * scale, $"evaluate.py against MiniNet: max|difference| = {worst:g4} > 1e-6 + 1e-4 * {scale:g4}");
            Assert.Contains($"test accuracy {correct / (double)Images:F4} ({correct}/{Images})", output);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>A checkpoint laid out as the Trainer's: sections model., optimizer. and rng., the model's type in the metadata.</summary>
    static void SaveCheckpoint(Classifier model, Optimizer optimizer, string path)
    {
        using var scope = Tensor.Scope();
        var tensors = new OrderedDictionary<string, Tensor>();
        Checkpoint.AddSection(tensors, "model", model.StateDict());
        Checkpoint.AddSection(tensors, "optimizer", optimizer.StateDict());
        tensors.Add("rng.model", Checkpoint.FromGeneratorState(new Generator(3).State));
        Checkpoint.Save(path, tensors, new Dictionary<string, string> { ["model"] = model.TypeName });
    }

    static void TakeOneStep(Classifier model, Optimizer optimizer)
    {
        using var scope = Tensor.Scope();
        model.Train();
        Tensor.CrossEntropy(model.Call(Tensor.Normal([2, 1, 28, 28], generator: new Generator(63))), Tensor.FromArray([1L, 7L], 2)).Backward();
        optimizer.Step();
        optimizer.ZeroGrad();
    }

    static int ArgMax(ReadOnlySpan<float> values)
    {
        int best = 0;
        for (int i = 1; i < values.Length; i++) if (values[i] > values[best]) best = i;
        return best;
    }
}
