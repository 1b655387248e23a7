using System.Text.RegularExpressions;
using MiniNet.Kernels;

namespace MiniNet.Autograd.Tests;

/// <summary>The tape, backward, NoGrad, anomaly mode, tensor lifetime and pooling, in-place rules, Generator, printing, errors and GradCheck.</summary>
[Collection(SerialCollection.Name)]
public class TapeAndLifetimeTests
{
    static Tensor Param(float[] data, params int[] shape)
    {
        var t = Tensor.FromArray(data, shape);
        t.RequiresGrad = true;
        return t;
    }

    static Tensor Param64(double[] data, params int[] shape)
    {
        var t = Tensor.FromArray(data, shape);
        t.RequiresGrad = true;
        return t;
    }

    // ---------------------------------------------------------------- the tape

    [Fact]
    public void Tape_prints_one_line_per_entry_with_op_input_shapes_and_output_shape()
    {
        using var scope = Tensor.Scope();
        var tape = Tape.Current;
        int before = tape.Entries.Count;
        var x = Param(new float[6], 2, 3);
        var b = Param(new float[3], 3);
        var y = (x + b).Sum();

        Assert.Equal(before + 2, tape.Entries.Count);
        var lines = tape.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(before + 2, lines.Length);
        Assert.Equal($"#{before} add([2,3], [3]) -> [2,3]", lines[before]);
        Assert.Equal($"#{before + 1} sum([2,3]) -> []", lines[before + 1]);
        Assert.Equal("add", tape.Entries[before].Op);
        Assert.Equal(new[] { 2, 3 }, tape.Entries[before].OutputShape);

        // Released entries still print (their shapes are kept), though they leave the tape.
        var addEntry = tape.Entries[before];
        y.Backward();
        Assert.True(addEntry.Released);
        Assert.Equal("add([2,3], [3]) -> [2,3]", addEntry.ToString());
        Assert.Equal(before, tape.Entries.Count);
    }

    [Fact]
    public void Tape_ToDot_has_op_nodes_and_edges_through_the_tensors()
    {
        using var scope = Tensor.Scope();
        var x = Param(new float[] { 1, 2, 3, 4, 5, 6 }, 2, 3);
        var w = Param(new float[12], 3, 4);
        _ = x.MatMul(w).Sum();

        string dot = Tape.Current.ToDot();
        Assert.StartsWith("digraph tape {", dot);
        Assert.EndsWith("}\n", dot);
        var matmul = Regex.Match(dot, @"(op\d+) \[shape=box, label=""matmul""\]");
        var sum = Regex.Match(dot, @"(op\d+) \[shape=box, label=""sum""\]");
        Assert.True(matmul.Success, dot);
        Assert.True(sum.Success, dot);
        string opMatmul = matmul.Groups[1].Value, opSum = sum.Groups[1].Value;

        // x [2,3] and w [3,4] flow into matmul (leaves requiring grad are highlighted) ...
        var inputs = Regex.Matches(dot, @"(t\d+) -> " + opMatmul + ";").Select(m => m.Groups[1].Value).ToList();
        Assert.Equal(2, inputs.Count);
        Assert.Contains($"{inputs[0]} [shape=ellipse, label=\"[2,3]\", style=filled, fillcolor=lightblue];", dot);
        Assert.Contains($"{inputs[1]} [shape=ellipse, label=\"[3,4]\", style=filled, fillcolor=lightblue];", dot);
        // ... its output [2,4] flows on into sum, whose output is [].
        var product = Regex.Match(dot, opMatmul + @" -> (t\d+);").Groups[1].Value;
        Assert.Contains($"{product} [shape=ellipse, label=\"[2,4]\"];", dot);
        Assert.Contains($"{product} -> {opSum};", dot);
        var total = Regex.Match(dot, opSum + @" -> (t\d+);").Groups[1].Value;
        Assert.Contains($"{total} [shape=ellipse, label=\"[]\"];", dot);
    }

    [Fact]
    public void Tape_is_per_thread()
    {
        using var scope = Tensor.Scope();
        var mine = Tape.Current;
        int myCount = mine.Entries.Count;
        Tape? theirs = null;
        int theirCount = -1;
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                using var s = Tensor.Scope();
                var a = Param(new float[] { 1, 2 }, 2);
                _ = (a * 3.0).Sum();
                theirs = Tape.Current;
                theirCount = theirs.Entries.Count;
            }
            catch (Exception e) { failure = e; }
        });
        thread.Start();
        thread.Join();
        Assert.Null(failure);
        Assert.NotNull(theirs);
        Assert.NotSame(mine, theirs);
        Assert.Equal(2, theirCount);
        Assert.Equal(myCount, Tape.Current.Entries.Count);
        Assert.Same(mine, Tape.Current);
    }

    // ---------------------------------------------------------------- backward

    [Fact]
    public void Backward_on_a_scalar_accumulates_into_leaves_and_a_second_backward_over_the_released_tape_throws()
    {
        using var scope = Tensor.Scope();
        // y = Σ (x·w + x),  dy/dx = w + 1,  dy/dw = x
        var x = Param(new float[] { 1, 2, 3 }, 3);
        var w = Param(new float[] { 4, 5, 6 }, 3);
        var y = (x * w + x).Sum();
        y.Backward();
        Assert.Equal(new float[] { 5, 6, 7 }, x.Grad!.ToArray<float>());
        Assert.Equal(new float[] { 1, 2, 3 }, w.Grad!.ToArray<float>());

        var e = Assert.Throws<InvalidOperationException>(() => y.Backward());
        Assert.Contains("released", e.Message);
        Assert.Equal(new float[] { 5, 6, 7 }, x.Grad!.ToArray<float>());
    }

    [Fact]
    public void Backward_with_retainGraph_can_run_twice_and_doubles_the_gradient()
    {
        using var scope = Tensor.Scope();
        // y = Σ x²,  dy/dx = 2x; twice: 4x
        var x = Param(new float[] { 1, -2, 3 }, 3);
        var y = (x * x).Sum();
        y.Backward(retainGraph: true);
        Assert.Equal(new float[] { 2, -4, 6 }, x.Grad!.ToArray<float>());
        y.Backward();
        Assert.Equal(new float[] { 4, -8, 12 }, x.Grad!.ToArray<float>());
        Assert.Contains("released", Assert.Throws<InvalidOperationException>(() => y.Backward()).Message);
    }

    [Fact]
    public void Backward_on_a_non_scalar_needs_gradOutput()
    {
        using var scope = Tensor.Scope();
        // y = 3x,  dL/dx = 3·gradOutput
        var x = Param(new float[] { 1, 2, 3, 4 }, 2, 2);
        var y = x * 3.0;
        var e = Assert.Throws<InvalidOperationException>(() => y.Backward());
        Assert.Contains("[2,2]", e.Message);
        Assert.Null(x.Grad);

        y.Backward(Tensor.FromArray(new float[] { 1, 2, 3, 4 }, 2, 2));
        Assert.Equal(new float[] { 3, 6, 9, 12 }, x.Grad!.ToArray<float>());
    }

    [Fact]
    public void Grad_accumulates_over_passes_until_ZeroGrad()
    {
        using var scope = Tensor.Scope();
        // L = Σ 2x,  dL/dx = 2 per pass
        var x = Param(new float[] { 1, 2 }, 2);
        for (int pass = 1; pass <= 2; pass++)
        {
            (x * 2.0).Sum().Backward();
            Assert.Equal(new float[] { 2f * pass, 2f * pass }, x.Grad!.ToArray<float>());
        }
        x.ZeroGrad();
        Assert.Null(x.Grad);
        (x * 2.0).Sum().Backward();
        Assert.Equal(new float[] { 2, 2 }, x.Grad!.ToArray<float>());
    }

    [Fact]
    public void NoGrad_ops_do_not_require_grad_and_record_nothing()
    {
        using var scope = Tensor.Scope();
        var x = Param(new float[] { 1, 2, 3 }, 3);
        int before = Tape.Current.Entries.Count;
        Tensor y;
        using (Tensor.NoGrad())
        {
            Assert.False(Tape.IsRecording);
            y = (x * 2.0 + x).Tanh().Sum();
        }
        Assert.True(Tape.IsRecording);
        Assert.False(y.RequiresGrad);
        Assert.True(y.IsLeaf);
        Assert.Equal(before, Tape.Current.Entries.Count);
        Assert.Throws<InvalidOperationException>(() => y.Backward());
    }

    // ---------------------------------------------------------------- anomaly mode

    [Fact]
    public void Anomaly_mode_names_the_forward_op_and_its_shape()
    {
        using var scope = Tensor.Scope();
        var x = Tensor.FromArray(new float[] { 1, 2, 3, 4, 5, 6 }, 2, 3);
        using (Tensor.DetectAnomaly())
        {
            var e = Assert.Throws<AnomalyException>(() => (x - 100).Log());
            Assert.Contains("log", e.Message);
            Assert.Contains("[2,3]", e.Message);
        }
        // Outside anomaly mode the same op quietly gives NaN, as PyTorch.
        Assert.True(float.IsNaN((x - 100).Log().ToArray<float>()[0]));
    }

    [Fact]
    public void Anomaly_mode_names_the_op_whose_backward_made_a_nan_or_inf()
    {
        using var scope = Tensor.Scope();
        // y = Σ √x at x = 0: forward is finite (√0 = 0), backward gradOut / (2√x) = 1/0 = Inf in sqrt's backward.
        var x = Param(new float[] { 0, 4 }, 2);
        var y = x.Sqrt().Sum();
        using (Tensor.DetectAnomaly())
        {
            var e = Assert.Throws<AnomalyException>(() => y.Backward());
            Assert.Contains("sqrt", e.Message);
        }
    }

    // ---------------------------------------------------------------- lifetime

    [Fact]
    public void Scope_disposes_what_it_made_and_a_read_names_the_op()
    {
        Tensor product, kept;
        using (var scope = Tensor.Scope())
        {
            var a = Tensor.Ones([2, 2]);
            product = a * a;
            kept = scope.Keep(a + a);
            Assert.False(product.IsDisposed);
        }
        Assert.True(product.IsDisposed);
        var e = Assert.Throws<ObjectDisposedException>(() => product.ToArray<float>());
        Assert.Contains("mul", e.Message);
        Assert.Contains("[2,2]", e.Message);
        Assert.Contains("<disposed>", product.ToString());

        Assert.False(kept.IsDisposed);
        Assert.Equal(new float[] { 2, 2, 2, 2 }, kept.ToArray<float>());
        kept.Dispose();
        Assert.True(kept.IsDisposed);
    }

    [Fact]
    public void Keep_in_a_nested_scope_moves_the_tensor_to_the_outer_scope()
    {
        Tensor kept;
        using (var outer = Tensor.Scope())
        {
            using (var inner = Tensor.Scope()) kept = inner.Keep(Tensor.Ones([3]) * 2.0);
            Assert.False(kept.IsDisposed);
            Assert.Equal(1, outer.OwnedCount);
        }
        Assert.True(kept.IsDisposed);
    }

    [Fact]
    public void Logits_held_by_the_user_stay_valid_after_backward_and_parameter_grads_outlive_the_step_scope()
    {
        // Parameters live outside the step scope, as a module's would.
        var x = Tensor.FromArray(new float[] { 1, 2, 3, 4, 5, 6 }, 2, 3);
        var w = Param(new float[] { 1, 0, 0, 1, 1, 1, 2, -1, 0, 0, 1, 3 }, 3, 4);
        try
        {
            float[] logitsAfterBackward;
            using (Tensor.Scope())
            {
                var logits = x.MatMul(w);
                var before = logits.ToArray<float>();
                logits.Sum().Backward();
                // The tape's release dropped references only: logits still holds its values.
                Assert.False(logits.IsDisposed);
                logitsAfterBackward = logits.ToArray<float>();
                Assert.Equal(before, logitsAfterBackward);
            }
            // logits = x·w: row 0 = [1·1+2·1+3·0, 1·0+2·1+3·0, 1·0+2·2+3·1, 1·1+2·(-1)+3·3] = [3, 2, 7, 8]
            Assert.Equal(new float[] { 3, 2, 7, 8 }, logitsAfterBackward[..4]);

            // L = Σ x·w  =>  dL/dw[i, j] = Σ_r x[r, i] = [5, 7, 9] for every column j.
            Assert.False(w.IsDisposed);
            Assert.NotNull(w.Grad);
            Assert.False(w.Grad!.IsDisposed);
            Assert.Equal(new float[] { 5, 5, 5, 5, 7, 7, 7, 7, 9, 9, 9, 9 }, w.Grad.ToArray<float>());
        }
        finally
        {
            x.Dispose();
            w.Dispose();
        }
    }

    [Fact]
    public void Reshape_shares_storage_and_disposing_either_side_leaves_the_other_valid()
    {
        var x = Tensor.Arange(0, 6);
        var r = x.Reshape(2, 3);
        x.MutableData<float>()[0] = 42;
        Assert.Equal(42f, r.ToArray<float>()[0]);
        r.Dispose();
        Assert.True(r.IsDisposed);
        Assert.False(x.IsDisposed);
        Assert.Equal(new float[] { 42, 1, 2, 3, 4, 5 }, x.ToArray<float>());

        var r2 = x.Reshape(3, 2);
        x.Dispose();
        Assert.Equal(new float[] { 42, 1, 2, 3, 4, 5 }, r2.ToArray<float>());
        r2.Dispose();
    }

    [Fact]
    public void A_repeated_training_step_in_scopes_returns_every_rented_element()
    {
        var x = Tensor.Normal([8, 5], generator: new Generator(1));
        var w = Tensor.Normal([5, 3], generator: new Generator(2));
        var b = Tensor.Zeros([3]);
        w.RequiresGrad = b.RequiresGrad = true;
        try
        {
            long baseline = BufferPool<float>.RentedElements;
            long pooledAfterFirst = 0;
            for (int step = 0; step < 4; step++)
            {
                using (Tensor.Scope())
                {
                    var loss = ((x.MatMul(w) + b).Tanh() - 0.5).Pow(2.0).Mean();
                    loss.Backward();
                    using (Tensor.NoGrad())
                    {
                        w.AddInPlace(w.Grad!, alpha: -0.1);
                        b.AddInPlace(b.Grad!, alpha: -0.1);
                    }
                }
                w.ZeroGrad();
                b.ZeroGrad();
                Assert.Equal(baseline, BufferPool<float>.RentedElements);
                if (step == 0) pooledAfterFirst = BufferPool<float>.PooledElements;
                else Assert.Equal(pooledAfterFirst, BufferPool<float>.PooledElements); // reused, not grown
            }
        }
        finally
        {
            x.Dispose();
            w.Dispose();
            b.Dispose();
        }
    }

    // ---------------------------------------------------------------- in place

    [Fact]
    public void In_place_update_of_a_tensor_requiring_grad_needs_NoGrad()
    {
        using var scope = Tensor.Scope();
        var w = Param(new float[] { 1, 2 }, 2);
        var g = Tensor.FromArray(new float[] { 10, 20 }, 2);
        var e = Assert.Throws<InvalidOperationException>(() => w.AddInPlace(g));
        Assert.Contains("requires grad", e.Message);
        Assert.Equal(new float[] { 1, 2 }, w.ToArray<float>());

        using (Tensor.NoGrad()) w.AddInPlace(g, alpha: -0.5);
        Assert.Equal(new float[] { -4, -8 }, w.ToArray<float>());
    }

    [Fact]
    public void In_place_add_with_alpha_outside_any_scope_returns_its_temporaries_to_the_pool()
    {
        // An optimizer step runs under NoGrad, possibly outside any scope: add_(g, alpha) must not strand buffers.
        var w = Tensor.FromArray(new float[] { 1, 2, 3 }, 3);
        var g = Tensor.FromArray(new float[] { 2, 4, 6 }, 3);
        try
        {
            long baseline = BufferPool<float>.RentedElements;
            for (int i = 0; i < 5; i++) w.AddInPlace(g, alpha: -0.5);
            Assert.Equal(new float[] { -4, -8, -12 }, w.ToArray<float>());
            Assert.Equal(baseline, BufferPool<float>.RentedElements);
        }
        finally
        {
            w.Dispose();
            g.Dispose();
        }
    }

    [Fact]
    public void In_place_update_of_a_tensor_a_live_tape_entry_needs_throws_until_backward()
    {
        using var scope = Tensor.Scope();
        var x = Tensor.FromArray(new float[] { 1, 2 }, 2);
        var w = Param(new float[] { 3, 4 }, 2);
        var loss = (x * w).Sum();

        // x does not require grad, but mul's backward reads it (dL/dw = x).
        var e = Assert.Throws<InvalidOperationException>(() => x.AddInPlace(x.CloneDetached()));
        Assert.Contains("tape", e.Message);
        using (Tensor.NoGrad())
        {
            var ew = Assert.Throws<InvalidOperationException>(() => w.MulInPlace(0.5));
            Assert.Contains("tape", ew.Message);
        }

        loss.Backward();
        Assert.Equal(new float[] { 1, 2 }, w.Grad!.ToArray<float>());
        x.AddInPlace(Tensor.FromArray(new float[] { 1, 1 }, 2));
        Assert.Equal(new float[] { 2, 3 }, x.ToArray<float>());
        using (Tensor.NoGrad()) w.MulInPlace(0.5);
        Assert.Equal(new float[] { 1.5f, 2 }, w.ToArray<float>());
    }

    [Fact]
    public void RequiresGrad_can_only_be_set_on_floating_point_leaves()
    {
        using var scope = Tensor.Scope();
        var x = Param(new float[] { 1 }, 1);
        var y = x * 2.0;
        Assert.False(y.IsLeaf);
        Assert.Contains("mul", Assert.Throws<InvalidOperationException>(() => y.RequiresGrad = false).Message);

        var labels = Tensor.Zeros([3], DType.Int64);
        Assert.Contains("int64", Assert.Throws<InvalidOperationException>(() => labels.RequiresGrad = true).Message);
        Assert.False(labels.RequiresGrad);
    }

    // ---------------------------------------------------------------- generator

    [Fact]
    public void Generator_same_seed_same_stream()
    {
        var a = new Generator(42);
        var b = new Generator(42);
        var c = new Generator(43);
        var sa = Enumerable.Range(0, 100).Select(_ => a.NextUInt64()).ToArray();
        Assert.Equal(sa, Enumerable.Range(0, 100).Select(_ => b.NextUInt64()).ToArray());
        Assert.NotEqual(sa, Enumerable.Range(0, 100).Select(_ => c.NextUInt64()).ToArray());

        a.ManualSeed(42);
        Assert.Equal(sa[0], a.NextUInt64());
    }

    [Fact]
    public void Generator_state_restore_resumes_bit_for_bit_including_a_pending_normal()
    {
        var g = new Generator(7);
        g.NextDouble();
        g.NextNormal(); // leaves the second Box-Muller value pending
        var state = g.State;
        Assert.True(state.HasSpareNormal);

        double[] Draw() => Enumerable.Range(0, 50).Select(i => i % 3 == 0 ? g.NextDouble() : g.NextNormal()).ToArray();
        var first = Draw();
        g.State = state;
        var second = Draw();
        Assert.Equal(first.Select(BitConverter.DoubleToInt64Bits), second.Select(BitConverter.DoubleToInt64Bits));

        // A fresh generator given the state resumes the same stream.
        var h = new Generator(999) { State = state };
        Assert.Equal(BitConverter.DoubleToInt64Bits(first[0]), BitConverter.DoubleToInt64Bits(h.NextDouble()));

        Assert.Throws<ArgumentException>(() => g.State = default);
    }

    [Fact]
    public void Generator_NextInt_stays_in_range_and_hits_every_value()
    {
        var g = new Generator(3);
        foreach (int bound in new[] { 1, 2, 3, 7, 10, 1000, int.MaxValue })
            for (int i = 0; i < 2000; i++)
            {
                int v = g.NextInt(bound);
                Assert.InRange(v, 0, bound - 1);
            }

        // Roughly uniform: 100K draws over 10 values, each within 5σ (σ ≈ 95) of 10K.
        var counts = new int[10];
        for (int i = 0; i < 100_000; i++) counts[g.NextInt(10)]++;
        Assert.All(counts, c => Assert.InRange(c, 10_000 - 475, 10_000 + 475));

        Assert.Throws<ArgumentOutOfRangeException>(() => g.NextInt(0));
        for (int i = 0; i < 1000; i++) Assert.InRange(g.NextDouble(), 0.0, Math.BitDecrement(1.0));
    }

    [Fact]
    public void Uniform_and_Normal_tensors_are_reproducible_and_have_the_right_moments()
    {
        using var scope = Tensor.Scope();
        var u1 = Tensor.Uniform([64], -2, 3, new Generator(5));
        var u2 = Tensor.Uniform([64], -2, 3, new Generator(5));
        var u3 = Tensor.Uniform([64], -2, 3, new Generator(6));
        Assert.Equal(u1.ToArray<float>(), u2.ToArray<float>());
        Assert.NotEqual(u1.ToArray<float>(), u3.ToArray<float>());
        Assert.All(u1.ToArray<float>(), v => Assert.InRange(v, -2f, 3f));

        var n1 = Tensor.Normal([33], 1, 2, new Generator(9), DType.Float64);
        var n2 = Tensor.Normal([33], 1, 2, new Generator(9), DType.Float64);
        Assert.Equal(n1.ToArray<double>(), n2.ToArray<double>());

        // 100K samples of N(2, 3²): the mean's standard error is 3/√100000 ≈ 0.0095; the std's ≈ 0.0067.
        var big = Tensor.Normal([100_000], 2, 3, new Generator(11), DType.Float64).ToArray<double>();
        double mean = big.Average();
        double std = Math.Sqrt(big.Select(v => (v - mean) * (v - mean)).Sum() / (big.Length - 1));
        Assert.InRange(mean, 2 - 0.05, 2 + 0.05);
        Assert.InRange(std, 3 - 0.04, 3 + 0.04);
        // Tails: about 68.3% within one σ.
        double within = big.Count(v => Math.Abs(v - 2) < 3) / (double)big.Length;
        Assert.InRange(within, 0.676, 0.690);
    }

    // ---------------------------------------------------------------- printing

    [Fact]
    public void ToString_matches_pytorch_layout()
    {
        using var scope = Tensor.Scope();
        // torch.arange(6.).reshape(2, 3) with torch.set_printoptions(precision=4, sci_mode=False) in spirit.
        Assert.Equal("tensor([[0.0000, 1.0000, 2.0000],\n        [3.0000, 4.0000, 5.0000]])", Tensor.Arange(0, 6).Reshape(2, 3).ToString());
        Assert.Equal("tensor(2.5000)", Tensor.Scalar(2.5).ToString());
        Assert.Equal("tensor([1, 2, 3])", Tensor.FromArray(new long[] { 1, 2, 3 }, 3).ToString());
        Assert.Equal("tensor([1.5000, -2.0000], dtype=torch.float64)", Tensor.FromArray(new double[] { 1.5, -2 }, 2).ToString());
        Assert.Equal("tensor([nan, inf, -inf])", Tensor.FromArray(new[] { float.NaN, float.PositiveInfinity, float.NegativeInfinity }, 3).ToString());
    }

    [Fact]
    public void ToString_shows_requires_grad_and_grad_fn()
    {
        using var scope = Tensor.Scope();
        var x = Param(new float[] { 1, 2 }, 2);
        Assert.Equal("tensor([1.0000, 2.0000], requires_grad=True)", x.ToString());
        Assert.Equal("tensor([2.0000, 4.0000], grad_fn=<mul>)", (x * 2.0).ToString());
    }

    [Fact]
    public void ToString_summarizes_tensors_over_1000_elements()
    {
        using var scope = Tensor.Scope();
        string flat = Tensor.Arange(0, 2000).ToString();
        Assert.Equal("tensor([0.0000, 1.0000, 2.0000, ..., 1997.0000, 1998.0000, 1999.0000], size=[2000])", flat);

        string matrix = Tensor.Arange(0, 2500).Reshape(50, 50).ToString();
        var lines = matrix.Split('\n');
        Assert.Equal(7, lines.Length); // three rows, "...", three rows
        Assert.Equal("...,", lines[3].Trim());
        Assert.StartsWith("tensor([[0.0000, 1.0000, 2.0000, ..., 47.0000, 48.0000, 49.0000],", lines[0]);
        Assert.EndsWith("[2450.0000, 2451.0000, 2452.0000, ..., 2497.0000, 2498.0000, 2499.0000]], size=[50,50])", lines[6]);

        // 1000 elements exactly: printed in full.
        Assert.DoesNotContain("...", Tensor.Arange(0, 1000).ToString());
    }

    // ---------------------------------------------------------------- dtype conversion

    [Fact]
    public void To_round_trips_float_types_and_truncates_to_int64()
    {
        using var scope = Tensor.Scope();
        var x = Tensor.FromArray(new float[] { 1.5f, -2.25f, 3.1f, 1e-30f }, 4);
        Assert.Same(x, x.To(DType.Float32));
        var d = x.To(DType.Float64);
        Assert.Equal(DType.Float64, d.DType);
        Assert.Equal(new double[] { 1.5, -2.25, (double)3.1f, (double)1e-30f }, d.ToArray<double>());
        Assert.Equal(x.ToArray<float>(), d.To(DType.Float32).ToArray<float>());

        // PyTorch: torch.tensor([1.7, -1.7, 2.5, -0.5, 3.0]).to(torch.int64) = [1, -1, 2, 0, 3] (toward zero).
        var l = Tensor.FromArray(new double[] { 1.7, -1.7, 2.5, -0.5, 3.0 }, 5).To(DType.Int64);
        Assert.Equal(new long[] { 1, -1, 2, 0, 3 }, l.ToArray<long>());
        Assert.Equal(new float[] { 1, -1, 2, 0, 3 }, l.To(DType.Float32).ToArray<float>());
    }

    [Fact]
    public void Gradient_flows_through_To_between_float_types()
    {
        using var scope = Tensor.Scope();
        // L = Σ (float64(x))²,  dL/dx = 2x, delivered back as float32
        var x = Param(new float[] { 1, -2, 0.5f }, 3);
        var y = x.To(DType.Float64);
        Assert.False(y.IsLeaf);
        (y * y).Sum().Backward();
        Assert.Equal(DType.Float32, x.Grad!.DType);
        Assert.Equal(new float[] { 2, -4, 1 }, x.Grad.ToArray<float>());
    }

    // ---------------------------------------------------------------- error messages

    [Fact]
    public void Errors_name_the_op_and_the_shapes()
    {
        using var scope = Tensor.Scope();
        var e1 = Assert.Throws<ArgumentException>(() => Tensor.Zeros([2, 3]).MatMul(Tensor.Zeros([4, 5])));
        Assert.Contains("matmul", e1.Message);
        Assert.Contains("[2,3]", e1.Message);
        Assert.Contains("[4,5]", e1.Message);

        var e2 = Assert.Throws<ArgumentException>(() => Tensor.Zeros([2, 3]) + Tensor.Zeros([4]));
        Assert.Contains("add", e2.Message);
        Assert.Contains("[2,3]", e2.Message);
        Assert.Contains("[4]", e2.Message);

        var e3 = Assert.Throws<ArgumentException>(() => Tensor.Zeros([2, 3]).Reshape(4, 2));
        Assert.Contains("reshape", e3.Message);
        Assert.Contains("[2,3]", e3.Message);
        Assert.Contains("[4,2]", e3.Message);

        var e4 = Assert.Throws<ArgumentException>(() => Tensor.Zeros([2, 3]).Reshape(-1, -1));
        Assert.Contains("reshape", e4.Message);
        Assert.Contains("-1", e4.Message);
    }

    // ---------------------------------------------------------------- GradCheck

    [Fact]
    public void GradCheck_passes_a_correct_composite_function()
    {
        using var scope = Tensor.Scope();
        var x = Tensor.Normal([3, 4], generator: new Generator(1), dtype: DType.Float64);
        var w = Tensor.Normal([4, 5], generator: new Generator(2), dtype: DType.Float64);
        var b = Tensor.Normal([5], generator: new Generator(3), dtype: DType.Float64);
        x.RequiresGrad = w.RequiresGrad = b.RequiresGrad = true;
        Tensor F(Tensor[] t) => (t[0].MatMul(t[1]) + t[2]).Tanh().Sum(1);

        var report = GradCheck.Run(F, [x, w, b], names: ["x", "w", "b"]);
        Assert.True(report.Passed, report.ToString());
        Assert.Equal(new[] { "x", "w", "b" }, report.Inputs.Select(i => i.Name));
        GradCheck.Assert(F, [x, w, b]);
        GradCheck.Assert(F, [x, w, b], new GradCheckOptions(FastMode: true));
        Assert.Null(x.Grad); // GradCheck leaves no gradient behind
    }

    /// <summary>A deliberately wrong custom op: y = x·1, whose derivative is 1, but its backward claims 2.</summary>
    static Tensor WrongIdentity(Tensor x)
    {
        var y = x.CloneDetached();
        return Tape.Record("wrong_identity", y, [x], gradOut => x.AccumulateGrad(gradOut * 2.0));
    }

    [Fact]
    public void GradCheck_catches_a_wrong_backward_and_names_the_input()
    {
        using var scope = Tensor.Scope();
        var x = Tensor.Normal([2, 3], generator: new Generator(4), dtype: DType.Float64);
        var w = Tensor.Normal([2, 3], generator: new Generator(5), dtype: DType.Float64);
        x.RequiresGrad = w.RequiresGrad = true;
        Tensor F(Tensor[] t) => WrongIdentity(t[0]) * t[1];

        var report = GradCheck.Run(F, [x, w], names: ["x", "w"]);
        Assert.False(report.Passed);
        Assert.False(report.Inputs[0].Passed);
        Assert.True(report.Inputs[1].Passed, report.ToString()); // w's gradient (x) is right
        Assert.Equal("x", report.Inputs[0].Name);
        // dL/dx = w_out·w, claimed twice that: the worst element's analytic value is double the numeric one.
        Assert.Equal(2 * report.Inputs[0].Numeric, report.Inputs[0].Analytic, 1e-6);

        var e = Assert.Throws<GradCheckException>(() => GradCheck.Assert(F, [x, w], names: ["x", "w"]));
        Assert.False(e.Report.Passed);
        Assert.Contains("FAIL x [2,3]", e.Message);

        var fast = GradCheck.Run(F, [x, w], new GradCheckOptions(FastMode: true), ["x", "w"]);
        Assert.False(fast.Passed);
        Assert.False(fast.Inputs[0].Passed);
        Assert.Throws<GradCheckException>(() => GradCheck.Assert(F, [x, w], new GradCheckOptions(FastMode: true)));
    }

    [Fact]
    public void GradCheck_refuses_float32_inputs_and_inputs_without_grad()
    {
        using var scope = Tensor.Scope();
        var f32 = Param(new float[] { 1, 2 }, 2);
        Assert.Throws<ArgumentException>(() => GradCheck.Run(t => t[0].Sum(), [f32]));
        var noGrad = Tensor.Zeros([2], DType.Float64);
        Assert.Throws<ArgumentException>(() => GradCheck.Run(t => t[0].Sum(), [noGrad]));
    }
}
