#!/usr/bin/env python3
"""The page in headless Chromium, against the command line: for each scenario the page is opened (served by
`llmfit serve`, or from disk), its inputs are set the way a person would (typing, keys on sliders, clicks), and
every figure it shows (each element with data-field, its path in the command's JSON, and data-value, the raw
value) must equal `llmfit <the same command and options> --format json`, run now. The expected values are never
stored: they are whatever the command line prints today, so the test follows the JSON as its fields change.
A screenshot of each view is saved under out/page/.

Usage: tests/browser/page_test.py --page build-web/llmfit.html --cli build/cli/llmfit [--out out/page]
Needs Debian's chromium, chromium-driver and python3-selenium."""
import argparse
import json
import math
import os
import pathlib
import re
import shlex
import subprocess
import sys
import time
import urllib.parse

from selenium import webdriver
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select, WebDriverWait

# The page's views that are not a command of their own: the command they run and the options they add.
PAGE_ONLY_VIEWS = {"projector": ("predict", []), "users": ("scale", ["--batch-sweep"])}


class Failure(Exception):
    pass


def command_of(url):
    """The command line the page's address stands for: (command words, option words)."""
    query = urllib.parse.urlsplit(url).query
    pairs = urllib.parse.parse_qsl(query, keep_blank_values=True)
    view = "predict"
    options = []
    for key, value in pairs:
        if key == "view":
            view = value
            continue
        options.append("--" + key)
        if value != "":
            options.append(value)
    command, extra = PAGE_ONLY_VIEWS.get(view, (view, []))
    words = [] if command == "predict" else [command]
    return words, options + extra


def cli_json(cli, words, options):
    run = subprocess.run([cli] + words + options + ["--format", "json"], capture_output=True, text=True, timeout=120)
    if run.returncode != 0:
        raise Failure(f"llmfit {' '.join(words + options)}: exit {run.returncode}: {run.stderr.strip()}")
    return json.loads(run.stdout)


def cli_error(cli, words, options):
    run = subprocess.run([cli] + words + options, capture_output=True, text=True, timeout=120)
    if run.returncode != 2:
        raise Failure(f"llmfit {' '.join(words + options)}: expected exit 2, got {run.returncode}")
    message = run.stderr.strip()
    message = re.sub(r"^llmfit: error: ", "", message)
    return re.sub(r" \(see 'llmfit --help'\)$", "", message)


def lookup(document, path):
    node = document
    if path == "":
        return node
    for part in path.split("."):
        if isinstance(node, list):
            node = node[int(part)]
        elif isinstance(node, dict):
            if part not in node:
                raise KeyError(path)
            node = node[part]
        else:
            raise KeyError(path)
    return node


def same(shown, expected):
    """data-value (text) against the JSON value: numbers to the bit, text exactly, true/false/null."""
    if expected is None:
        return shown == "null"
    if isinstance(expected, bool):
        return shown == ("true" if expected else "false")
    if isinstance(expected, (int, float)):
        try:
            value = float(shown)
        except ValueError:
            return False
        return value == float(expected) or (math.isnan(value) and math.isnan(float(expected)))
    if isinstance(expected, str):
        return shown == expected
    return False


def wait_ready(driver, timeout=60):
    WebDriverWait(driver, timeout).until(
        lambda d: d.execute_script("return document.body.dataset.ready === 'true'"))


def settle(driver):
    """Waits until an input's update has been drawn (the page updates synchronously; one animation frame) and the
    address follows it (the page updates it at most four times a second)."""
    driver.execute_script("return new Promise((resolve) => requestAnimationFrame(() => resolve(true)));")
    WebDriverWait(driver, 5).until(lambda d: d.execute_script("return !document.body.dataset.addressPending"))


def shown_fields(driver):
    return driver.execute_script(
        "return Array.from(document.querySelectorAll('#result [data-field]'))"
        ".map((e) => [e.dataset.field, e.dataset.value]);")


def compare_with_cli(driver, cli, name, required):
    settle(driver)
    url = driver.current_url
    words, options = command_of(url)
    shown_line = driver.find_element(By.ID, "command-line").text
    expected_line = " ".join(["llmfit"] + [shlex.quote(w) for w in words + options])
    if shlex.split(shown_line) != ["llmfit"] + words + options:
        raise Failure(f"{name}: the page shows '{shown_line}', its address stands for '{expected_line}'")
    document = cli_json(cli, words, options)
    fields = shown_fields(driver)
    if len(fields) < 5:
        raise Failure(f"{name}: only {len(fields)} figures shown")
    paths = {path for path, _ in fields}
    for path in required:
        if path not in paths:
            raise Failure(f"{name}: the page does not show {path}")
    mismatches = []
    for path, value in fields:
        try:
            expected = lookup(document, path)
        except (KeyError, IndexError, ValueError):
            mismatches.append(f"{path}: shown {value!r}, not in the command's JSON")
            continue
        if not same(value, expected):
            mismatches.append(f"{path}: shown {value!r}, the command line says {expected!r}")
    if mismatches:
        raise Failure(f"{name} ({expected_line}): {len(mismatches)} of {len(fields)} figures differ:\n  " +
                      "\n  ".join(mismatches[:20]))
    return len(fields), expected_line


def field_id(view, key):
    return f"in-{view}-{key}"


def type_into(driver, element_id, text):
    element = driver.find_element(By.ID, element_id)
    element.send_keys(Keys.CONTROL, "a")
    element.send_keys(Keys.DELETE)
    element.send_keys(text)
    settle(driver)


def press(driver, element_id, key, times):
    element = driver.find_element(By.ID, element_id)
    element.send_keys(*([key] * times))
    settle(driver)


# Each scenario: a view opened with options in its address, then set by hand as a person would. `required`:
# figures the page must show (paths in the command's JSON).
def scenarios():
    def predict(d):
        type_into(d, field_id("predict", "context") + "-value", "32768")
        Select(d.find_element(By.ID, field_id("predict", "kv-type"))).select_by_value("q8_0")

    def projector(d):
        press(d, field_id("projector", "bandwidth-gb-s"), Keys.ARROW_RIGHT, 40)
        press(d, field_id("projector", "quant-slider"), Keys.ARROW_LEFT, 2)
        press(d, field_id("projector", "weight-bandwidth-efficiency"), Keys.ARROW_LEFT, 30)

    def compare(d):
        d.find_element(By.ID, field_id("compare", "all")).click()
        settle(d)
        type_into(d, field_id("compare", "hw"), "m2-max,rtx-4090,m4-max-40c,rtx-3090:2")

    def fit(d):
        Select(d.find_element(By.ID, field_id("fit", "sort"))).select_by_value("speed")
        type_into(d, field_id("fit", "top"), "8")

    def scale(d):
        Select(d.find_element(By.ID, field_id("scale", "kv-type"))).select_by_value("q8_0")

    def users(d):
        type_into(d, field_id("users", "max-batch"), "64")

    def cluster(d):
        d.find_element(By.XPATH, "//button[text()='Add a machine']").click()
        settle(d)
        type_into(d, field_id("cluster", "hw") + "-1-id", "m4-max-40c")
        type_into(d, field_id("cluster", "hw") + "-1-memory", "128")
        Select(d.find_element(By.ID, field_id("cluster", "link"))).select_by_value("10gbe")

    def cost(d):
        press(d, field_id("cost", "utilization"), Keys.ARROW_RIGHT, 25)
        type_into(d, field_id("cost", "api-price-per-mtok"), "0.6")

    def recommend(d):
        type_into(d, field_id("recommend", "budget"), "2500")
        d.find_element(By.ID, field_id("recommend", "portable")).click()
        settle(d)

    def check(d):
        type_into(d, field_id("check", "claimed-tok-s"), "1500000000")

    return [
        ("predict", "hw=m2-max&model=qwen3-coder-q4", predict,
         ["decode_tok_s", "prefill_tok_s", "ttft_s", "fit.weights_gb", "context_scaling.0.decode_tok_s"]),
        ("predict-offload", "hw=rtx-4090&model=llama-3.3-70b-q4", None, ["decode_tok_s", "fit.verdict"]),
        ("projector", "view=projector&hw=rtx-4090&model=llama-3.1-8b-q4", projector,
         ["decode_tok_s", "decode_ceiling_tok_s", "hardware.bandwidth_gb_s", "efficiency.weight_bandwidth_efficiency"]),
        ("compare", "view=compare&model=llama-3-8b-q4&all", compare, ["0.decode_tok_s", "0.label"]),
        ("compare-all", "view=compare&model=llama-3-8b-q4&all", None, ["0.decode_tok_s"]),
        ("fit", "view=fit&hw=rtx-4090", fit, ["0.decode_tok_s"]),
        ("scale", "view=scale&hw=m2-max&model=qwen3-coder-q4", scale, ["context_scaling.0.decode_tok_s"]),
        ("users", "view=users&hw=rtx-4090&model=llama-3.1-8b-q4", users, ["batch_sweep.0.aggregate_tok_s"]),
        ("cluster", "view=cluster&hw=m4-pro:4@64&model=llama-3.3-70b-q4", cluster, ["decode_tok_s", "stages.0.layers"]),
        ("cost", "view=cost&hw=m4-max-40c&model=qwen3-coder-q4", cost, ["usd_per_mtok", "api_usd_per_mtok"]),
        ("recommend", "view=recommend&budget=4000&users=3&model-size=30b", recommend, ["0.name"]),
        ("check", "view=check&hw=m1&model=qwen2-1.5b-q4&claimed-tok-s=200", check, ["verdict", "ceiling_tok_s"]),
    ]


def start_server(cli, page):
    server = subprocess.Popen([cli, "serve", "--port", "0", "--page", page], stdout=subprocess.PIPE, text=True)
    line = server.stdout.readline()
    match = re.search(r"127\.0\.0\.1:(\d+)", line)
    if not match:
        server.kill()
        raise Failure(f"llmfit serve did not start: {line!r}")
    return server, int(match.group(1))


def make_driver(width, height):
    options = webdriver.ChromeOptions()
    options.binary_location = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     f"--window-size={width},{height}", "--allow-file-access-from-files"):
        options.add_argument(argument)
    service = Service(os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver"))
    return webdriver.Chrome(service=service, options=options)


def full_screenshot(driver, path):
    height = driver.execute_script("return Math.min(3000, document.documentElement.scrollHeight)")
    width = driver.execute_script("return window.innerWidth")
    driver.set_window_size(max(width, 1280), height + 120)
    driver.save_screenshot(str(path))
    driver.set_window_size(1280, 1400)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--page", required=True)
    parser.add_argument("--cli", required=True)
    parser.add_argument("--out", default="out/page")
    args = parser.parse_args()
    page = pathlib.Path(args.page).resolve()
    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    # Without a driver: Chromium's own --dump-dom of the page opened from disk, state in the address.
    started = time.time()
    # --dump-dom has no "ready" to wait for: a cold first start (the WebAssembly compiled while the virtual time
    # budget runs) can dump before the first answer, so a dump without figures is taken once more.
    for _attempt in range(2):
        dump = subprocess.run(["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--virtual-time-budget=20000",
                               "--dump-dom", page.as_uri() + "?hw=m2-max&model=qwen3-coder-q4&context=32768"],
                              capture_output=True, text=True, timeout=120)
        fields = dict(re.findall(r'data-field="([^"]+)" data-value="([^"]*)"', dump.stdout))
        if fields.get("decode_tok_s"):
            break
    expected = cli_json(args.cli, [], ["--hw", "m2-max", "--model", "qwen3-coder-q4", "--context", "32768"])
    if "decode_tok_s" not in fields or not same(fields["decode_tok_s"], expected["decode_tok_s"]):
        raise Failure(f"--dump-dom of {page.name}: decode_tok_s {fields.get('decode_tok_s')!r}, "
                      f"the command line says {expected['decode_tok_s']!r}")
    print(f"ok   dump-dom (file://, no driver): {len(fields)} figures equal the command line "
          f"({time.time() - started:.1f} s)")

    server, port = start_server(args.cli, str(page))
    driver = make_driver(1280, 1400)
    failures = []
    try:
        for name, query, act, required in scenarios():
            started = time.time()
            try:
                driver.get(f"http://127.0.0.1:{port}/?{query}")
                wait_ready(driver)
                if act:
                    act(driver)
                count, line = compare_with_cli(driver, args.cli, name, required)
                full_screenshot(driver, out / f"{name}.png")
                print(f"ok   {name}: {count} figures equal `{line} --format json` ({time.time() - started:.1f} s)")
            except (Failure, TimeoutException) as error:
                failures.append(f"{name}: {error}")
                driver.save_screenshot(str(out / f"{name}-failed.png"))
                print(f"FAIL {name}: {error}")

        # Opened from disk, not served: the same answer.
        driver.get(page.as_uri() + "?view=compare&model=qwen3-coder-q4&hw=m2-max,rtx-4090")
        wait_ready(driver)
        count, line = compare_with_cli(driver, args.cli, "file", ["0.decode_tok_s"])
        print(f"ok   file:// {count} figures equal `{line} --format json`")

        # Bad input: the page shows the command line's own message.
        driver.get(f"http://127.0.0.1:{port}/?hw=m2-mx&model=qwen3-coder-q4")
        wait_ready(driver)
        shown = driver.find_element(By.CSS_SELECTOR, "#result [role=alert]").get_attribute("data-error")
        expected_error = cli_error(args.cli, [], ["--hw", "m2-mx", "--model", "qwen3-coder-q4"])
        if shown != expected_error:
            failures.append(f"error: the page says {shown!r}, the command line {expected_error!r}")
        else:
            print(f"ok   error message equals the command line's: {shown}")

        # Keyboard only: the views are reachable with Tab and Enter, and the address follows.
        driver.get(f"http://127.0.0.1:{port}/")
        wait_ready(driver)
        link = driver.find_element(By.CSS_SELECTOR, "#views a[data-view='check']")
        link.send_keys(Keys.ENTER)
        wait_ready(driver)
        if "view=check" not in driver.current_url:
            failures.append(f"keyboard: Enter on the check view's link left the address at {driver.current_url}")

        # A phone-sized window: nothing wider than the screen but the scrolling tables.
        phone = make_driver(390, 844)
        try:
            phone.get(f"http://127.0.0.1:{port}/?hw=m2-max&model=qwen3-coder-q4")
            wait_ready(phone)
            overflow = phone.execute_script("return document.documentElement.scrollWidth - window.innerWidth")
            phone.save_screenshot(str(out / "phone.png"))
            if overflow > 1:
                failures.append(f"phone: the page is {overflow} px wider than a 390 px screen")
            else:
                print("ok   phone width: no horizontal overflow at 390 px")
        finally:
            phone.quit()
        unlabelled = driver.execute_script(
            "return Array.from(document.querySelectorAll('input, select, button')).filter((e) => !(e.labels && "
            "e.labels.length) && !e.getAttribute('aria-label') && !(e.textContent || '').trim()).map((e) => e.id || e.outerHTML)")
        if unlabelled:
            failures.append(f"controls without a label: {unlabelled}")
    finally:
        driver.quit()
        server.terminate()
        server.wait(timeout=10)

    if failures:
        print(f"\n{len(failures)} failure(s):\n" + "\n".join(failures), file=sys.stderr)
        return 1
    print(f"page tests passed; screenshots in {out}/")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Failure as error:
        print(f"FAIL {error}", file=sys.stderr)
        sys.exit(1)
