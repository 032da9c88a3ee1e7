#!/usr/bin/env python3
"""How long the page takes to answer a slider move (a benchmark, not a test): in headless Chromium, each slider
is moved step by step with the arrow keys; the page times each update itself (window.llmfitTimings: running the
command in WebAssembly, drawing the answer and updating the address, from the input event to the end of its
handler) and this prints the median, 95th percentile and worst case per slider, against one frame (16.7 ms at
60 Hz), and the medians of its parts (window.llmfitTimingParts: running the command, drawing, the address).
The address is updated at most four times a second, in a task of its own while a slider moves: those updates are
timed too (window.llmfitAddressTimings). Writes the table to docs/performance.md between the page-bench markers.

Usage: /usr/bin/python3 bench/page_bench.py [--page build-web/llmfit.html] [--moves 60]"""
import argparse
import datetime
import os
import pathlib
import re
import statistics
import sys

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

# (view query, slider element id, what it moves)
SLIDERS = [
    ("hw=m2-max&model=qwen3-coder-q4", "in-predict-context", "answer card: context"),
    ("view=projector&hw=m2-max&model=qwen3-coder-q4", "in-projector-bandwidth-gb-s", "projector: bandwidth"),
    ("view=projector&hw=m2-max&model=qwen3-coder-q4", "in-projector-quant-slider", "projector: weight bytes"),
    ("view=projector&hw=m2-max&model=qwen3-coder-q4", "in-projector-weight-bandwidth-efficiency", "projector: share of bandwidth"),
    ("view=cost&hw=m4-max-40c&model=qwen3-coder-q4", "in-cost-utilization", "cost: utilisation"),
    ("view=scale&hw=m2-max&model=qwen3-coder-q4", None, "context scaling (form re-run)"),
]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--page", default="build-web/llmfit.html")
    parser.add_argument("--moves", type=int, default=60)
    args = parser.parse_args()
    page = pathlib.Path(args.page).resolve()
    options = webdriver.ChromeOptions()
    options.binary_location = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1280,1400"):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver")), options=options)
    rows = []
    try:
        for query, slider_id, name in SLIDERS:
            driver.get(page.as_uri() + "?" + query)
            WebDriverWait(driver, 60).until(lambda d: d.execute_script("return document.body.dataset.ready === 'true'"))
            driver.execute_script("window.llmfitTimings.length = 0; window.llmfitTimingParts.length = 0; "
                                  "window.llmfitAddressTimings.length = 0")
            if slider_id is None:
                element = driver.find_element(By.ID, "in-scale-prompt-tokens")
                for i in range(args.moves):
                    element.send_keys(Keys.CONTROL, "a")
                    element.send_keys(str(256 + 64 * i))
            else:
                element = driver.find_element(By.ID, slider_id)
                element.send_keys(Keys.HOME)
                keys = [Keys.ARROW_RIGHT] * args.moves
                element.send_keys(*keys)
            timings = driver.execute_script("return window.llmfitTimings.slice()")
            parts = driver.execute_script("return window.llmfitTimingParts.slice()")
            WebDriverWait(driver, 5).until(lambda d: d.execute_script("return !document.body.dataset.addressPending"))
            addresses = sorted(driver.execute_script("return window.llmfitAddressTimings.slice()"))
            if len(timings) > 1:  # the first includes warming up
                timings, parts = timings[1:], parts[1:]
            timings = sorted(timings)
            median = statistics.median(timings)
            p95 = timings[min(len(timings) - 1, int(0.95 * len(timings)))]
            split = {part: statistics.median(p[part] for p in parts) for part in ("run", "draw", "address")}
            split["updates"] = len(addresses)
            split["update_ms"] = statistics.median(addresses) if addresses else 0.0
            rows.append((name, len(timings), median, p95, timings[-1], split))
            print(f"{name:32} {len(timings):4} moves  median {median:6.2f} ms  p95 {p95:6.2f} ms  max {timings[-1]:6.2f} ms"
                  f"  (run {split['run']:.2f}, draw {split['draw']:.2f}, address {split['address']:.2f} ms; "
                  f"{split['updates']} address updates, median {split['update_ms']:.2f} ms)")
        agent = driver.execute_script("return navigator.userAgent")
    finally:
        driver.quit()

    doc = pathlib.Path(__file__).resolve().parent.parent / "docs" / "performance.md"
    text = doc.read_text(encoding="utf-8")
    if "<!-- page-bench:begin -->" in text:
        load = open("/proc/loadavg").read().split()[:3]
        version = re.search(r"Chrome/([\d.]+)", agent)
        table = [f"Measured {datetime.date.today()} by `bench/page_bench.py` (headless Chromium "
                 f"{version.group(1) if version else ''}, {os.cpu_count()} cores, load average {' '.join(load)}):",
                 "", "| slider | moves | median | p95 | worst | median run / draw / address | address updates (median) |",
                 "|---|---|---|---|---|---|---|"]
        table += [f"| {n} | {k} | {m:.2f} ms | {p:.2f} ms | {w:.2f} ms | {s['run']:.2f} / {s['draw']:.2f} / {s['address']:.2f} ms "
                  f"| {s['updates']} ({s['update_ms']:.2f} ms) |" for n, k, m, p, w, s in rows]
        text = re.sub(r"(<!-- page-bench:begin -->\n).*?(<!-- page-bench:end -->)",
                      lambda m: m.group(1) + "\n".join(table) + "\n" + m.group(2), text, flags=re.S)
        doc.write_text(text, encoding="utf-8")
        print("written to docs/performance.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
