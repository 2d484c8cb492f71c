"""Open committed notebooks in JupyterLab, in headless Chromium, and screenshot them: look at every picture.

    python docs/screenshot_notebooks.py [OUT_DIR] [NOTEBOOK ...]

It starts JupyterLab on notebooks/ (on 127.0.0.1, no token, a free port), opens each notebook as a learner who
just cloned the repository would (untrusted), scrolls to each output picture, and writes OUT_DIR/<notebook>-<k>.png
(default OUT_DIR: a new temporary directory). It prints what it saw: how many outputs show an image, and any
output that shows text where a picture should be, or an image wider than its cell. Exit 1 if it found any, or if
Chromium, playwright or JupyterLab is missing.
"""

import contextlib
import pathlib
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = pathlib.Path(__file__).resolve().parents[1]
DEFAULT = ["01_value_and_backward.ipynb", "03_backprop_two_layer_network.ipynb"]


def main(argv):
    out = pathlib.Path(argv[0]) if argv else pathlib.Path(tempfile.mkdtemp(prefix="chaingrad-lab-"))
    names = argv[1:] or DEFAULT
    chromium, jupyter = shutil.which("chromium"), shutil.which("jupyter", path=str(ROOT / ".venv" / "bin"))
    jupyter = jupyter or shutil.which("jupyter")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        chromium = None
    if not chromium or not jupyter:
        print("needs Debian's chromium, playwright and JupyterLab (bash dev.sh test installs them)", file=sys.stderr)
        return 1
    out.mkdir(parents=True, exist_ok=True)
    port = _free_port()
    server = subprocess.Popen(
        [jupyter, "lab", "--no-browser", f"--port={port}", "--ip=127.0.0.1", "--ServerApp.token=",
         "--ServerApp.password=", "--allow-root", f"--ServerApp.root_dir={ROOT / 'notebooks'}"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    problems = 0
    try:
        _wait_for(f"http://127.0.0.1:{port}/lab")
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            for name in names:
                problems += _look(page, f"http://127.0.0.1:{port}/lab/tree/{name}", name, out)
            browser.close()
    finally:
        server.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            server.wait(10)
    print(f"screenshots in {out}")
    return 1 if problems else 0


def _look(page, url, name, out):
    page.goto(url)
    page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=60_000)
    page.wait_for_timeout(3000)  # let the outputs render
    outputs = page.locator(".jp-OutputArea-output")
    problems, images = 0, 0
    for k in range(outputs.count()):
        output = outputs.nth(k)
        image = output.locator("img, svg").first
        text = output.inner_text()[:200]
        if "display it in Jupyter" in text or "<Drawing of" in text:
            print(f"{name} output {k}: text where a picture should be: {text!r}")
            problems += 1
        if image.count() and output.is_visible():  # JupyterLab renders only the cells near the view
            images += 1
            output.scroll_into_view_if_needed()
            box, cell = image.bounding_box(), output.bounding_box()
            if box and cell and box["width"] > cell["width"] + 1:
                print(f"{name} output {k}: a picture {box['width']:.0f} px wide in a {cell['width']:.0f} px cell")
                problems += 1
            output.screenshot(path=str(out / f"{pathlib.Path(name).stem}-{k}.png"))
    print(f"{name}: {outputs.count()} outputs, {images} with a picture, {problems} problems")
    return problems


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for(url, seconds=60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError):
            urllib.request.urlopen(url, timeout=2)  # a local server this script started
            return
        time.sleep(0.5)
    raise RuntimeError(f"JupyterLab did not answer at {url} within {seconds} s")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
