using Cgleak.Cli.Core.Rendering;

namespace Cgleak.Cli.Rendering;

/// <summary>
/// One line on stderr that updates in place during a long wait ("\r", the text, erase to the end of the line),
/// and is erased when the wait ends. Only on a terminal: when stderr is redirected (a log, a pipe, CI) nothing
/// is written, and stdout (JSON included) is never touched. Lighter than a Spectre progress display: no
/// render thread, two escape sequences per update.
/// </summary>
public sealed class StatusLine : IDisposable
{
    private readonly TextWriter _error;
    private readonly int _width;
    private bool _shown;

    private StatusLine(TextWriter error, int width)
    {
        _error = error;
        _width = width;
    }

    /// <summary>A status line for a command, or null when stderr is not a terminal.</summary>
    public static StatusLine? ForTerminal() =>
        Console.IsErrorRedirected || Environment.GetEnvironmentVariable("TERM") == "dumb"
            ? null
            : new StatusLine(Console.Error, TextWrap.Width(Console.Error));

    /// <summary>For tests: a status line on any writer.</summary>
    internal static StatusLine On(TextWriter error, int width) => new(error, width);

    public void Update(string text)
    {
        text = TerminalText.Escape(text);
        // Cut to the width: a wrapped status line could not be rewritten in place.
        while (TextWrap.DisplayWidth(text) > _width - 1 && text.Length > 1)
        {
            text = text[..^1];
        }

        lock (_error)
        {
            _error.Write("\r\u001b[2K" + text);
            _error.Flush();
            _shown = true;
        }
    }

    public void Dispose()
    {
        lock (_error)
        {
            if (_shown)
            {
                _error.Write("\r\u001b[2K");
                _error.Flush();
                _shown = false;
            }
        }
    }
}
