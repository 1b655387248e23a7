// The code of README's "Your own model" section, between the marker lines: ReadmeExampleTests checks that the README
// shows exactly this text, and runs it.
namespace MiniNet.Training.Tests;

// README begin
using MiniNet;
using MiniNet.Layers;
using MiniNet.Training;

/// <summary>A model is its Forward: output shapes, multiply-adds and Summary come from a dry run.</summary>
sealed class SmallNet : Module
{
    readonly BasicConv _conv1, _conv2;
    readonly Linear _fc;

    public SmallNet(Generator generator)
    {
        _conv1 = RegisterModule("conv1", new BasicConv(1, 16, 3, stride: 2, padding: 1, generator: generator));
        _conv2 = RegisterModule("conv2", new BasicConv(16, 32, 3, stride: 2, padding: 1, generator: generator));
        _fc = RegisterModule("fc", new Linear(32, 10, generator: generator));
    }

    protected override Tensor Forward(Tensor x) => _fc.Call(_conv2.Call(_conv1.Call(x)).Mean([2, 3]));
}

static class YourOwnModel
{
    public static Evaluation Run(ImageDataset train, ImageDataset test, string output)
    {
        using var model = new SmallNet(new Generator(seed: 1));
        Console.WriteLine(new Summary(model, [1, 1, 28, 28]));
        using var optimizer = new RmsProp(model.Parameters(), lr: 0.003);
        var trainer = new Trainer(model, optimizer, train, test, new TrainerOptions { Epochs = 2, OutputDirectory = output });
        trainer.Fit(); // each epoch's line, then the confusion matrix, per-class and top-5 accuracy, most confused pairs
        return trainer.FinalEvaluation!;
    }
}
// README end
