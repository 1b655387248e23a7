using System.Globalization;
using System.Text;

namespace MiniNet.Layers;

/// <summary>One module of a <see cref="Summary"/>.</summary>
/// <param name="Name">Dotted name, as in <see cref="Module.NamedModules"/> ("" for the model itself).</param>
/// <param name="TypeName">The module's <see cref="Module.TypeName"/>.</param>
/// <param name="Depth">0 for the model, 1 for its children, and so on.</param>
/// <param name="OutputShape">The module's output shape for the summary's input shape.</param>
/// <param name="Parameters">Parameter elements of the module and its descendants.</param>
/// <param name="Macs">The module's <see cref="Module.Macs"/> on its input, batch included.</param>
/// <param name="Field">Receptive field and jump of the output's positions with respect to the network's input.</param>
public sealed record SummaryRow(string Name, string TypeName, int Depth, int[] OutputShape, long Parameters, long Macs, ReceptiveField Field);

/// <summary>
/// A table of a model, one row per module in forward order (parents before their children, auxiliary heads after
/// the stage they read), computed from shapes alone, without running anything: output shape, parameters,
/// multiply-adds, receptive field and jump. Then totals: parameters, trainable parameters, multiply-adds per image
/// (the model's <see cref="Module.Macs"/> for N = 1; a <see cref="Classifier"/> counts its main path) and
/// activation memory per image. PyTorch: <c>torchinfo.summary(model, input_size)</c>, plus receptive fields.
/// </summary>
/// <remarks>
/// Data flow: a module implementing <see cref="IReceptiveField"/> declares its own (branches take the largest
/// field of their outputs); any other module with children chains them in registration order; a leaf maps the
/// field by its type (convolution and pooling windows, adaptive pooling's largest window, a whole-map window where
/// a rank-4 input loses H and W, the identity for normalization, activations, dropout and linear layers on
/// features). A module that is only its Forward (see that note on <see cref="Module"/>) is traced by its dry run: a
/// row for each call of a child, at the input it got; ops called directly in its Forward are taken to keep the
/// receptive field (true of activations and reshapes, not of functional pooling). The trace checks each module's
/// output shape against its <see cref="Module.OutputShape"/>.
/// </remarks>
public sealed class Summary
{
    readonly Dictionary<Module, string> _names;
    readonly List<SummaryRow> _rows = [];
    long _leafOutputElements;

    /// <summary>Summarizes <paramref name="model"/> for an input of <paramref name="inputShape"/> (batch included, e.g. [1, 1, 28, 28]).</summary>
    /// <exception cref="ArgumentException">An input shape the model cannot take.</exception>
    /// <exception cref="NotSupportedException">A leaf layer whose receptive field is unknown (it may implement <see cref="IReceptiveField"/>).</exception>
    /// <exception cref="InvalidOperationException">A module whose traced output shape differs from its <see cref="Module.OutputShape"/>.</exception>
    public Summary(Module model, int[] inputShape)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(inputShape);
        if (inputShape.Length == 0 || inputShape[0] < 1)
            throw new ArgumentException($"Summary: the input shape must start with a batch size of at least 1, got {Shapes.Format(inputShape)}");
        _names = model.NamedModules().ToDictionary(m => m.Module, m => m.Name);
        Visit(model, new FeatureMap(inputShape, ReceptiveField.Input));
        TotalParameters = model.ParameterCount;
        TrainableParameters = model.TrainableParameterCount;
        MacsPerImage = model.Macs([1, .. inputShape[1..]]);
        int elementSize = model.Parameters().FirstOrDefault()?.DType.ElementSize() ?? DType.Float32.ElementSize();
        ActivationBytesPerImage = _leafOutputElements / inputShape[0] * elementSize;
    }

    /// <summary>One row per module, in forward order.</summary>
    public IReadOnlyList<SummaryRow> Rows => _rows;

    /// <summary>Parameter elements of the model. PyTorch: torchinfo's "Total params".</summary>
    public long TotalParameters { get; }

    /// <summary>Elements of the parameters that require grad.</summary>
    public long TrainableParameters { get; }

    /// <summary>The model's multiply-adds for one image (see "Note: what Macs counts" on <see cref="Module"/>).</summary>
    public long MacsPerImage { get; }

    /// <summary>
    /// Bytes of every leaf layer's output for one image, at the parameters' element size: roughly what a training
    /// forward keeps for backward (ops inside a layer, such as BasicConv's ReLU, not counted). PyTorch: torchinfo's
    /// "Forward/backward pass size" without its factor 2.
    /// </summary>
    public long ActivationBytesPerImage { get; }

    FeatureMap Visit(Module module, FeatureMap input)
    {
        int row = _rows.Count;
        _rows.Add(null!); // the parent's row goes before its children's, which the trace adds
        var output = module switch
        {
            IReceptiveField declared => declared.Trace(input, Visit),
            _ when module.ShapesFromDryRun => TraceDryRun(module, input),
            _ when module.NamedChildren().Count > 0 => module.Children().Aggregate(input, (map, child) => Visit(child, map)),
            _ => Leaf(module, input),
        };
        var expected = module.OutputShape(input.Shape);
        if (!Shapes.Equal(output.Shape, expected))
            throw new InvalidOperationException(
                $"Summary: {module.TypeName} \"{_names[module]}\" traced to {Shapes.Format(output.Shape)} but its OutputShape gives {Shapes.Format(expected)} " +
                $"for input {Shapes.Format(input.Shape)}; a module whose forward is not its children in registration order must implement IReceptiveField");
        if (module.NamedChildren().Count == 0) _leafOutputElements += output.Shape.Aggregate(1L, (n, d) => n * d);
        string name = _names[module];
        int depth = name.Length == 0 ? 0 : name.Count(c => c == '.') + 1;
        _rows[row] = new SummaryRow(name, module.TypeName, depth, output.Shape, module.ParameterCount, module.Macs(input.Shape), output.Field);
        return output;
    }

    /// <summary>A module that is only its Forward: its children as its dry run called them, each on the input it got.</summary>
    FeatureMap TraceDryRun(Module module, FeatureMap input)
    {
        var run = module.DryRun(input.Shape);
        var field = input.Field;
        foreach (var call in run.ChildCalls) field = Visit(call.Child, new FeatureMap(call.InputShape, field)).Field;
        return new FeatureMap(run.OutputShape, field);
    }

    static FeatureMap Leaf(Module module, FeatureMap input)
    {
        var shape = module.OutputShape(input.Shape);
        var field = input.Field;
        bool losesMap = input.Shape.Length == 4 && shape.Length < 4;
        return new(shape, module switch
        {
            Conv2D conv => field.Window(conv.Kernel, conv.Stride, conv.Dilation),
            MaxPool2D pool => field.Window(pool.Kernel, pool.Stride, pool.Dilation),
            AvgPool2D pool => field.Window(pool.Kernel, pool.Stride, 1),
            AdaptiveAvgPool2D => field.AdaptiveWindow((input.Shape[2], input.Shape[3]), (shape[2], shape[3])),
            GlobalAvgPool or Flatten when losesMap => field.WholeMap((input.Shape[2], input.Shape[3])),
            BatchNorm2D or ReLU or Dropout or Flatten => field,
            Linear when input.Shape.Length < 4 => field,
            _ => throw new NotSupportedException(
                $"Summary: no receptive-field rule for {module.TypeName} on input {Shapes.Format(input.Shape)}; implement IReceptiveField on it"),
        });
    }

    /// <summary>The table as plain text: one line per row, indented by depth, then the totals.</summary>
    public override string ToString() => ToString(int.MaxValue);

    /// <summary>
    /// The table as plain text with the rows down to <paramref name="maxDepth"/> (0: the model alone, 1: its
    /// children, ...); the totals always count every layer. torchinfo: <c>summary(model, depth=...)</c>.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A negative depth.</exception>
    public string ToString(int maxDepth)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxDepth);
        string[] header = ["Layer (type)", "Output shape", "Param #", "MACs", "Receptive field", "Jump"];
        var cells = _rows.Where(r => r.Depth <= maxDepth).Select(r => new[]
        {
            new string(' ', 2 * r.Depth) + (r.Depth == 0 ? r.TypeName : $"{r.Name} ({r.TypeName})"),
            Shapes.Format(r.OutputShape),
            Number(r.Parameters),
            Number(r.Macs),
            $"{r.Field.Size.H}x{r.Field.Size.W}",
            r.Field.Jump.ToString(),
        }).Prepend(header).ToList();
        var widths = Enumerable.Range(0, header.Length).Select(c => cells.Max(line => line[c].Length)).ToArray();
        string Line(string[] line) => string.Join("  ", line.Select((cell, c) => c == 0 ? cell.PadRight(widths[c]) : cell.PadLeft(widths[c]))).TrimEnd();
        string rule = new('=', widths.Sum() + 2 * (widths.Length - 1));

        var text = new StringBuilder().AppendLine(rule).AppendLine(Line(header)).AppendLine(rule);
        foreach (var line in cells.Skip(1)) text.AppendLine(Line(line));
        return text.AppendLine(rule)
            .AppendLine($"Total params: {Number(TotalParameters)}")
            .AppendLine($"Trainable params: {Number(TrainableParameters)}")
            .AppendLine($"Non-trainable params: {Number(TotalParameters - TrainableParameters)}")
            .AppendLine(string.Create(CultureInfo.InvariantCulture, $"Forward MACs per image: {Number(MacsPerImage)} ({MacsPerImage / 1e6:F2} M)"))
            .AppendLine(string.Create(CultureInfo.InvariantCulture, $"Activation memory per image: {ActivationBytesPerImage / 1e6:F2} MB"))
            .Append(rule).ToString();
    }

    static string Number(long n) => n.ToString("N0", CultureInfo.InvariantCulture);
}
