using MiniNet.Layers;

namespace MiniNet.Training.Tests;

/// <summary>
/// Evaluation on a case small enough to count by hand: eight 1x3 images whose pixels are the logits, so each
/// prediction is the brightest pixel.
/// </summary>
public class EvaluationTests : IDisposable
{
    readonly string _folder = Directory.CreateTempSubdirectory("mininet-evaluation-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    /// <summary>Logits = pixels·scale ([N,1,1,3] to [N,3]); a dropout child and a parameter, to see mode and no-grad.</summary>
    sealed class PixelsAsLogits : Module
    {
        readonly Parameter _scale;
        readonly Layers.Dropout _dropout;

        public PixelsAsLogits()
        {
            _scale = RegisterParameter("scale", Tensor.Ones([1]));
            _dropout = RegisterModule("dropout", new Layers.Dropout(0.5, new Generator(1)));
        }

        public bool RanInTraining { get; private set; }

        protected override Tensor Forward(Tensor x)
        {
            RanInTraining |= IsTraining || _dropout.IsTraining;
            return _dropout.Call(x.Flatten(1)) * _scale;
        }
    }

    //                 label, pixels (= logits)     prediction
    static readonly (long Label, byte[] Pixels)[] Images =
    [
        (0, [255, 0, 0]),    // 0 right
        (0, [0, 255, 0]),    // 1: 0 as 1
        (1, [0, 255, 10]),   // 1 right
        (1, [0, 10, 255]),   // 2: 1 as 2
        (2, [0, 0, 255]),    // 2 right
        (2, [255, 0, 100]),  // 0: 2 as 0, the label second (in the top 2)
        (0, [0, 200, 255]),  // 2: 0 as 2, the label last
        (0, [0, 255, 100]),  // 1: 0 as 1 again, the label last
    ];

    static DataLoader Loader() => new(new ImageDataset(Images.SelectMany(i => i.Pixels).ToArray(), Images.Select(i => i.Label).ToArray(), 1, 3, ["zero", "one", "two"]),
        batchSize: 3, shuffle: false, mean: 0, std: 1);

    [Fact]
    public void TheConfusionMatrixAndAccuraciesAreTheHandCountedOnes()
    {
        using var model = new PixelsAsLogits();
        var evaluation = model.Evaluate(Loader(), topK: 2, examplesPerPair: 1);
        var confusion = evaluation.Confusion!;
        long[,] expected = { { 1, 2, 1 }, { 0, 1, 1 }, { 1, 0, 1 } }; // rows actual, columns predicted
        for (int a = 0; a < 3; a++)
            for (int p = 0; p < 3; p++) Assert.Equal(expected[a, p], confusion[a, p]);
        Assert.Equal(8, evaluation.Images);
        Assert.Equal(3 / 8.0, evaluation.Accuracy);
        Assert.Equal(2, evaluation.TopK);
        Assert.Equal(6 / 8.0, evaluation.TopKAccuracy);
        Assert.Equal([0.25, 0.5, 0.5], Enumerable.Range(0, 3).Select(confusion.ClassAccuracy));
        Assert.Equal([(0, 1, 2L), (0, 2, 1L)], confusion.MostConfused(2));
        // One example per pair, in data order, indices across batches of 3: image 1 (not 7) for "zero as one".
        Assert.Equal([(0, 1, 1), (1, 2, 3), (2, 0, 5), (0, 2, 6)], evaluation.Examples.Select(e => (e.Actual, e.Predicted, e.Index)));
        Assert.Equal([0f, 1f, 0f], evaluation.Examples[0].Pixels);
        Assert.True(double.IsFinite(evaluation.Loss));
    }

    [Fact]
    public void PredictAndEvaluateRunInEvalModeUnderNoGradAndRestoreTheMode()
    {
        using var model = new PixelsAsLogits();
        model.Train();
        using var scope = Tensor.Scope();
        var logits = model.Predict(Tensor.FromArray([0f, 1f, 0.5f], 1, 1, 1, 3));
        Assert.False(logits.RequiresGrad);
        Assert.Equal([0f, 1f, 0.5f], logits.ToArray<float>()); // no dropout
        model.Evaluate(Loader());
        Assert.False(model.RanInTraining);
        Assert.All(model.NamedModules(), m => Assert.True(m.Module.IsTraining));
        model.Eval();
        model.Predict(Tensor.Zeros([1, 1, 1, 3]));
        Assert.All(model.NamedModules(), m => Assert.False(m.Module.IsTraining));
    }

    [Fact]
    public void TheReportPrintsTheTableAndSavesTheFiles()
    {
        using var model = new PixelsAsLogits();
        var evaluation = model.Evaluate(Loader(), topK: 2, examplesPerPair: 2);
        var text = new StringWriter();
        EvaluationReport.Write(evaluation, text);
        string printed = text.ToString();
        Assert.Contains("0 zero", printed);
        Assert.Contains("0.2500", printed);
        Assert.Contains("top-2 accuracy 0.7500", printed);
        Assert.Contains("most confused: zero as one 2; zero as two 1", printed);

        var written = EvaluationReport.Save(evaluation, _folder, "pixels");
        Assert.Equal([EvaluationReport.ConfusionMatrixFileName, EvaluationReport.ConfusedExamplesFileName, EvaluationReport.PerClassFileName], written.Select(Path.GetFileName));
        foreach (var png in written.Take(2))
            Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, File.ReadAllBytes(png)[..4]);
        var rows = File.ReadAllLines(Path.Combine(_folder, EvaluationReport.PerClassFileName));
        Assert.Equal("class,name,images,correct,accuracy,most_confused_with,count", rows[0]);
        Assert.Equal("0,\"zero\",4,1,0.25,one,2", rows[1]);
        Assert.Empty(Directory.GetFiles(_folder, "*.tmp*"));
    }

    [Fact]
    public void TopKCountsTiesForTheLabelAndNaNRowsAsWrong()
    {
        using var scope = Tensor.Scope();
        var logits = Tensor.FromArray([1f, 1f, 0f, float.NaN, 2f, 0f], 2, 3);
        var targets = Tensor.FromArray([1L, 1L], 2);
        Assert.Equal(1, Metrics.CountTopK(logits, targets, 1)); // row 0: nothing larger than the label's 1
        Assert.Equal(0, Metrics.CountCorrect(logits, targets)); // argmax takes the first maximum, class 0
        Assert.Equal([0, -1], Metrics.Predictions(logits));
        Assert.Contains("k must be in [1, 3]", Assert.Throws<ArgumentException>(() => Metrics.CountTopK(logits, targets, 4)).Message);
    }
}
