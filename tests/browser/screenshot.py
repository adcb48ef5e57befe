"""The README's screenshot: the messages screen of a running stack.

    DEMO_KEEP=1 make demo
    .venv/bin/python tests/browser/screenshot.py [ACCOUNT] [OUT]
    make down

Signs in with the stack's local key (STACK_DIR/endpoints.env, `.local` by
default), opens ACCOUNT's messages (acct-2), waits until its first rows show
their avatars, and saves the screen to OUT (docs/img/messages.png).
"""

import os
import sys

from playwright.sync_api import sync_playwright

from harness import ROOT, read_env
from test_page import CHROMIUM, CHROMIUM_ARGS, KEY_NAME, PAGE_WAIT

ROWS_WITH_AVATARS = 4


def main():
    account = sys.argv[1] if len(sys.argv) > 1 else "acct-2"
    out = sys.argv[2] if len(sys.argv) > 2 else os.path.join(ROOT, "docs", "img", "messages.png")
    stack_dir = os.environ.get("STACK_DIR", os.path.join(ROOT, ".local"))
    env = read_env(os.path.join(stack_dir, "endpoints.env"))
    page_url = env["API_URL"].rstrip("/") + "/"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        page = browser.new_page(viewport={"width": 1280, "height": 860})
        page.goto(page_url)
        page.evaluate("([name, key]) => sessionStorage.setItem(name, key)", [KEY_NAME, env["API_KEY"]])
        page.goto(f"{page_url}#/accounts/{account}")
        avatars = page.locator("[data-testid=message] img[data-testid=sender-avatar]")
        avatars.nth(ROWS_WITH_AVATARS - 1).wait_for(timeout=PAGE_WAIT)
        page.wait_for_function(
            "n => [...document.querySelectorAll('img[data-testid=sender-avatar]')].slice(0, n)"
            ".every(img => img.complete && img.naturalWidth > 0)",
            arg=ROWS_WITH_AVATARS,
        )
        os.makedirs(os.path.dirname(out), exist_ok=True)
        page.screenshot(path=out)
        browser.close()
    print(out)


if __name__ == "__main__":
    main()
