// Quick start: a two-layer net learns a synthetic three-arm spiral with plain SGD, written directly on tensors
// so every step of the training loop is visible. Later examples use the layer library and the trainer.
using MiniNet;

const int Classes = 3, PointsPerClass = 100, Hidden = 64, Steps = 400;
const double LearningRate = 0.5;
var generator = new Generator(seed: 7);

var (points, labels) = Spiral(PointsPerClass, Classes, generator);

// Parameters are leaves that require grad; they live outside every scope.
var w1 = (Tensor.Normal([2, Hidden], std: Math.Sqrt(2.0 / 2), generator: generator)).Unscoped();
var b1 = Tensor.Zeros([Hidden]).Unscoped();
var w2 = (Tensor.Normal([Hidden, Classes], std: Math.Sqrt(1.0 / Hidden), generator: generator)).Unscoped();
var b2 = Tensor.Zeros([Classes]).Unscoped();
Tensor[] parameters = [w1, b1, w2, b2];
foreach (var p in parameters) p.RequiresGrad = true;

Console.WriteLine($"spiral: {points.Size(0)} points, {Classes} classes; MLP 2 -> {Hidden} -> {Classes}; SGD lr {LearningRate}");
for (int step = 0; step <= Steps; step++)
{
    // Every tensor made in this step (activations, the loss, backward's temporaries) goes back to the pool here.
    using var scope = Tensor.Scope();
    var logits = (points.MatMul(w1) + b1).Relu().MatMul(w2) + b2;
    var loss = Tensor.CrossEntropy(logits, labels);
    foreach (var p in parameters) p.ZeroGrad();
    loss.Backward();
    using (Tensor.NoGrad())
        foreach (var p in parameters) p.AddInPlace(p.Grad!, -LearningRate);

    if (step % 50 == 0)
    {
        var (_, predicted) = logits.Max(1);
        int correct = predicted.ToArray<long>().Zip(labels.ToArray<long>()).Count(pair => pair.First == pair.Second);
        Console.WriteLine($"step {step,4}  loss {loss.Item():F4}  accuracy {100.0 * correct / labels.Count:F1}%");
    }
}

static (Tensor Points, Tensor Labels) Spiral(int perClass, int classes, Generator generator)
{
    var xy = new float[perClass * classes * 2];
    var labels = new long[perClass * classes];
    for (int c = 0; c < classes; c++)
        for (int i = 0; i < perClass; i++)
        {
            int n = c * perClass + i;
            double r = (double)i / perClass;
            double theta = c * 2 * Math.PI / classes + 4 * r + 0.2 * generator.NextNormal();
            xy[2 * n] = (float)(r * Math.Sin(theta));
            xy[2 * n + 1] = (float)(r * Math.Cos(theta));
            labels[n] = c;
        }
    return (Tensor.FromArray(xy, perClass * classes, 2).Unscoped(), Tensor.FromArray(labels, perClass * classes).Unscoped());
}
