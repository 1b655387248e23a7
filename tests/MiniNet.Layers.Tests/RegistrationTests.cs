using System.Collections;
using System.Reflection;

namespace MiniNet.Layers.Tests;

/// <summary>
/// Registering must be hard to forget: every concrete module type of MiniNet.Layers is built (from a factory per
/// type; a new type without one fails the test) and every field it holds of a module-state type (Parameter, buffer,
/// Tensor, Module, or a collection of them) must be reachable from its NamedParameters, NamedBuffers or NamedModules.
/// </summary>
public class RegistrationTests
{
    static readonly Dictionary<Type, Func<Module>> Factories = new()
    {
        [typeof(Conv2D)] = () => new Conv2D(4, 6, 3, groups: 2),
        [typeof(Linear)] = () => new Linear(3, 2),
        [typeof(BatchNorm2D)] = () => new BatchNorm2D(3),
        [typeof(ReLU)] = () => new ReLU(),
        [typeof(Dropout)] = () => new Dropout(0.3),
        [typeof(Flatten)] = () => new Flatten(),
        [typeof(MaxPool2D)] = () => new MaxPool2D(2),
        [typeof(AvgPool2D)] = () => new AvgPool2D(2),
        [typeof(AdaptiveAvgPool2D)] = () => new AdaptiveAvgPool2D(2),
        [typeof(GlobalAvgPool)] = () => new GlobalAvgPool(),
        [typeof(Sequential)] = () => new Sequential(new BasicConv(3, 4, 3), new ReLU()).Add("head", new Linear(4, 2)),
        [typeof(BasicConv)] = () => new BasicConv(3, 4, 3),
        [typeof(Bottleneck)] = () => new Bottleneck(4, 2, 3, 3, padding: 1),
        [typeof(SeparableConv2D)] = () => new SeparableConv2D(4, 6, 3, padding: 1, batchNormReluBetween: true),
        [typeof(InceptionV1)] = () => new InceptionV1(4, 2, 2, 2, 1, 2, 1),
        [typeof(InceptionA)] = () => new InceptionA(4, 1, 2, 2, 1, 2, 1),
        [typeof(GridReduction)] = () => new GridReduction(4, 2, 1, 2),
        [typeof(InceptionC)] = () => new InceptionC(4, 2, 3),
        [typeof(AuxiliaryHead)] = () => new AuxiliaryHead(4, 3),
    };

    public static TheoryData<string> ModuleTypeNames() =>
        new(typeof(Module).Assembly.GetTypes().Where(t => t.IsSubclassOf(typeof(Module)) && !t.IsAbstract).Select(t => t.Name).Order());

    [Theory, MemberData(nameof(ModuleTypeNames))]
    public void Every_state_field_is_registered(string typeName)
    {
        var type = typeof(Module).Assembly.GetTypes().Single(t => t.Name == typeName && t.IsSubclassOf(typeof(Module)));
        Assert.True(Factories.TryGetValue(type, out var factory), $"{typeName} has no factory in RegistrationTests.Factories: add one");
        using var module = factory();
        Assert.Empty(Unregistered(module));
    }

    /// <summary>The walk itself finds a forgotten registration.</summary>
    [Fact]
    public void An_unregistered_parameter_is_found()
    {
        using var module = new ForgetsToRegister();
        Assert.Equal(["_hidden"], Unregistered(module));
        module.Hidden.Dispose();
    }

    sealed class ForgetsToRegister : Module
    {
        readonly Parameter _hidden = new(Tensor.Zeros([2]));
        public Parameter Hidden => _hidden;
        protected override Tensor Forward(Tensor input) => input * _hidden;
        public override int[] OutputShape(int[] inputShape) => inputShape;
        public override long Macs(int[] inputShape) => 0;
    }

    /// <summary>Names of the fields of <paramref name="module"/> (its own type and base types) holding state that no walk reaches.</summary>
    static List<string> Unregistered(Module module)
    {
        var registered = new HashSet<object>(ReferenceEqualityComparer.Instance);
        foreach (var (_, parameter) in module.NamedParameters()) registered.UnionWith([parameter, parameter.Value]);
        foreach (var (_, buffer) in module.NamedBuffers()) registered.UnionWith([buffer, buffer.Value]);
        foreach (var (_, child) in module.NamedModules()) registered.Add(child);

        var missing = new List<string>();
        for (var type = module.GetType(); type is not null; type = type.BaseType)
            foreach (var field in type.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
            {
                var value = field.GetValue(module);
                IEnumerable<object?> held = value is IEnumerable items and not string ? items.Cast<object?>() : [value];
                if (held.Any(item => item is ModuleTensor or Tensor or Module && !registered.Contains(item))) missing.Add(field.Name);
            }
        return missing;
    }
}
