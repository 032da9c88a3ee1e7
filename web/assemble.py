#!/usr/bin/env python3
"""Assembles the page into one self-contained HTML file: the template with its style, the WebAssembly module
(Emscripten's JavaScript with the .wasm inlined, -sSINGLE_FILE=1), the page's script and the measured decode
runs of the shipped run files (examples/runs/*.json, for the marks on the compare chart) inlined, so that it
works opened from disk (file://) as well as served."""
import argparse
import json
import pathlib
import sys

# What the compare view shows of a measured run: which scenario it is, the speed and where it comes from.
RUN_FIELDS = ("hardware", "devices", "model", "quant", "backend", "api", "n_depth", "decode_tok_s", "source")


def inline_script(text: str) -> str:
    # A script element ends at the first "</script": the text may not contain one.
    return text.replace("</script", "<\\/script")


def measured_decode_runs(paths):
    runs = []
    for path in paths:
        for record in json.loads(pathlib.Path(path).read_text(encoding="utf-8")):
            if record.get("decode_tok_s") is None:
                continue
            runs.append({key: record[key] for key in RUN_FIELDS if key in record})
    return runs


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--template", required=True)
    parser.add_argument("--css", required=True)
    parser.add_argument("--js", required=True)
    parser.add_argument("--wasm-js", required=True)
    parser.add_argument("--output", required=True)
    parser.add_argument("runs", nargs="*", help="llmfit run files whose decode runs the compare view marks")
    args = parser.parse_args()

    page = pathlib.Path(args.template).read_text(encoding="utf-8")
    runs = json.dumps(measured_decode_runs(args.runs), separators=(",", ":"), ensure_ascii=True)
    parts = {
        "<!-- llmfit:style -->": "<style>\n" + pathlib.Path(args.css).read_text(encoding="utf-8") + "</style>",
        "<!-- llmfit:module -->": "<script>\n" + inline_script(pathlib.Path(args.wasm_js).read_text(encoding="utf-8")) + "\n</script>",
        "<!-- llmfit:runs -->": '<script type="application/json" id="measured-runs">' + inline_script(runs) + "</script>",
        "<!-- llmfit:script -->": "<script>\n" + inline_script(pathlib.Path(args.js).read_text(encoding="utf-8")) + "</script>",
    }
    for marker, text in parts.items():
        if page.count(marker) != 1:
            print(f"assemble.py: {args.template} must hold {marker} once", file=sys.stderr)
            return 1
        page = page.replace(marker, text)
    output = pathlib.Path(args.output)
    temporary = output.with_suffix(".tmp")
    temporary.write_text(page, encoding="utf-8")
    temporary.replace(output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
