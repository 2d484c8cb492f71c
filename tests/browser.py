"""Headless Chromium for the page tests: Debian's `chromium`, driven by Playwright and launched by its path.

Playwright's own browser download is not used (it is not available everywhere this project is tested), so the
browser is whatever `chromium` is on PATH. Without it, or without the playwright package, `missing()` says what
to install; the fixtures in conftest.py then skip, except under CI, which installs both, where they fail.
"""

import os
import shutil


def chromium_path():
    """The Chromium executable to launch: `chromium` on PATH, or None."""
    return shutil.which("chromium")


def missing():
    """Why the browser tests cannot run here (what to install), or None when they can."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed (pip install -e '.[dev]')"
    if chromium_path() is None:
        return "Chromium is not installed (sudo apt-get install chromium; bash dev.sh test does it when it can)"
    return None


def launch(playwright):
    """A headless Chromium from `playwright.chromium`, without the sandbox when running as root (it refuses)."""
    running_as_root = hasattr(os, "geteuid") and os.geteuid() == 0
    args = ["--no-sandbox"] if running_as_root else []
    return playwright.chromium.launch(executable_path=chromium_path(), headless=True, args=args)


def is_own_file(url, page_url):
    """Whether a request is for the page's own file (the one request a saved page may make)."""
    return url.split("#")[0] == page_url.split("#")[0] and url.startswith("file://")
