using System.Collections;

namespace MiniNet.Layers;

/// <summary>
/// Runs its children in order, each on the previous one's output. Children from the constructor are named "0",
/// "1", ...; <see cref="Add"/> appends one under a chosen name. PyTorch: <c>nn.Sequential</c> (and its
/// <c>OrderedDict</c> form).
/// </summary>
public sealed class Sequential : Module, IReadOnlyList<Module>
{
    /// <summary>Registers <paramref name="modules"/> as children "0", "1", ... in order.</summary>
    public Sequential(params Module[] modules)
    {
        for (int i = 0; i < modules.Length; i++) RegisterModule(i.ToString(System.Globalization.CultureInfo.InvariantCulture), modules[i]);
    }

    /// <summary>Appends <paramref name="module"/> under <paramref name="name"/>; returns this, for chaining.</summary>
    /// <exception cref="ArgumentException">An empty or dotted name, or one already taken.</exception>
    public Sequential Add(string name, Module module)
    {
        RegisterModule(name, module);
        return this;
    }

    /// <summary>The child at position <paramref name="index"/>.</summary>
    public Module this[int index] => NamedChildren()[index].Module;

    /// <summary>Number of children.</summary>
    public int Count => NamedChildren().Count;

    /// <summary>The children in order.</summary>
    public IEnumerator<Module> GetEnumerator() => Children().GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor input)
    {
        var x = input;
        foreach (var module in this) x = module.Call(x);
        return x;
    }

    /// <summary>The children's output shapes chained; the input shape when empty.</summary>
    /// <exception cref="ArgumentException">The first child, in order, that cannot take its input shape; the message
    /// names the child and its input shape, then gives the child's own message.</exception>
    public override int[] OutputShape(int[] inputShape) => Chain(inputShape, (_, _) => 0).Shape;

    /// <summary>The sum of the children's, each at its own input shape.</summary>
    /// <exception cref="ArgumentException">As <see cref="OutputShape"/>.</exception>
    public override long Macs(int[] inputShape) => Chain(inputShape, (module, shape) => module.Macs(shape)).Macs;

    (int[] Shape, long Macs) Chain(int[] inputShape, Func<Module, int[], long> childMacs)
    {
        var shape = (int[])inputShape.Clone();
        long total = 0;
        foreach (var (name, module) in NamedChildren())
        {
            try
            {
                total += childMacs(module, shape);
                shape = module.OutputShape(shape);
            }
            catch (ArgumentException e)
            {
                // Deep in a model, "input height 2 too small" alone does not say where: prefix the path, one level per Sequential.
                throw new ArgumentException($"{TypeName}: child \"{name}\" ({module.TypeName}) cannot take input {Shapes.Format(shape)}: {e.Message}", e);
            }
        }
        return (shape, total);
    }
}
