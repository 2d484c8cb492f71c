"""Open committed notebooks in JupyterLab, in headless Chromium, and screenshot them: look at every picture.

    python docs/screenshot_notebooks.py [OUT_DIR] [NOTEBOOK ...]

It starts JupyterLab on notebooks/ (on 127.0.0.1, no token, a free port), opens each notebook as a learner who
just cloned the repository would (untrusted), scrolls to each output picture, and writes OUT_DIR/<notebook>-<k>.png
(default OUT_DIR: a new temporary directory). Then it double-clicks the widest picture that was scaled down to fit
its cell, as a learner would to read it (JupyterLab shows an image at full size then, scrolling sideways), writes
OUT_DIR/<notebook>-<k>-full.png, and double-clicks it back. It prints what it saw: how many outputs show an image,
and any output that shows text where a picture should be, an image wider than its cell, or a picture that a
double-click did not show at its full size. Exit 1 if it found any, or if Chromium, playwright or JupyterLab is
missing.
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
    port, lab = _free_port(), pathlib.Path(tempfile.mkdtemp(prefix="chaingrad-lab-settings-"))
    # Settings of its own: no news pop-up over the pictures, no workspace of an earlier run, no saving
    notification = lab / "settings" / "@jupyterlab" / "apputils-extension" / "notification.jupyterlab-settings"
    notification.parent.mkdir(parents=True)
    notification.write_text('{"fetchNews": "false"}')
    docmanager = lab / "settings" / "@jupyterlab" / "docmanager-extension" / "plugin.jupyterlab-settings"
    docmanager.parent.mkdir(parents=True)
    docmanager.write_text('{"autosave": false}')  # opening a notebook can mark it changed; never write it
    server = subprocess.Popen(
        [jupyter, "lab", "--no-browser", f"--port={port}", "--ip=127.0.0.1", "--ServerApp.token=",
         "--ServerApp.password=", "--allow-root", f"--ServerApp.root_dir={ROOT / 'notebooks'}",
         f"--LabApp.user_settings_dir={lab / 'settings'}", f"--LabApp.workspaces_dir={lab / 'workspaces'}"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    problems = 0
    try:
        _wait_for(f"http://127.0.0.1:{port}/lab")
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
            # tall enough that a tall picture fits whole: an element screenshot cannot see past the viewport
            page = browser.new_page(viewport={"width": 1280, "height": 2400})
            for name in names:
                problems += _look(page, f"http://127.0.0.1:{port}/lab/tree/{name}?reset", name, out)  # one tab
            browser.close()
    finally:
        server.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            server.wait(10)
        shutil.rmtree(lab, ignore_errors=True)
    print(f"screenshots in {out}")
    return 1 if problems else 0


def _look(page, url, name, out):
    page.goto(url)
    page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=60_000)
    shown = ".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook .jp-Cell"  # not the notebooks opened before
    cells, stem = page.locator(shown), pathlib.Path(name).stem
    total = -1
    while total != cells.count():  # until every cell is there
        total = cells.count()
        page.wait_for_timeout(2000)  # and the outputs have rendered
    problems, images, svgs, count, scaled = 0, 0, 0, 0, []
    for c in range(total):
        cells.nth(c).scroll_into_view_if_needed(timeout=10_000)  # JupyterLab renders only the cells near the view
        page.wait_for_timeout(100)
        outputs = cells.nth(c).locator(".jp-OutputArea-output")
        count += outputs.count()
        for o in range(outputs.count()):
            output, where = outputs.nth(o), f"{name} cell {c}" + (f" output {o}" if o else "")
            image = output.locator("img, svg").first
            text = output.inner_text()[:200]
            if "display it in Jupyter" in text or "<Drawing of" in text:
                print(f"{where}: text where a picture should be: {text!r}")
                problems += 1
            if not image.count():
                continue
            images += 1
            svgs += output.locator(".jp-RenderedSVG").count()  # a trusted notebook shows the SVG where there is one
            output.scroll_into_view_if_needed()
            box, frame = image.bounding_box(), output.bounding_box()
            if box and frame and box["width"] > frame["width"] + 1:
                print(f"{where}: a picture {box['width']:.0f} px wide in a {frame['width']:.0f} px cell")
                problems += 1
            full = int(image.get_attribute("width") or 0)  # the PNG's true size, from its metadata
            shot = f"{stem}-{c}{f'-{o}' if o else ''}"
            if box and full > box["width"] + 1:
                scaled.append((full, where, output, shot))
            output.screenshot(path=str(out / f"{shot}.png"))
    if scaled:
        full, where, output, shot = max(scaled, key=lambda item: item[0])
        problems += _unconfine(page, output, full, where, out / f"{shot}-full.png")
    print(f"{name}: {count} outputs, {images} with a picture ({svgs} of them SVG), {problems} problems")
    return problems


def _unconfine(page, output, full, where, path):
    """Double-click a picture scaled down to fit its cell: JupyterLab should show it at its full `full` px."""
    image = output.locator("img").first
    output.scroll_into_view_if_needed()
    image.dblclick()
    page.wait_for_timeout(500)
    width = image.bounding_box()["width"]
    output.screenshot(path=str(path))
    image.dblclick()  # fitted again
    if abs(width - full) > 1:
        print(f"{where}: double-clicked, the picture is {width:.0f} px wide, not its full {full} px")
        return 1
    print(f"{where}: double-clicked, shown at its full {full} px (the cell scrolls sideways): {path.name}")
    return 0


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
