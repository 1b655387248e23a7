using MiniNet.Layers;

namespace MiniNet.Training;

/// <summary>Finds every random stream that training draws from, so that checkpoints can save them (see "Note: bit-exact resume" on <see cref="Trainer"/>).</summary>
static class RandomStreams
{
    /// <summary>
    /// The named streams of a run, each generator once (the first name wins): <paramref name="extra"/> as given, then
    /// the training loader's ("data"), then the model's dropout layers' ("model" when they share one generator, else
    /// "model.NAME" after the first dropout layer that draws from each).
    /// </summary>
    public static IReadOnlyDictionary<string, Generator> Collect(Module model, DataLoader train, IReadOnlyDictionary<string, Generator>? extra)
    {
        var streams = new OrderedDictionary<string, Generator>();
        var seen = new HashSet<Generator>(ReferenceEqualityComparer.Instance);
        void Add(string name, Generator generator)
        {
            if (seen.Add(generator) && !streams.TryAdd(name, generator))
                throw new ArgumentException($"Trainer: two random streams are named \"{name}\"; rename the one in TrainerOptions.RandomStreams");
        }
        foreach (var (name, generator) in extra ?? new Dictionary<string, Generator>()) Add(name, generator);
        if (train.Generator is { } data) Add("data", data);
        var dropouts = model.NamedModules().Where(m => m.Module is Dropout).Select(m => (m.Name, ((Dropout)m.Module).Generator)).ToList();
        bool shared = dropouts.Select(d => d.Generator).Distinct(ReferenceEqualityComparer.Instance).Count() == 1;
        foreach (var (name, generator) in dropouts) Add(shared ? "model" : $"model.{name}", generator);
        return streams;
    }
}
