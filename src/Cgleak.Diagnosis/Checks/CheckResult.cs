using Cgleak.Diagnosis.Text;

namespace Cgleak.Diagnosis.Checks;

/// <summary>A fix for one finding: a sentence and the commands, filled in for this host.</summary>
/// <param name="Text">the sentence in English (JSON); <see cref="Said"/> in any language.</param>
public sealed record Remediation(string Text, IReadOnlyList<string> Commands)
{
    /// <summary>
    /// The sentence as a message, for text in the reader's language; null for a sentence made elsewhere.
    /// </summary>
    public Message? Said { get; init; }

    public static Remediation Say(string text, params string[] commands) => new(text, commands);

    public static Remediation Say(Message text, params string[] commands)
        => new(text.ToString(), commands) { Said = text };
}

/// <summary>
/// One check's result. Text, JSON, metrics and node conditions are renderings of it.
/// </summary>
/// <param name="Id">stable id, e.g. "memcg.dying".</param>
/// <param name="Title">what the check decides, in a few words.</param>
/// <param name="Status">pass, warn, fail, info, skip, error.</param>
/// <param name="Summary">one sentence for people.</param>
/// <param name="Evidence">the files read and the values seen.</param>
/// <param name="Remediation">what to do, empty when nothing is needed.</param>
/// <param name="Concern">what this result means for the verdict.</param>
public sealed record CheckResult(
    string Id,
    string Title,
    CheckStatus Status,
    string Summary,
    IReadOnlyList<string> Evidence,
    IReadOnlyList<Remediation> Remediation,
    Concern Concern = Concern.None)
{
    /// <summary>
    /// A result whose summary and evidence are messages: <see cref="Summary"/> and <see cref="Evidence"/> hold their
    /// English (JSON), <see cref="Said"/> and <see cref="EvidenceSaid"/> the messages.
    /// </summary>
    public CheckResult(string id, string title, CheckStatus status, Message summary, IReadOnlyList<Message> evidence,
        IReadOnlyList<Remediation> remediation, Concern concern = Concern.None)
        : this(id, title, status, summary.ToString(), [.. evidence.Select(e => e.ToString())], remediation, concern)
    {
        Said = summary;
        EvidenceSaid = evidence;
    }

    /// <summary>
    /// The summary as a message, for text in the reader's language; null for a summary made elsewhere.
    /// </summary>
    public Message? Said { get; init; }

    /// <summary>
    /// A leak cause on a kernel that loses memcg IDs: fails, and puts the node at risk.
    /// </summary>
    public static CheckResult LeaksHere(
        string id, string title, Message sentence, IReadOnlyList<Message> evidence,
        IReadOnlyList<Remediation> remediation)
        => new(id, title, CheckStatus.Fail, new Message("join.sentences", sentence, new Message("leaks-here")),
            evidence, remediation, Concern.AtRisk);

    /// <summary>
    /// A leak cause on a kernel that loses no memcg IDs: said, for information, and nothing to do.
    /// </summary>
    public static CheckResult HarmlessHere(string id, string title, Message sentence, IReadOnlyList<Message> evidence)
        => new(id, title, CheckStatus.Info, new Message("join.sentences", sentence, new Message("harmless-here")),
            evidence, []);

    /// <summary>
    /// The evidence as messages, for text in the reader's language; null for evidence made elsewhere.
    /// </summary>
    public IReadOnlyList<Message>? EvidenceSaid { get; init; }

    /// <summary>What the check speaks about; set from the check by the doctor.</summary>
    public CheckRole Role { get; init; }
}
