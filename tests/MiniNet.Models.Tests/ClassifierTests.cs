namespace MiniNet.Models.Tests;

/// <summary>
/// Classify: auxiliary logits only in training mode, the main logits equal to Call's, MACs of a training forward
/// equal to the main path's plus the heads'. (Logits, loss and gradients against TorchSharp: TwinTests.)
/// </summary>
public class ClassifierTests
{
    static readonly Dictionary<string, (Func<Classifier> Make, int AuxHeads)> Models = new()
    {
        ["GoogLeNet"] = (() => new MiniGoogLeNet(new Generator(1)), 2),
        ["GoogLeNet without aux"] = (() => new MiniGoogLeNet(new Generator(1), auxLogits: false), 0),
        ["Inception v3"] = (() => new MiniInceptionV3(new Generator(2), classes: 5), 1),
        ["MobileNet"] = (() => new MiniMobileNet(new Generator(3)), 0),
    };

    public static TheoryData<string> ModelNames() => new(Models.Keys);

    [Theory, MemberData(nameof(ModelNames))]
    public void Auxiliary_logits_come_only_in_training_mode(string name)
    {
        var (make, auxHeads) = Models[name];
        using var model = make();
        using var scope = Tensor.Scope();
        var x = Tensor.Normal([2, 1, 28, 28], generator: new Generator(5));
        int[] logitsShape = model.OutputShape([2, 1, 28, 28]);

        var (training, trainingMacs) = ForwardCount.Run(model, () => model.Classify(x));
        Assert.Equal(auxHeads, training.AuxLogits.Count);
        Assert.All(training.AuxLogits, aux => Assert.Equal(logitsShape, aux.Shape));
        // A head pools to 4x4 first, so its multiply-adds do not depend on the size of the map it reads.
        Assert.Equal(model.Macs([2, 1, 28, 28]) + model.AuxiliaryHeads.Sum(h => h.Macs([2, h.Conv.Conv.InChannels, 7, 7])), trainingMacs);

        model.Eval();
        var evaluation = model.Classify(x);
        Assert.Empty(evaluation.AuxLogits);
        Assert.Equal(evaluation.Logits.ToArray<float>(), model.Call(x).ToArray<float>());
    }

    [Fact]
    public void A_head_must_read_a_stage_of_its_classifier()
    {
        var e = Assert.Throws<ArgumentException>(() => new ReadsNothing());
        Assert.Contains("ReadsNothing: auxiliary head \"aux\"", e.Message);
    }

    sealed class ReadsNothing : Classifier
    {
        public ReadsNothing() => AddAuxiliaryHead("aux", new AuxiliaryHead(2, 2), after: new ReLU());
    }
}
