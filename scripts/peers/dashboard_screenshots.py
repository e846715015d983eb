#!/usr/bin/env python3
"""Screenshots of the dashboard's pages for `make demo`: the runs page, the newest debug run's page
(its curves with the findings marked), the newest training run's page (its evaluation) and a compare of the two newest debug runs (in the demo, two
`--fix` attempts at the diverging run), as PNGs.

Usage: dashboard_screenshots.py LOUPE STORE OUTDIR   (headless Chromium through Selenium, as in
dashboard_browser_check.py, whose helpers it uses). Prints the files it wrote.
"""
import os
import sys

from selenium.webdriver.common.by import By

import dashboard_browser_check as browser


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    browser.LOUPE = os.path.abspath(sys.argv[1])
    store, out = os.path.abspath(sys.argv[2]), os.path.abspath(sys.argv[3])
    os.makedirs(out, exist_ok=True)
    server, base = browser.start_dashboard(store, cwd=os.getcwd())
    driver = None
    try:
        driver = browser.chromium()
        shots = []

        def shoot(name):
            path = os.path.join(out, f"dashboard-{name}.png")
            # The whole page: as tall as its content.
            height = driver.execute_script("return document.documentElement.scrollHeight")
            driver.set_window_size(1400, max(900, min(int(height) + 40, 8000)))
            driver.save_screenshot(path)
            shots.append(path)

        driver.get(base)
        shoot("runs")
        driver.get(base + "?kind=debug")
        links = driver.find_elements(By.CSS_SELECTOR, "table.runs td.id a")
        if links:
            links[0].click()
            shoot("run")
        # The newest training run with its evaluation (in the demo, the digits MLP).
        driver.get(base + "?kind=train")
        links = driver.find_elements(By.CSS_SELECTOR, "table.runs td.id a")
        if links:
            links[0].click()
            shoot("evaluation")
        # The two newest debug runs side by side.
        driver.get(base + "?kind=debug")
        boxes = driver.find_elements(By.CSS_SELECTOR, 'input[name="ids"]')[:2]
        if len(boxes) == 2:
            for box in boxes:
                box.click()
            driver.find_element(By.XPATH, "//button[contains(., 'Compare')]").click()
            shoot("compare")
        for path in shots:
            print(f"screenshot: {os.path.relpath(path)}")
    finally:
        if driver is not None:
            driver.quit()
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
