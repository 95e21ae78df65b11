namespace Cgleak.Fleet;

/// <summary>
/// Why the fleet could not be read: bad input (an argument or a file, named), or a source that did not answer.
/// </summary>
public sealed class FleetException(string message, bool badInput, Exception? inner = null) : Exception(message, inner)
{
    /// <summary>
    /// True: the user's input is wrong (a URL, a kubeconfig, a token or CA file); false: the source failed.
    /// </summary>
    public bool BadInput { get; } = badInput;
}
