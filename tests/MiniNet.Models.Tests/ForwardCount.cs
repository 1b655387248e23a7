namespace MiniNet.Models.Tests;

/// <summary>A real forward that counts multiply-adds from what each Conv2D and Linear actually received and produced.</summary>
static class ForwardCount
{
    /// <summary>
    /// Runs <c>module.Call(input)</c> with a forward hook on every Conv2D (output elements · C/groups·kH·kW, read
    /// from its weight [O, C/groups, kH, kW]) and every Linear (output elements · in features).
    /// </summary>
    public static (Tensor Output, long Macs) Run(Module module, Tensor input) => Run(module, () => module.Call(input));

    /// <summary>As above for any forward of <paramref name="module"/>, e.g. <see cref="Classifier.Classify"/>.</summary>
    public static (T Output, long Macs) Run<T>(Module module, Func<T> forward)
    {
        long macs = 0;
        var hooks = module.NamedModules().Select(m => m.Module).Select(m => m.RegisterForwardHook((layer, _, output) => macs += layer switch
        {
            Conv2D conv => (long)output.Count * conv.Weight.Shape[1] * conv.Weight.Shape[2] * conv.Weight.Shape[3],
            Linear linear => (long)output.Count * linear.InFeatures,
            _ => 0,
        })).ToList();
        try { return (forward(), macs); }
        finally { hooks.ForEach(h => h.Dispose()); }
    }
}
