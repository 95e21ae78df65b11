using Cgleak.Diagnosis.Text;

namespace Cgleak.Fleet;

/// <summary>
/// Why the fleet could not be read: bad input (an argument or a file, named), or a source that did not answer.
/// <see cref="Exception.Message"/> is the English; <see cref="Said"/> the message, for the reader's language.
/// </summary>
public sealed class FleetException(Message said, bool badInput, Exception? inner = null)
    : Exception(said.ToString(), inner)
{
    public Message Said { get; } = said;

    /// <summary>
    /// True: the user's input is wrong (a URL, a kubeconfig, a token or CA file); false: the source failed.
    /// </summary>
    public bool BadInput { get; } = badInput;
}
