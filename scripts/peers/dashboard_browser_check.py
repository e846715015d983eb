#!/usr/bin/env python3
"""The dashboard in a real browser: headless Chromium driven by Selenium.

Records a few runs with the real CLI into a temporary store, starts `loupe dashboard` on a free
port, then: opens the runs page and sorts it by best validation accuracy (checks the order),
opens a run (checks the loss chart's series and the finding markers of a debug run), ticks two
runs and presses Compare (checks both runs' series and the parallel-coordinates chart), and
watches a running training's page redraw its loss curve with new steps, without a reload.

Needs Debian's chromium and chromium-driver and Selenium (pip install selenium==4.38.0 in
~/.cache/loupe/peers-venv). Usage: dashboard_browser_check.py [.build/release/loupe]
Exits non-zero with a message on the first failed check.
"""
import glob
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

LOUPE = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else ".build/release/loupe")
EXAMPLES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "examples")


def check(name, condition, detail=""):
    if not condition:
        sys.exit(f"browser check: {name} failed {detail}")
    print(f"browser check: {name} ok", flush=True)


def loupe(*args, work):
    subprocess.run([LOUPE, *args, "--store", os.path.join(work, "s.sqlite"), "--runs-dir", os.path.join(work, "runs")],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=work, timeout=600)


def start_dashboard(store, cwd):
    """Starts `loupe dashboard` on a free port; returns the process and its base URL."""
    server = subprocess.Popen([LOUPE, "dashboard", "--port", "0", "--store", store],
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, cwd=cwd)
    printed = ""
    match = None
    while match is None and len(printed) < 4096:
        line = server.stdout.readline()
        if not line:
            break
        printed += line
        match = re.search(r"http://127\.0\.0\.1:\d+/", line)
    if match is None:
        server.kill()
    check("dashboard prints its URL", match is not None, printed)
    return server, match.group(0)


def chromium():
    """Headless Chromium (Debian's chromium and chromium-driver) under Selenium."""
    options = Options()
    options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
    for flag in ["--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1400,2000"]:
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(shutil.which("chromedriver") or "/usr/bin/chromedriver"), options=options)
    driver.set_page_load_timeout(30)
    return driver


def curve(driver, chart, series):
    """The path data of `series` on the chart labelled `chart` ("" when it is not drawn), read in one
    script call: the live page may swap its charts between two element look-ups."""
    return driver.execute_script("""
        for (const group of document.querySelectorAll('svg[aria-label="' + arguments[0] + '"] g.series')) {
            const title = group.querySelector('title'), path = group.querySelector('path');
            if (title && path && title.textContent === arguments[1]) return path.getAttribute('d');
        }
        return '';""", chart, series)


def main():
    work = tempfile.mkdtemp(prefix="loupe-browser-")
    processes = []
    driver = None
    try:
        mlp = os.path.join(EXAMPLES, "digits-mlp.toml")
        loupe("train", mlp, "--epochs", "2", work=work)
        loupe("train", mlp, "--epochs", "4", work=work)
        loupe("debug", os.path.join(EXAMPLES, "diverging-mlp.toml"), "--fix", work=work)
        # Both training runs evaluated (loupe eval RUN-FOLDER): the evaluation tab and the Pareto chart.
        folders = sorted(glob.glob(os.path.join(work, "runs", "digits-mlp", "1*")))
        for folder in folders:
            loupe("eval", folder, work=work)

        server, base = start_dashboard(os.path.join(work, "s.sqlite"), cwd=work)
        processes.append(server)
        driver = chromium()

        # The runs page, sorted by clicking the accuracy column: best first, runs without it last.
        driver.get(base)
        rows = driver.find_elements(By.CSS_SELECTOR, "table.runs tr")[1:]
        check("runs page lists every run", len(rows) >= 4, f"({len(rows)} rows)")
        driver.find_element(By.LINK_TEXT, "validation/accuracy").click()
        headers = [th.text.strip(" ▲▼") for th in driver.find_elements(By.CSS_SELECTOR, "table.runs th")]
        column = headers.index("validation/accuracy")
        values = [row.find_elements(By.TAG_NAME, "td")[column].text for row in driver.find_elements(By.CSS_SELECTOR, "table.runs tr")[1:]]
        numbers = [float(v) for v in values if v != "-"]
        check("sorting by validation/accuracy puts the best first", numbers == sorted(numbers, reverse=True) and values[0] != "-", str(values))

        # A debug run: its loss chart holds the series and the findings' markers.
        driver.get(base + "?kind=debug")
        driver.find_element(By.CSS_SELECTOR, "table.runs td.id a").click()
        titles = [t.get_attribute("textContent") for t in driver.find_elements(By.CSS_SELECTOR, 'svg[aria-label="Loss"] g.series > title')]
        check("run page draws the loss curves", "train/loss" in titles, str(titles))
        markers = driver.find_elements(By.CSS_SELECTOR, 'svg[aria-label="Loss"] g.markers text')
        check("run page marks the findings on the loss chart", len(markers) >= 1)

        # A training run's evaluation: the report's charts drawn in the page, at a real size.
        driver.get(base + "?kind=train")
        driver.find_element(By.CSS_SELECTOR, "table.runs td.id a").click()
        check("run page has an evaluation section", len(driver.find_elements(By.ID, "evaluation")) == 1)
        cells = driver.find_elements(By.CSS_SELECTOR, 'svg[aria-label^="Confusion matrix"] g.cells rect')
        check("evaluation draws the confusion matrix, 10 × 10", len(cells) == 100, f"({len(cells)} cells)")
        for label in ["Reliability diagram", "ROC curves", "Precision–recall curves"]:
            charts = driver.find_elements(By.CSS_SELECTOR, f'svg[aria-label^="{label}"]')
            check(f"evaluation draws the {label.lower()} at a visible size",
                  len(charts) == 1 and charts[0].size["width"] > 200 and charts[0].size["height"] > 150,
                  str(charts[0].size) if charts else "missing")
        # The standalone report, as a file.
        reports = glob.glob(os.path.join(folders[-1], "eval", "report.html"))
        driver.get("file://" + reports[0])
        check("the HTML report shows the quality table and the cost",
              "Quality" in driver.page_source and "US$ per million predictions" in driver.page_source)
        driver.save_screenshot(os.path.join(work, "report.png"))
        check("the report renders (a screenshot)", os.path.getsize(os.path.join(work, "report.png")) > 10_000)

        # Compare the two training runs: both series on the shared curves, the parallel axes.
        driver.get(base + "?kind=train")
        for box in driver.find_elements(By.CSS_SELECTOR, 'input[name="ids"]')[:2]:
            box.click()
        driver.find_element(By.XPATH, "//button[contains(., 'Compare')]").click()
        WebDriverWait(driver, 10).until(lambda d: "/compare" in d.current_url)
        series = [t.get_attribute("textContent") for t in driver.find_elements(By.CSS_SELECTOR, 'svg[aria-label="train/loss"] g.series > title')]
        check("compare page overlays both runs", len(series) == 2 and all(s.startswith("digits-mlp ") for s in series), str(series))
        lines = driver.find_elements(By.CSS_SELECTOR, 'svg[aria-label^="Hyperparameters and best"] g.series path')
        check("compare page draws one parallel-coordinates line per run", len(lines) == 2)
        dots = driver.find_elements(By.CSS_SELECTOR, 'svg[aria-label*="against usd_per_million"] g.series circle')
        check("compare page draws the evaluations' Pareto chart, a dot per model", len(dots) >= 2, f"({len(dots)} dots)")
        check("compare page recommends a model", "is the best on macro_f1" in driver.page_source or "The cheapest model within" in driver.page_source)

        # A run in progress: its page gains points without a reload.
        trainer = subprocess.Popen([LOUPE, "train", mlp, "--epochs", "2000", "--store", os.path.join(work, "s.sqlite"),
                                    "--runs-dir", os.path.join(work, "runs")],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=work)
        processes.append(trainer)
        time.sleep(2.5)
        driver.get(base + "?status=running")
        driver.find_element(By.CSS_SELECTOR, "table.runs td.id a").click()
        driver.execute_script("window.notReloaded = true")
        before, label = curve(driver, "Loss", "train/loss"), driver.find_element(By.ID, "live").text
        check("a live run's page shows its curve", before != "", label)
        WebDriverWait(driver, 10, poll_frequency=0.2).until(lambda d: curve(d, "Loss", "train/loss") not in ("", before))
        check("a live run's page gains points by itself",
              driver.execute_script("return window.notReloaded === true") and driver.find_element(By.ID, "live").text != label,
              driver.find_element(By.ID, "live").text)
    finally:
        if driver is not None:
            driver.quit()
        for process in processes:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
