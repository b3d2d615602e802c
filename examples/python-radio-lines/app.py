"""The README's first plugin, radio-lines, in Python: every non-blank line of
ShopNet radio text becomes an alert.

Build it into a WebAssembly component against the gateway's WIT (see README.md):

    componentize-py -d ../../sdk/wit -w adapter componentize app -o radio_lines_py.wasm
"""

from wit_world import exports
from wit_world.exports import translator
from wit_world.imports import schema, types
from componentize_py_types import Err


def _report(line: str) -> schema.Report:
    """One alert whose narrative is the line, as the Rust example makes it."""
    return schema.Report(
        source_system="shopnet-radio",
        source_record_id=None,
        event=schema.Event(
            kind=schema.ReportKind.ALERT,
            occurred_from=None,
            occurred_to=None,
            reported_at=None,
            category=schema.Category.OTHER,
            category_raw=None,
            business_crime=False,
            narrative=line,
            staff_injured=None,
            police_reference=None,
        ),
        location=schema.Location(
            premises_name=None,
            store_id=None,
            address_lines=[],
            town=None,
            postcode=None,
            uprn=None,
            coordinates=None,
            bcrp_area=None,
        ),
        persons=[],
        property=[],
        vehicles=[],
        evidence=schema.Evidence(media=[], witness_statement=False),
        extensions=[],
    )


class Translator(exports.Translator):
    """The `translator` interface every adapter exports."""

    def describe(self) -> types.PluginInfo:
        return types.PluginInfo(
            name="radio-lines-py",
            version="0.1.0",
            description="Each non-blank line of radio text becomes an alert (Python).",
            systems=["shopnet-radio"],
            content_types=["text/plain"],
            config_keys=[],
        )

    def validate_config(self, config: str) -> None:
        # No configuration: anything is accepted, as in the Rust example.
        return None

    def translate(self, payload: translator.Payload) -> translator.Translation:
        try:
            text = bytes(payload.bytes).decode("utf-8")
        except UnicodeDecodeError:
            raise Err(types.AdapterError_Malformed("not UTF-8"))
        reports = [_report(line.strip()) for line in text.splitlines() if line.strip()]
        return translator.Translation(reports=reports, rejects=[])
