using System.Globalization;
using TorchSharp;

namespace MiniNet;

/// <summary>
/// Checks a MiniNet op against PyTorch (through TorchSharp), forward and backward, in one line per op
/// (tinygrad's <c>helper_test_op</c>):
/// <code>
/// Oracle.Check([2, 3], x => x.Relu(), t => t.relu());
/// Oracle.Check([2, 3], [3], (x, y) => x * y, (x, y) => x * y, DType.Float64);
/// Oracle.Check([4], x => x.Log(), t => t.log(), transform: x => x.Abs() + 0.1);
/// </code>
/// </summary>
/// <remarks>
/// Note: oracle backward seed. Backward is seeded through the scalar <c>((out + 1)^2).mean()</c>, built from the
/// output in both frameworks, so the upstream gradient <c>2(out + 1)/n</c> differs per element: a backward that
/// mixes up elements, transposes, or sums the wrong axis would pass with an all-ones seed (ConvNetSharp's habit).
/// </remarks>
public static class Oracle
{
    /// <summary>
    /// Runs <paramref name="mini"/> and <paramref name="reference"/> on copies of <paramref name="inputs"/>,
    /// compares the outputs, backpropagates <c>((out + 1)^2).mean()</c> in both (see the remarks of
    /// <see cref="Oracle"/>), and compares the gradient of every input that requires grad.
    /// The caller's tensors are not changed; everything the check makes is disposed.
    /// </summary>
    /// <param name="inputs">MiniNet inputs (copied, so their <c>Grad</c> stays untouched).</param>
    /// <param name="mini">The MiniNet function under test.</param>
    /// <param name="reference">The same function in TorchSharp.</param>
    /// <param name="requiresGrad">Per input, whether it requires grad; default: every floating-point input.</param>
    /// <param name="tolerance">Overrides the per-dtype default, <see cref="OracleTolerance.For"/>.</param>
    /// <exception cref="OracleMismatchException">Outputs or gradients differ (shape, dtype or values).</exception>
    /// <exception cref="ArgumentException">Flags of the wrong length, or an int64 input flagged to require grad.</exception>
    public static void Check(Tensor[] inputs, Func<Tensor[], Tensor> mini, Func<torch.Tensor[], torch.Tensor> reference,
        bool[]? requiresGrad = null, OracleTolerance? tolerance = null)
    {
        bool[] flags = requiresGrad ?? Array.ConvertAll(inputs, t => t.DType.IsFloatingPoint());
        if (flags.Length != inputs.Length)
            throw new ArgumentException($"oracle: {inputs.Length} inputs but {flags.Length} requiresGrad flags");
        for (int k = 0; k < inputs.Length; k++)
            if (flags[k] && !inputs[k].DType.IsFloatingPoint())
                throw new ArgumentException($"oracle: input {k} is {inputs[k].DType.TorchName()} and cannot require grad");

        TorchInterop.EnsureInitialized();
        using var torchScope = torch.NewDisposeScope();
        using var miniScope = Tensor.Scope();

        var x = new Tensor[inputs.Length];
        var tx = new torch.Tensor[inputs.Length];
        for (int k = 0; k < inputs.Length; k++)
        {
            x[k] = inputs[k].CloneDetached();
            x[k].RequiresGrad = flags[k];
            tx[k] = inputs[k].ToTorch(flags[k]);
        }
        Tensor y = mini(x);
        torch.Tensor ty = reference(tx);
        Compare(y, ty, "output", tolerance);

        if (!ty.requires_grad && !y.RequiresGrad) return; // nothing differentiable: int64 outputs, no input requiring grad
        if (ty.requires_grad != y.RequiresGrad)
            throw new OracleMismatchException(
                $"oracle: output {FormatShape(y.Shape)}: requires grad in {(y.RequiresGrad ? "MiniNet" : "PyTorch")} only (an op not recorded on the tape?)");

        // See Note: oracle backward seed (remarks of this class).
        var y1 = y + 1.0;
        (y1 * y1).Mean().Backward();
        ((ty + 1.0) * (ty + 1.0)).mean().backward();

        for (int k = 0; k < inputs.Length; k++)
        {
            if (!flags[k]) continue;
            Tensor? grad = x[k].Grad;
            torch.Tensor? torchGrad = tx[k].grad;
            if (grad is null && torchGrad is null) continue;
            // An input the output does not depend on gets no gradient: same as zeros.
            Compare(grad ?? Tensor.ZerosLike(x[k]), torchGrad ?? torch.zeros_like(tx[k]), $"grad of input {k}", tolerance);
        }
    }

    /// <summary>
    /// <see cref="Check(Tensor[], Func{Tensor[], Tensor}, Func{torch.Tensor[], torch.Tensor}, bool[], OracleTolerance?)"/>
    /// on standard-normal inputs of the given <paramref name="shapes"/>, drawn in order from <c>new Generator(seed)</c>.
    /// </summary>
    /// <param name="shapes">One shape per input.</param>
    /// <param name="mini">The MiniNet function under test.</param>
    /// <param name="reference">The same function in TorchSharp.</param>
    /// <param name="dtype">The dtype of the inputs.</param>
    /// <param name="seed">Seed of the generator the inputs are drawn from.</param>
    /// <param name="transform">Applied to each input (under no-grad) before the check, e.g. <c>x => x.Abs() + 0.1</c> for log.</param>
    /// <param name="tolerance">(rtol, atol); null takes <see cref="OracleTolerance.For"/> the dtype.</param>
    public static void Check(int[][] shapes, Func<Tensor[], Tensor> mini, Func<torch.Tensor[], torch.Tensor> reference,
        DType dtype = DType.Float32, ulong seed = 0, Func<Tensor, Tensor>? transform = null, OracleTolerance? tolerance = null)
    {
        using var scope = Tensor.Scope();
        var generator = new Generator(seed);
        var inputs = new Tensor[shapes.Length];
        using (Tensor.NoGrad())
        {
            for (int k = 0; k < shapes.Length; k++)
            {
                var normal = Tensor.Normal(shapes[k], generator: generator, dtype: dtype);
                inputs[k] = transform is null ? normal : transform(normal);
            }
        }
        Check(inputs, mini, reference, requiresGrad: null, tolerance);
    }

    /// <summary>One-input form of <see cref="Check(int[][], Func{Tensor[], Tensor}, Func{torch.Tensor[], torch.Tensor}, DType, ulong, Func{Tensor, Tensor}?, OracleTolerance?)"/>.</summary>
    public static void Check(int[] shape, Func<Tensor, Tensor> mini, Func<torch.Tensor, torch.Tensor> reference,
        DType dtype = DType.Float32, ulong seed = 0, Func<Tensor, Tensor>? transform = null, OracleTolerance? tolerance = null) =>
        Check([shape], x => mini(x[0]), t => reference(t[0]), dtype, seed, transform, tolerance);

    /// <summary>Two-input form of <see cref="Check(int[][], Func{Tensor[], Tensor}, Func{torch.Tensor[], torch.Tensor}, DType, ulong, Func{Tensor, Tensor}?, OracleTolerance?)"/>.</summary>
    public static void Check(int[] shapeX, int[] shapeY, Func<Tensor, Tensor, Tensor> mini, Func<torch.Tensor, torch.Tensor, torch.Tensor> reference,
        DType dtype = DType.Float32, ulong seed = 0, Func<Tensor, Tensor>? transform = null, OracleTolerance? tolerance = null) =>
        Check([shapeX, shapeY], x => mini(x[0], x[1]), t => reference(t[0], t[1]), dtype, seed, transform, tolerance);

    /// <summary>
    /// Throws unless <paramref name="mini"/> matches <paramref name="reference"/> in shape, dtype and values:
    /// <c>max|mini - reference| &lt;= atol + rtol * max|reference|</c>, with (rtol, atol) from
    /// <paramref name="tolerance"/> or <see cref="OracleTolerance.For"/> the dtype. NaN matches NaN and an infinity
    /// matches the same infinity at the same index; any other NaN or infinity mismatch fails.
    /// </summary>
    /// <param name="mini">The MiniNet tensor.</param>
    /// <param name="reference">The TorchSharp tensor it should equal.</param>
    /// <param name="what">Names the item in the error, e.g. "output" or "grad of input 1".</param>
    /// <param name="tolerance">(rtol, atol); null takes <see cref="OracleTolerance.For"/> the dtype.</param>
    /// <exception cref="OracleMismatchException">Naming <paramref name="what"/>, the shape, the worst index and both values there.</exception>
    public static void Compare(Tensor mini, torch.Tensor reference, string what, OracleTolerance? tolerance = null)
    {
        int[] shape = mini.Shape;
        long[] torchShape = reference.shape;
        if (!shape.Select(d => (long)d).SequenceEqual(torchShape))
            throw new OracleMismatchException($"oracle: {what}: shape {FormatShape(shape)} in MiniNet, {FormatShape(torchShape)} in PyTorch");
        if (reference.dtype.ToMiniNet() != mini.DType)
            throw new OracleMismatchException($"oracle: {what} {FormatShape(shape)}: dtype {mini.DType.TorchName()} in MiniNet, {reference.dtype} in PyTorch");

        double[] a = TorchInterop.ToDoubles(mini), b = TorchInterop.ToDoubles(reference);
        var (rtol, atol) = tolerance ?? OracleTolerance.For(mini.DType);
        double worst = 0, maxAbsB = 0;
        int worstAt = -1;
        for (int i = 0; i < a.Length; i++)
        {
            if (double.IsFinite(b[i])) maxAbsB = Math.Max(maxAbsB, Math.Abs(b[i]));
            double diff = a[i].Equals(b[i]) ? 0 : Math.Abs(a[i] - b[i]); // Equals: NaN == NaN, inf == inf
            if (double.IsNaN(diff)) diff = double.PositiveInfinity;
            if (diff > worst) (worst, worstAt) = (diff, i);
        }
        double allowed = atol + rtol * maxAbsB;
        if (worst <= allowed) return;

        string format = mini.DType == DType.Float32 ? "G9" : "G17";
        throw new OracleMismatchException(
            $"oracle: {what} {FormatShape(shape)} {mini.DType.TorchName()}: worst at index [{string.Join(",", Unravel(worstAt, shape))}]: " +
            $"MiniNet {Format(a[worstAt], format)}, PyTorch {Format(b[worstAt], format)}; |diff| {Format(worst, "G3")} > " +
            $"atol {Format(atol, "G3")} + rtol {Format(rtol, "G3")} * max|PyTorch| {Format(maxAbsB, "G6")} = {Format(allowed, "G3")}");
    }

    static int[] Unravel(int flat, int[] shape)
    {
        var index = new int[shape.Length];
        for (int d = shape.Length - 1; d >= 0; d--)
        {
            index[d] = flat % shape[d];
            flat /= shape[d];
        }
        return index;
    }

    static string Format(double value, string format) => value.ToString(format, CultureInfo.InvariantCulture);

    static string FormatShape<T>(T[] shape) => "[" + string.Join(",", shape) + "]";
}
