"""Make docs/explorer.png, the README's picture of the explorer: the single neuron in the middle of backward.

Run from the repository root: `python docs/make_explorer_screenshot.py` (needs Chromium and playwright, as the
browser tests do: `sudo apt-get install chromium`, `pip install -e '.[dev]'`; and Graphviz's `dot` for the
layout the README shows).
"""

import pathlib
import sys
import tempfile

import autograd
from autograd import Value

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
from browser import launch, missing  # noqa: E402  (the tests' way to start Chromium, shared)

STEPS = 3  # of the neuron's 5: a's step is done, so z has just received ∂L/∂z, while w, x and b are still to come

x, w, b = Value(2.0, label="x"), Value(3.0, label="w"), Value(1.0, label="b")
z = w * x + b
z.label = "z"
a = z.sigmoid()
a.label = "a"
L = (a - 1.0) ** 2
L.label = "L"

reason = missing()
if reason:
    print(f"cannot make the screenshot: {reason}", file=sys.stderr)
    sys.exit(1)
from playwright.sync_api import sync_playwright  # noqa: E402  (only once we know it is there)

out = pathlib.Path(__file__).with_name("explorer.png")
with tempfile.TemporaryDirectory() as folder, sync_playwright() as playwright:
    page_path = autograd.explore(L).save(pathlib.Path(folder) / "neuron.html")
    browser = launch(playwright)
    page = browser.new_page(viewport={"width": 1100, "height": 400}, device_scale_factor=2)
    page.goto(page_path.as_uri())
    explorer = page.locator('.cg-explorer[data-ready="true"]')
    explorer.wait_for()
    for _ in range(STEPS):
        page.click('button[data-action="step"]')
    page.mouse.move(0, 0)  # no hover: the panel shows the step
    explorer.screenshot(path=out)
    counter = page.locator('[data-role="counter"]').text_content()
    browser.close()
print(f"wrote {out}: {counter} of backward through the single neuron")
