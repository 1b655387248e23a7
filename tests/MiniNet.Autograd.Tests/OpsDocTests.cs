using System.Text.RegularExpressions;

namespace MiniNet.Autograd.Tests;

/// <summary>
/// Keeps docs/ops.md, the op reference, in step with src/Autograd/Ops: every op file is linked, every public op
/// method and operator is named, every relative link resolves, and every test it cites as Class.Method exists in the
/// linked test file. A new op (a new file, or a new method in an existing file) fails here until it has its row.
/// </summary>
public class OpsDocTests
{
    static readonly string Root = FindRoot();
    static readonly string DocPath = Path.Combine(Root, "docs", "ops.md");
    static readonly string OpsDir = Path.Combine(Root, "src", "Autograd", "Ops");

    /// <summary>The repository root: the first folder above the test binaries that holds MiniNet.sln.</summary>
    static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "MiniNet.sln"))) return dir.FullName;
        throw new InvalidOperationException($"MiniNet.sln not found in any folder above {AppContext.BaseDirectory}");
    }

    static string Doc()
    {
        Assert.True(File.Exists(DocPath), $"docs/ops.md is missing (looked for {DocPath})");
        return File.ReadAllText(DocPath);
    }

    static string[] OpFiles() =>
        Directory.GetFiles(OpsDir, "*.cs").Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal).ToArray();

    // public Tensor Name(, public static Tensor Name(, public Tensor[] Name(, public (Tensor Values, Tensor Indices) Name(
    static readonly Regex PublicOp = new(
        @"public\s+(?:static\s+)?(?:Tensor(?:\[\])?|\(\s*Tensor\s+\w+\s*(?:,\s*Tensor\s+\w+\s*)+\))\s+(?<name>\w+)\s*\(", RegexOptions.Compiled);

    // public static Tensor operator +(
    static readonly Regex PublicOperator = new(@"public\s+static\s+Tensor\s+operator\s*(?<symbol>[^\s(]+)\s*\(", RegexOptions.Compiled);

    // [text](target): inline Markdown links (images too).
    static readonly Regex Link = new(@"\[(?<text>[^\]]*)\]\((?<target>[^)\s]+)\)", RegexOptions.Compiled);

    // A code span: `...`.
    static readonly Regex CodeSpan = new(@"`[^`\n]+`", RegexOptions.Compiled);

    static IEnumerable<(string Text, string Target)> RelativeLinks(string doc) =>
        Link.Matches(doc).Select(m => (m.Groups["text"].Value, m.Groups["target"].Value))
            .Where(l => !l.Item2.StartsWith('#') && !Regex.IsMatch(l.Item2, @"^[a-zA-Z][a-zA-Z0-9+.-]*:"));

    static string Resolve(string target)
    {
        int hash = target.IndexOf('#');
        string path = Uri.UnescapeDataString(hash >= 0 ? target[..hash] : target);
        return Path.GetFullPath(Path.Combine(Path.GetDirectoryName(DocPath)!, path.Replace('/', Path.DirectorySeparatorChar)));
    }

    [Fact]
    public void Every_op_file_is_linked()
    {
        string doc = Doc();
        var files = OpFiles();
        Assert.NotEmpty(files);
        var missing = files.Where(f => !doc.Contains($"../src/Autograd/Ops/{f}", StringComparison.Ordinal)).ToArray();
        Assert.True(missing.Length == 0,
            $"docs/ops.md does not link these op files (add a row with a link to ../src/Autograd/Ops/<File>.cs): {string.Join(", ", missing)}");
    }

    [Fact]
    public void Every_public_op_method_and_operator_is_named()
    {
        string doc = Doc();
        var codeSpans = CodeSpan.Matches(doc).Select(m => m.Value).ToArray();
        var missing = new List<string>();
        foreach (var file in OpFiles())
        {
            string source = File.ReadAllText(Path.Combine(OpsDir, file));
            foreach (string name in PublicOp.Matches(source).Select(m => m.Groups["name"].Value).Distinct())
            {
                // As a whole word inside a code span, so that `Max` is not satisfied by `MaxPool2d` nor `Le` by `LeakyRelu`.
                var word = new Regex($@"\b{Regex.Escape(name)}\b");
                if (!codeSpans.Any(span => word.IsMatch(span))) missing.Add($"{name} (in {file})");
            }
            foreach (string symbol in PublicOperator.Matches(source).Select(m => m.Groups["symbol"].Value).Distinct())
                if (!doc.Contains($"operator {symbol}", StringComparison.Ordinal)) missing.Add($"operator {symbol} (in {file})");
        }
        Assert.True(missing.Count == 0,
            $"docs/ops.md does not name these public ops in a code span (for operators: the text 'operator <symbol>'): {string.Join(", ", missing)}");
    }

    [Fact]
    public void Every_relative_link_points_to_an_existing_file()
    {
        string doc = Doc();
        var links = RelativeLinks(doc).ToArray();
        Assert.NotEmpty(links);
        var broken = links.Where(l => !File.Exists(Resolve(l.Target)) && !Directory.Exists(Resolve(l.Target)))
            .Select(l => $"[{l.Text}]({l.Target})").Distinct().ToArray();
        Assert.True(broken.Length == 0, $"docs/ops.md has links to files that do not exist: {string.Join(", ", broken)}");
    }

    [Fact]
    public void Every_linked_test_file_and_cited_test_method_exists()
    {
        string doc = Doc();
        var testLinks = RelativeLinks(doc).Where(l => l.Target.StartsWith("../tests/", StringComparison.Ordinal)).ToArray();
        Assert.True(testLinks.Length > 0, "docs/ops.md links no test files (expected links like ../tests/MiniNet.Autograd.Tests/<File>.cs)");
        var problems = new List<string>();
        foreach (var (text, target) in testLinks.Distinct())
        {
            string path = Resolve(target);
            if (!File.Exists(path)) { problems.Add($"[{text}]({target}): no such test file"); continue; }
            // A link written [Class.Method](file) cites one test: the method must be declared in that file.
            var cited = Regex.Match(text, @"^`?(?<cls>\w+)\.(?<method>\w+)`?$");
            // [OpGrad.cs](…/OpGrad.cs) names the file, not a test.
            if (!cited.Success || !target.EndsWith(".cs", StringComparison.Ordinal) || text.Trim('`') == Path.GetFileName(path)) continue;
            string source = File.ReadAllText(path);
            string cls = cited.Groups["cls"].Value, method = cited.Groups["method"].Value;
            if (!Regex.IsMatch(source, $@"\bclass\s+{Regex.Escape(cls)}\b"))
                problems.Add($"[{text}]({target}): no class {cls} in that file");
            else if (!Regex.IsMatch(source, $@"\b(?:void|Task)\s+{Regex.Escape(method)}\s*\("))
                problems.Add($"[{text}]({target}): no test method {method} in that file");
        }
        Assert.True(problems.Count == 0, $"docs/ops.md cites tests that do not exist: {string.Join("; ", problems)}");
    }
}
