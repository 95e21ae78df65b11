using System.CommandLine;
using Cgleak.Diagnosis.Text;

namespace Cgleak.Cli.Commands;

/// <summary>
/// The one output switch every command has: --format text|json (fix plan adds sh), and --json, kept as the
/// alias of --format json that scripts already use.
/// </summary>
public sealed class OutputSwitch
{
    private readonly Option<string> _format;
    private readonly Option<bool> _json;

    public OutputSwitch(params string[] extraFormats)
    {
        string[] formats = ["text", "json", .. extraFormats];
        _format = new Option<string>("--format")
        {
            Description = Messages.Get("help.format", string.Join(", ", formats)),
            DefaultValueFactory = _ => "text",
            HelpName = string.Join('|', formats),
        };
        _format.AcceptOnlyFromAmong(formats);
        _json = new Option<bool>("--json") { Description = Messages.Get("help.outputswitch.json") };
    }

    public void AddTo(Command command)
    {
        command.Options.Add(_format);
        command.Options.Add(_json);
    }

    /// <summary>The format asked for; --json wins over a --format that was left at its default.</summary>
    public string Format(ParseResult parsed) => parsed.GetValue(_json) ? "json" : parsed.GetValue(_format)!;

    public bool IsJson(ParseResult parsed) => Format(parsed) == "json";
}
