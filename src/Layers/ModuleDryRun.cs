namespace MiniNet.Layers;

/// <summary>The input shape of one call of a direct child during a dry run, batch N restored.</summary>
/// <param name="Child">The child called.</param>
/// <param name="InputShape">The shape it was called on.</param>
public sealed record ChildCall(Module Child, int[] InputShape);

/// <summary>What a dry run of a module's forward found.</summary>
/// <param name="OutputShape">The output shape, batch N restored.</param>
/// <param name="ChildCalls">Each call of a direct child, in the order the calls ended.</param>
public sealed record DryRunResult(int[] OutputShape, IReadOnlyList<ChildCall> ChildCalls);

// Dry runs: the shapes of a module that is only its Forward (see "Note: a module that is only its Forward").
public abstract partial class Module
{
    /// <summary>
    /// Runs <see cref="Forward"/> on zeros of <paramref name="inputShape"/> with batch 1, in evaluation mode under
    /// no-grad, recording each direct child's input shape; every module's mode is restored afterwards (see "Note: a
    /// module that is only its Forward").
    /// </summary>
    /// <exception cref="ArgumentException">A shape without a batch of at least 1, or one that the forward refuses;
    /// the message names this module, the shape and the forward's own message.</exception>
    public DryRunResult DryRun(int[] inputShape)
    {
        ArgumentNullException.ThrowIfNull(inputShape);
        if (inputShape.Length == 0 || inputShape[0] < 1)
            throw new ArgumentException($"{TypeName}: a dry run needs an input shape that starts with a batch size of at least 1, got {Shapes.Format(inputShape)}");
        int batch = inputShape[0];
        int[] WithBatch(int[] shape)
        {
            if (shape.Length > 0 && shape[0] == 1) shape[0] = batch;
            return shape;
        }
        var calls = new List<ChildCall>();
        var hooks = _children.Select(c => c.Module.RegisterForwardHook((child, x, _) => calls.Add(new ChildCall(child, WithBatch(x.Shape))))).ToList();
        try
        {
            using var evaluating = EvalMode();
            using var scope = Tensor.Scope();
            using var noGrad = Tensor.NoGrad();
            var dtype = Parameters().FirstOrDefault()?.DType ?? DType.Float32;
            Tensor output;
            try { output = Forward(Tensor.Zeros([1, .. inputShape[1..]], dtype)); }
            catch (ArgumentException e)
            {
                throw new ArgumentException($"{TypeName}: Forward cannot take input {Shapes.Format(inputShape)}: {e.Message}", e);
            }
            return new DryRunResult(WithBatch(output.Shape), calls);
        }
        finally
        {
            foreach (var hook in hooks) hook.Dispose();
        }
    }

    /// <summary>True when <see cref="OutputShape"/> is the dry run's (the module is only its Forward).</summary>
    internal bool ShapesFromDryRun =>
        GetType().GetMethod(nameof(OutputShape), [typeof(int[])])!.DeclaringType == typeof(Module);
}
