namespace MiniNet.Layers;

/// <summary>Shape errors of a child, told from its parent's place.</summary>
static class ChildShapes
{
    /// <summary>
    /// Runs <paramref name="compute"/> (a shape computation of <paramref name="child"/> on <paramref name="inputShape"/>).
    /// Deep in a model, "input height 2 too small" alone does not say where, so an <see cref="ArgumentException"/>
    /// comes back prefixed with the parent, the child's name and type and its input shape, as <see cref="Sequential"/> does.
    /// </summary>
    public static T Explain<T>(Module parent, Module child, int[] inputShape, Func<T> compute)
    {
        try
        {
            return compute();
        }
        catch (ArgumentException e)
        {
            string name = parent.NamedChildren().First(c => ReferenceEquals(c.Module, child)).Name;
            throw new ArgumentException($"{parent.TypeName}: child \"{name}\" ({child.TypeName}) cannot take input {Shapes.Format(inputShape)}: {e.Message}", e);
        }
    }
}
