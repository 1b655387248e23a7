using MiniNet.Layers;

namespace MiniNet.Training;

/// <summary>The result of evaluating a classifier on a data set.</summary>
/// <param name="Loss">Mean main-head loss per image.</param>
/// <param name="Accuracy">Share of images whose main-head argmax equals the label.</param>
/// <param name="Images">Number of images evaluated.</param>
public sealed record Evaluation(double Loss, double Accuracy, int Images)
{
    /// <summary>The k of <see cref="TopKAccuracy"/> (at most the number of classes).</summary>
    public int TopK { get; init; }

    /// <summary>Share of images whose label is among the k largest logits (see <see cref="Metrics.CountTopK"/>).</summary>
    public double TopKAccuracy { get; init; } = double.NaN;

    /// <summary>Actual against predicted class, over every image with a prediction.</summary>
    public ConfusionMatrix? Confusion { get; init; }

    /// <summary>Misclassified images, at most a few per (actual, predicted) pair, in data order.</summary>
    public IReadOnlyList<ConfusedExample> Examples { get; init; } = [];
}

/// <summary>One misclassified image, as the loader gave it (normalized).</summary>
/// <param name="Actual">Its label.</param>
/// <param name="Predicted">The model's class.</param>
/// <param name="Index">Its position in the evaluated data (the dataset index when the loader does not shuffle).</param>
/// <param name="Pixels">Its values, [C,H,W] row-major.</param>
/// <param name="Height">H.</param>
/// <param name="Width">W.</param>
public sealed record ConfusedExample(int Actual, int Predicted, int Index, float[] Pixels, int Height, int Width);

/// <summary>
/// Inference and evaluation of any model that maps images to logits, under no-grad in evaluation mode, each
/// module's mode restored afterwards. PyTorch: <c>model.eval()</c> and <c>with torch.no_grad():</c> around the loop.
/// </summary>
public static class ModelEvaluation
{
    /// <summary>
    /// The model's logits [N, classes] for <paramref name="images"/>, computed in evaluation mode (no dropout, running
    /// batch-norm statistics) under no-grad; every module's mode is restored afterwards. The result belongs to the
    /// current scope, if any. PyTorch: <c>model.eval(); with torch.no_grad(): logits = model(images)</c>.
    /// </summary>
    public static Tensor Predict(this Module model, Tensor images)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(images);
        using var evaluating = model.EvalMode();
        using var noGrad = Tensor.NoGrad();
        return model.Call(images);
    }

    /// <summary>
    /// Loss (main head, with <paramref name="labelSmoothing"/>), accuracy, top-<paramref name="topK"/> accuracy and
    /// the confusion matrix of <paramref name="model"/> on every batch of <paramref name="data"/>, in evaluation mode
    /// under no-grad (see <see cref="Predict"/>); with <paramref name="examplesPerPair"/> &gt; 0, also up to that many
    /// misclassified images per (actual, predicted) pair.
    /// </summary>
    /// <exception cref="ArgumentException">Logits whose class count differs from the dataset's class names.</exception>
    public static Evaluation Evaluate(this Module model, DataLoader data, double labelSmoothing = 0, int topK = 5, int examplesPerPair = 0)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentOutOfRangeException.ThrowIfNegative(examplesPerPair);
        var classNames = data.Dataset.ClassNames;
        int k = Math.Clamp(topK, 1, classNames.Count);
        var confusion = new ConfusionMatrix(classNames);
        var examples = new List<ConfusedExample>();
        var perPair = new Dictionary<(int, int), int>();
        double lossSum = 0;
        long correct = 0, inTopK = 0;
        int images = 0;
        using (model.EvalMode())
        using (Tensor.NoGrad())
        using (var batches = data.Epoch().GetEnumerator())
        {
            while (true)
            {
                using var scope = Tensor.Scope();
                if (!batches.MoveNext()) break;
                var (x, targets) = batches.Current;
                var logits = model.Call(x);
                if (logits.Shape.Length != 2 || logits.Shape[1] != classNames.Count)
                    throw new ArgumentException($"Evaluate: {model.TypeName} gave logits {Shapes.Format(logits.Shape)} for input {Shapes.Format(x.Shape)}; the data has {classNames.Count} classes, so [N,{classNames.Count}] was expected");
                int n = targets.Shape[0];
                lossSum += Tensor.CrossEntropy(logits, targets, Reduction.Mean, labelSmoothing).Item() * n;
                inTopK += Metrics.CountTopK(logits, targets, k);
                var predicted = Metrics.Predictions(logits);
                var labels = targets.Data<long>();
                int plane = x.Count / n;
                for (int i = 0; i < n; i++)
                {
                    if (predicted[i] < 0) continue; // a NaN row: no prediction, counted wrong
                    int actual = (int)labels[i];
                    confusion.Add(actual, predicted[i]);
                    if (predicted[i] == actual) { correct++; continue; }
                    if (perPair.GetValueOrDefault((actual, predicted[i])) >= examplesPerPair) continue;
                    perPair[(actual, predicted[i])] = perPair.GetValueOrDefault((actual, predicted[i])) + 1;
                    examples.Add(new ConfusedExample(actual, predicted[i], images + i, x.Data<float>().Slice(i * plane, plane).ToArray(), x.Shape[2], x.Shape[3]));
                }
                images += n;
            }
        }
        double Share(double count) => images > 0 ? count / images : double.NaN;
        return new Evaluation(Share(lossSum), Share(correct), images) { TopK = k, TopKAccuracy = Share(inTopK), Confusion = confusion, Examples = examples };
    }
}
