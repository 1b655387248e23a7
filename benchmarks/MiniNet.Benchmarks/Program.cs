using System.CommandLine;
using MiniNet.Benchmarks;
using TorchSharp;

// dotnet run -c Release --project benchmarks/MiniNet.Benchmarks -- <suite>
var suites = new Dictionary<string, Action>
{
    ["elementwise"] = ElementwiseSuite.Run,
    ["gemm"] = GemmSuite.Run,
    ["conv"] = ConvSuite.Run,
    ["step"] = StepSuite.Run,
    ["step-profile"] = StepSuite.Profile,
    ["infer"] = InferSuite.Run,
};

var suiteArgument = new Argument<string[]>("suite") { Arity = ArgumentArity.ZeroOrMore, Description = "suites to run: " + string.Join(", ", suites.Keys) + " (default: all)" };
var root = new RootCommand("MiniNet vs TorchSharp (libtorch) on the same machine, in the same run") { suiteArgument };
root.SetAction(parse =>
{
    var chosen = parse.GetValue(suiteArgument) is { Length: > 0 } names ? names : suites.Keys.ToArray();
    foreach (var name in chosen)
        if (!suites.ContainsKey(name)) { Console.Error.WriteLine($"unknown suite '{name}'; known: {string.Join(", ", suites.Keys)}"); return 2; }
    // Both frameworks get the same cores: libtorch's intra-op threads = our pool's threads.
    torch.set_num_threads(MiniNet.Kernels.WorkerPool.Shared.Threads);
    Console.WriteLine($"# cores={Environment.ProcessorCount} mininet_threads={MiniNet.Kernels.WorkerPool.Shared.Threads} torch_threads={torch.get_num_threads()} avx2={System.Runtime.Intrinsics.X86.Avx2.IsSupported} fma={System.Runtime.Intrinsics.X86.Fma.IsSupported} simd_widths={string.Join(",", MiniNet.Kernels.SimdPath.Supported)}");
    foreach (var name in chosen) suites[name]();
    return 0;
});
return root.Parse(args).Invoke();
