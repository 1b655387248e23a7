namespace MiniNet.Models.Tests;

/// <summary>
/// Summary: receptive fields by hand (size = 1 + Σ dilation·(k - 1)·jump, jump = Π strides), a concat taking the
/// largest of its branches, adaptive pooling's largest window, rows in forward order, and totals.
/// </summary>
public class SummaryTests
{
    static SummaryRow Row(Summary summary, string name) => summary.Rows.Single(r => r.Name == name);

    [Fact]
    public void Three_stacked_3x3_convs_see_7x7()
    {
        using var net = new Sequential(new Conv2D(1, 1, 3), new Conv2D(1, 1, 3), new Conv2D(1, 1, 3));
        var summary = new Summary(net, [1, 1, 9, 9]);
        Assert.Equal([3, 5, 7], new[] { "0", "1", "2" }.Select(name => Row(summary, name).Field.Size.H));
        Assert.Equal(new ReceptiveField(7, 1), Row(summary, "").Field);
    }

    [Fact]
    public void A_3x3_conv_with_dilation_2_sees_5x5()
    {
        using var conv = new Conv2D(1, 1, 3, dilation: 2);
        Assert.Equal(new ReceptiveField(5, 1), new Summary(conv, [1, 1, 9, 9]).Rows.Single().Field);
    }

    [Fact]
    public void Strides_multiply_the_jump_and_widen_what_later_layers_add()
    {
        // 3x3 stride 2: 3, jump 2; max pool 3 stride 2: 3 + 2·2 = 7, jump 4; 3x3: 7 + 2·4 = 15; (1,7) kernel: W only.
        using var net = new Sequential(new Conv2D(1, 1, 3, stride: 2), new MaxPool2D(3, 2), new Conv2D(1, 1, 3), new Conv2D(1, 1, (1, 7), padding: (0, 3)));
        var summary = new Summary(net, [1, 1, 32, 32]);
        Assert.Equal(new ReceptiveField(3, 2), Row(summary, "0").Field);
        Assert.Equal(new ReceptiveField(7, 4), Row(summary, "1").Field);
        Assert.Equal(new ReceptiveField(15, 4), Row(summary, "2").Field);
        Assert.Equal(new ReceptiveField((15, 39), 4), Row(summary, "3").Field);
    }

    [Fact]
    public void A_concat_takes_the_largest_field_of_its_branches()
    {
        using var block = new InceptionV1(4, 2, 2, 2, 2, 2, 2);
        var summary = new Summary(block, [1, 4, 8, 8]);
        Assert.Equal([1, 3, 5, 3], new[] { "branch1", "branch2", "branch3", "branch4" }.Select(name => Row(summary, name).Field.Size.H));
        Assert.Equal(new ReceptiveField(5, 1), Row(summary, "").Field);
    }

    [Fact]
    public void Factorized_7x7_branches_see_7x7_and_13x13()
    {
        using var block = new InceptionC(4, 2, 2);
        var summary = new Summary(block, [1, 4, 7, 7]);
        Assert.Equal(new ReceptiveField((1, 7), 1), Row(summary, "branch2.1").Field);
        Assert.Equal(new ReceptiveField(7, 1), Row(summary, "branch2").Field);
        Assert.Equal(new ReceptiveField(13, 1), Row(summary, "branch3").Field);
        Assert.Equal(new ReceptiveField(13, 1), Row(summary, "").Field);
    }

    [Fact]
    public void Adaptive_pooling_7_to_4_reports_its_largest_window_and_step()
    {
        // Windows [0,2), [1,4), [3,6), [5,7): sizes 2, 3, 3, 2, starts 1, 2, 2 apart.
        using var pool = new AdaptiveAvgPool2D(4);
        Assert.Equal(new ReceptiveField(3, 2), new Summary(pool, [1, 1, 7, 7]).Rows.Single().Field);
    }

    [Fact]
    public void Global_pooling_and_flatten_see_the_whole_map()
    {
        using var net = new Sequential(new Conv2D(1, 2, 3, stride: 2), new GlobalAvgPool(), new Linear(2, 3));
        var summary = new Summary(net, [1, 1, 9, 9]);
        Assert.Equal(new ReceptiveField(3 + 3 * 2, 8), Row(summary, "1").Field); // a 4x4 map of jump 2
        Assert.Equal(Row(summary, "1").Field, Row(summary, "2").Field);

        using var head = new AuxiliaryHead(2, 3);
        var headSummary = new Summary(head, [1, 2, 7, 7]);
        Assert.Equal(new ReceptiveField(3, 2), Row(headSummary, "conv").Field);        // pooled 7 -> 4, then 1x1
        Assert.Equal(new ReceptiveField(3 + 3 * 2, 8), Row(headSummary, "fc1").Field); // then the whole 4x4 map
    }

    [Fact]
    public void GoogLeNet_rows_follow_the_forward_with_auxiliary_heads_after_their_stage()
    {
        using var model = new MiniGoogLeNet();
        var summary = new Summary(model, [2, 1, 28, 28]);
        Assert.Equal(model.NamedModules().Select(m => m.Name).Order(), summary.Rows.Select(r => r.Name).Order());
        var topLevel = summary.Rows.Where(r => r.Depth == 1).Select(r => r.Name).ToList();
        Assert.Equal(["conv1", "maxpool1", "inception3a", "inception3b", "maxpool3", "inception4a", "aux1", "inception4b", "inception4c",
            "inception4d", "aux2", "inception4e", "maxpool4", "inception5a", "inception5b", "avgpool", "dropout", "fc"], topLevel);
        int aux1 = summary.Rows.ToList().FindIndex(r => r.Name == "aux1");
        Assert.Equal(["aux1.conv", "aux1.conv.conv", "aux1.conv.bn", "aux1.fc1", "aux1.dropout", "aux1.fc2"],
            summary.Rows.Skip(aux1 + 1).Take(6).Select(r => r.Name));

        Assert.Equal([2, 128, 7, 7], Row(summary, "inception4a").OutputShape);
        Assert.Equal([2, 10], Row(summary, "aux2").OutputShape);
        Assert.Equal(model.AuxiliaryHeads[0].ParameterCount, Row(summary, "aux1").Parameters);
        Assert.Equal(model.Macs([2, 1, 28, 28]), Row(summary, "").Macs);
        Assert.Equal(new ReceptiveField(3, 1), Row(summary, "conv1").Field);
        Assert.Equal(new ReceptiveField(5, 2), Row(summary, "maxpool1").Field);
        Assert.Equal(new ReceptiveField(5 + 4 * 2, 2), Row(summary, "inception3a").Field); // its 5x5 branch at jump 2
    }

    [Fact]
    public void Totals_count_parameters_per_image_macs_and_leaf_activations()
    {
        using var model = new MiniGoogLeNet();
        var summary = new Summary(model, [2, 1, 28, 28]);
        Assert.Equal(647_958, summary.TotalParameters);
        Assert.Equal(647_958, summary.TrainableParameters);
        Assert.Equal(model.Macs([1, 1, 28, 28]), summary.MacsPerImage);

        // Conv 1 -> 4 (4·8·8), BN (4·8·8), max pool (4·4·4), flatten (64), linear (3): float32, per image.
        using var net = new Sequential(new Conv2D(1, 4, 3, padding: 1), new BatchNorm2D(4), new MaxPool2D(2), new Flatten(), new Linear(64, 3));
        net.Parameters().First().RequiresGrad = false;
        var small = new Summary(net, [3, 1, 8, 8]);
        Assert.Equal(4L * (256 + 256 + 64 + 64 + 3), small.ActivationBytesPerImage);
        Assert.Equal(net.ParameterCount - 36, small.TrainableParameters);
        Assert.Equal(36L * 64 + 64 * 3, small.MacsPerImage);
    }

    [Fact]
    public void The_text_has_a_line_per_row_and_the_totals()
    {
        using var model = new MiniInceptionV3();
        var text = new Summary(model, [1, 1, 28, 28]).ToString();
        Assert.Contains("Total params: 477,892", text);
        Assert.Contains("Trainable params: 477,892", text);
        Assert.Contains("Forward MACs per image: ", text);
        var mixed3 = text.Split('\n').Single(line => line.TrimStart().StartsWith("mixed3 (InceptionC)", StringComparison.Ordinal));
        Assert.Contains("[1,192,7,7]", mixed3);
        Assert.Contains("84,224", mixed3); // its parameters
        Assert.StartsWith("MiniInceptionV3", text.Split('\n')[3]);
    }

    [Fact]
    public void An_unknown_leaf_fails_naming_its_type()
    {
        using var net = new Sequential(new Conv2D(1, 1, 3), new Opaque());
        var e = Assert.Throws<NotSupportedException>(() => new Summary(net, [1, 1, 5, 5]));
        Assert.Contains("Opaque", e.Message);
        Assert.Contains("IReceptiveField", e.Message);
    }

    [Fact]
    public void A_composite_that_hides_ops_between_its_children_must_declare_them()
    {
        using var net = new PoolsBetween();
        var e = Assert.Throws<InvalidOperationException>(() => new Summary(net, [1, 1, 8, 8]));
        Assert.Contains("PoolsBetween", e.Message);
    }

    [Fact]
    public void DepthLimitsTheRowsNotTheTotals()
    {
        using var net = new Models.MiniGoogLeNet();
        var summary = new Summary(net, [1, 1, 28, 28]);
        string stages = summary.ToString(1), all = summary.ToString();
        Assert.Contains("inception3a (InceptionV1)", stages);
        Assert.DoesNotContain("inception3a.branch1", stages);
        Assert.Contains("inception3a.branch1.conv (Conv2D)", all);
        Assert.Contains("Total params: 647,958", stages);
        Assert.Equal(all, summary.ToString(int.MaxValue));
        Assert.Throws<ArgumentOutOfRangeException>(() => summary.ToString(-1));
    }

    sealed class Opaque : Module
    {
        protected override Tensor Forward(Tensor input) => input;
        public override int[] OutputShape(int[] inputShape) => inputShape;
        public override long Macs(int[] inputShape) => 0;
    }

    // conv, then a max pool that is an op, not a child: chaining the children alone gets the shape wrong.
    sealed class PoolsBetween : Module
    {
        readonly Conv2D _conv;
        public PoolsBetween() => _conv = RegisterModule("conv", new Conv2D(1, 1, 3, padding: 1));
        protected override Tensor Forward(Tensor input) => _conv.Call(input).MaxPool2d(2);
        public override int[] OutputShape(int[] inputShape) => new MaxPool2D(2).OutputShape(_conv.OutputShape(inputShape));
        public override long Macs(int[] inputShape) => _conv.Macs(inputShape);
    }
}
