"""Write the Group Policy template (outreach.admx, en-US/outreach.adml) from policy KEYS.

    python packaging/windows/admx.py          # rewrite both files
    python packaging/windows/admx.py --check  # exit 1 if they differ from KEYS

Each key becomes one policy writing a value of the same name under
SOFTWARE\\Policies\\Outreach, in HKLM or HKCU ("Both"), typed as the app reads it
(src/outreach/config/managed.py): REG_DWORD for numbers and true/false, REG_SZ for text,
REG_MULTI_SZ for the two PEM keys. tests/packaging/test_admx.py keeps the files current.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1] / "src"))

from outreach.config.managed import REGISTRY_KEY  # noqa: E402
from outreach.config.policy import KEYS, IntBetween, OneOf, PolicyKey, value_kind  # noqa: E402

ADMX = HERE / "outreach.admx"
ADML = HERE / "en-US" / "outreach.adml"
NAMESPACE = "Outreach.Policies.Outreach"
# Text long enough for a PEM goes in a multi-line box (REG_MULTI_SZ).
MULTI_LINE = ("recovery_public_key", "hub_pinned_ca")
TEXT_MAX = {"protective_marking": 60, "hub_address": 2048}
SYNC = {
    "hub_address",
    "hub_pinned_ca",
    "names_sent",
    "narrative_sharing",
    "retention_days_after_sync",
    "must_sync_every_days",
    "review_within_hours",
}
CATEGORIES = (
    ("Outreach", "Outreach", None),
    ("Outreach_Vault", "Vault and exports", "Outreach"),
    ("Outreach_Nudges", "Nudges", "Outreach"),
    ("Outreach_Sync", "Hub and sync", "Outreach"),
)


def category(key: PolicyKey) -> str:
    if key.name.startswith("nudge_"):
        return "Outreach_Nudges"
    return "Outreach_Sync" if key.name in SYNC else "Outreach_Vault"


def _default_words(key: PolicyKey) -> str:
    if key.default is None:
        return "none"
    if isinstance(key.default, bool):
        return "true" if key.default else "false"
    return str(key.default)


def _policy(key: PolicyKey) -> list[str]:
    name = key.name
    kind = value_kind(key)
    head = (
        f'    <policy name="{name}" class="Both" displayName="$(string.{name})" '
        f'explainText="$(string.{name}_Help)" key="{REGISTRY_KEY}"'
    )
    lines = []
    if kind == "bool":
        lines.append(f'{head} valueName="{name}">')
    else:
        lines.append(f'{head} presentation="$(presentation.{name})">')
    lines.append(f'      <parentCategory ref="{category(key)}"/>')
    lines.append('      <supportedOn ref="SUPPORTED_Outreach"/>')
    if kind == "bool":
        lines.append('      <enabledValue><decimal value="1"/></enabledValue>')
        lines.append('      <disabledValue><decimal value="0"/></disabledValue>')
    else:
        lines.append("      <elements>")
        lines.extend("        " + line for line in _element(key))
        lines.append("      </elements>")
    lines.append("    </policy>")
    return lines


def _element(key: PolicyKey) -> list[str]:
    name = key.name
    if isinstance(key.check, IntBetween):
        low, high = key.check.low, key.check.high
        return [
            f'<decimal id="{name}" valueName="{name}" required="true" '
            f'minValue="{low}" maxValue="{high}"/>'
        ]
    if isinstance(key.check, OneOf):
        lines = [f'<enum id="{name}" valueName="{name}" required="true">']
        for choice in key.check.choices:
            lines.append(
                f'  <item displayName="$(string.{name}_{choice})">'
                f"<value><string>{choice}</string></value></item>"
            )
        return [*lines, "</enum>"]
    if name in MULTI_LINE:
        return [f'<multiText id="{name}" valueName="{name}" required="true" maxLength="20000"/>']
    limit = TEXT_MAX.get(name, 1023)
    return [f'<text id="{name}" valueName="{name}" required="true" maxLength="{limit}"/>']


def admx() -> str:
    lines = [
        '<?xml version="1.0" encoding="utf-8"?>',
        "<!-- Written by packaging/windows/admx.py from KEYS in src/outreach/config/policy.py;"
        " do not edit. -->",
        '<policyDefinitions xmlns:xsd="http://www.w3.org/2001/XMLSchema" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" revision="1.0" '
        'schemaVersion="1.0" '
        'xmlns="http://schemas.microsoft.com/GroupPolicy/2006/07/PolicyDefinitions">',
        "  <policyNamespaces>",
        f'    <target prefix="outreach" namespace="{NAMESPACE}"/>',
        '    <using prefix="windows" namespace="Microsoft.Policies.Windows"/>',
        "  </policyNamespaces>",
        '  <resources minRequiredRevision="1.0"/>',
        "  <supportedOn>",
        "    <definitions>",
        '      <definition name="SUPPORTED_Outreach" displayName="$(string.SUPPORTED_Outreach)"/>',
        "    </definitions>",
        "  </supportedOn>",
        "  <categories>",
    ]
    for name, _, parent in CATEGORIES:
        if parent is None:
            lines.append(f'    <category name="{name}" displayName="$(string.{name})"/>')
        else:
            lines.append(f'    <category name="{name}" displayName="$(string.{name})">')
            lines.append(f'      <parentCategory ref="{parent}"/>')
            lines.append("    </category>")
    lines += ["  </categories>", "  <policies>"]
    for key in KEYS:
        lines.extend(_policy(key))
    lines += ["  </policies>", "</policyDefinitions>"]
    return "\n".join(lines) + "\n"


def _help(key: PolicyKey) -> str:
    kind = value_kind(key)
    if kind == "bool":
        typed = "REG_DWORD: Enabled writes 1 (true), Disabled writes 0 (false)"
    elif kind == "int":
        typed = "REG_DWORD"
    elif key.name in MULTI_LINE:
        typed = "REG_MULTI_SZ (one line of the PEM per line), or REG_SZ"
    else:
        typed = "REG_SZ"
    return (
        f"{key.summary}\n\n"
        f"Allowed: {key.expects}. Default when not configured: {_default_words(key)}.\n\n"
        f"Writes {key.name} ({typed}) under {REGISTRY_KEY}. Computer policy wins over user "
        "policy, and both over the policy.toml file. A value Outreach cannot use stops it "
        "from starting, with a message naming the key. See docs/policy.md."
    )


def _presentation(key: PolicyKey) -> list[str]:
    name = key.name
    if value_kind(key) == "bool":
        return []
    if isinstance(key.check, IntBetween):
        box = f'<decimalTextBox refId="{name}" defaultValue="{key.default}">{name}</decimalTextBox>'
    elif isinstance(key.check, OneOf):
        default = key.check.choices.index(key.default)
        box = (
            f'<dropdownList refId="{name}" defaultItem="{default}" noSort="true">'
            f"{name}</dropdownList>"
        )
    elif name in MULTI_LINE:
        box = f'<multiTextBox refId="{name}">{name}</multiTextBox>'
    else:
        box = f'<textBox refId="{name}"><label>{name}</label></textBox>'
    return [f'      <presentation id="{name}">', f"        {box}", "      </presentation>"]


def _string(ident: str, text: str) -> str:
    return f"      <string id={quoteattr(ident)}>{escape(text)}</string>"


def adml() -> str:
    lines = [
        '<?xml version="1.0" encoding="utf-8"?>',
        "<!-- Written by packaging/windows/admx.py from KEYS in src/outreach/config/policy.py;"
        " do not edit. -->",
        '<policyDefinitionResources xmlns:xsd="http://www.w3.org/2001/XMLSchema" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" revision="1.0" '
        'schemaVersion="1.0" '
        'xmlns="http://schemas.microsoft.com/GroupPolicy/2006/07/PolicyDefinitions">',
        "  <displayName>Outreach</displayName>",
        "  <description>IT policy for Outreach (docs/policy.md).</description>",
        "  <resources>",
        "    <stringTable>",
        _string("SUPPORTED_Outreach", "Outreach 0.1 and later"),
    ]
    lines += [_string(name, words) for name, words, _ in CATEGORIES]
    for key in KEYS:
        lines.append(_string(key.name, key.name))
        lines.append(_string(f"{key.name}_Help", _help(key)))
        if isinstance(key.check, OneOf):
            lines += [_string(f"{key.name}_{c}", c) for c in key.check.choices]
    lines += ["    </stringTable>", "    <presentationTable>"]
    for key in KEYS:
        lines.extend(_presentation(key))
    lines += ["    </presentationTable>", "  </resources>", "</policyDefinitionResources>"]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only compare, exit 1 if stale")
    args = parser.parse_args(argv)
    wanted = {ADMX: admx(), ADML: adml()}
    if args.check:
        stale = [str(p) for p, text in wanted.items() if p.read_text(encoding="utf-8") != text]
        for path in stale:
            print(f"{path} is out of date: run python packaging/windows/admx.py")
        return 1 if stale else 0
    for path, text in wanted.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
