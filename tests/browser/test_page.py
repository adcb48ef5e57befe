"""The lookup function's page in a real browser (Debian's Chromium, driven by
Playwright for Python) against the local stack with the platform emulator.

The stack is started once for the module (harness.py); the emulator plays
traffic, then a person who follows both accounts writes to both, and every
hostile person writes a text that carries HTML and script. Each test opens a
fresh browser context (a fresh sessionStorage) and checks one thing the page
promises (docs/page.md: the screens and the DOM hooks `data-testid`). No timed
assertion: every wait is on a condition, with a generous timeout.

Screenshots of the main screens go to .local/test-output/browser/.

The hostile check can fail: a page that sets a nickname with `innerHTML`
(say `name.innerHTML = nickname` in the row of a message) fails it with the
injected `<img src=x>` and `<svg onload>` elements and the inline handlers
that the Content-Security-Policy blocked; with the policy bypassed as well
(`new_context(bypass_csp=True)`), with the dialogs they open and
`window.__whosentPwned` set.
"""

import os
import re
import unittest

from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import sync_playwright

from harness import OUTPUT, Stack, wait_for

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
# Without the background-networking flags Chromium keeps trying hosts this
# closed network refuses. Playwright gives each launch a fresh, empty profile.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# Milliseconds: a wait for the page, and a wait for the pipeline (resolver, profile).
PAGE_WAIT = 60_000
# Milliseconds the page's script may take to draw a screen after a load.
FIRST_PAINT = 20_000
# Loads of the page before a blank one counts as a failure (see `open`).
LOADS = 3
PIPELINE_WAIT = 240_000
KEY_NAME = "whosent.apiKey"
# What a hostile payload would leave behind if the page let it come alive
# (tests/platform/src/world/hostile.rs marks them so).
INJECTED = "img[src='x'], .whosent-hostile, [onerror], [onload], [onclick], iframe, object, embed, script:not([src])"
# Bidirectional controls: a page may wrap or drop them; the rest of the text must stay.
BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")
# Records Content-Security-Policy violations (an inline handler that CSP blocked
# would show up here even though it never ran).
WATCH_CSP = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', e => window.__cspViolations.push(e.violatedDirective + ' ' + e.blockedURI));
"""

STACK = None
WORLD = None
PLAYWRIGHT = None
BROWSER = None


class World:
    """What the emulator did for the test: who wrote what where."""

    def __init__(self, stack):
        self.stack = stack
        self.follows = stack.truth("/truth/followers")
        self.hostile = stack.truth("/truth/people?hostile=1")
        self.accounts = sorted({row["account_id"]: row["account"] for row in self.follows}.items())
        self.written = []  # (account id, openID, fakeid, text)

    def open_id(self, account_id, fakeid):
        for row in self.follows:
            if row["account_id"] == account_id and row["fakeid"] == fakeid and row["following"]:
                return row["openid"]
        return None

    def follows_of(self, fakeid):
        return [(a, self.open_id(a, fakeid)) for a, _ in self.accounts if self.open_id(a, fakeid)]

    def write(self, account_id, fakeid, text):
        index = dict(self.accounts)[account_id]
        outcome = self.stack.push_text(index, fakeid, text)
        assert outcome["delivery"]["kind"] in ("acknowledged", "replied"), outcome
        self.written.append((account_id, outcome["openid"], fakeid, text))

    def play(self):
        """Traffic, then the writers the checks look for; waits until they are all known."""
        report = self.stack.truth(
            "/truth/traffic",
            {"count": 40, "rate": 8, "pace": "real_time", "hostile_share": 0.1, "concurrency": 8},
        )
        assert report["acknowledged"] + report["replied"] > 0, report
        hostile_ids = {p["fakeid"] for p in self.hostile}
        both = [p for p in self.people_following_all() if p not in hostile_ids]
        self.cross = both[0]
        for account_id, _ in self.accounts:
            self.write(account_id, self.cross, f"你好，两个号我都关注了 ({account_id})")
        for n, person in enumerate(self.hostile):
            for account_id, _ in self.follows_of(person["fakeid"]):
                text = HOSTILE_TEXT + f" #{n} {account_id}"
                self.write(account_id, person["fakeid"], text)
        for account_id, open_id, _, _ in self.written:
            self.stack.wait_known(account_id, open_id, timeout=PIPELINE_WAIT / 1000)

    def people_following_all(self):
        fakeids = sorted({row["fakeid"] for row in self.follows})
        return [f for f in fakeids if len(self.follows_of(f)) == len(self.accounts)]

    def quiet_follower(self, account_id):
        """A follower of the account who has not written yet (the API does not know them)."""
        hostile_ids = {p["fakeid"] for p in self.hostile}
        for row in self.follows:
            if row["account_id"] != account_id or not row["following"] or row["fakeid"] in hostile_ids:
                continue
            if self.stack.api(f"accounts/{account_id}/senders/{row['openid']}") is None:
                return row
        raise AssertionError(f"every follower of {account_id} has written")


HOSTILE_TEXT = """<img src=x class=whosent-hostile onerror="window.__whosentPwned='message';alert('message')"> </script><script>alert('message')</script> "quoted" 'single'"""


def setUpModule():
    global STACK, WORLD, PLAYWRIGHT, BROWSER
    os.makedirs(OUTPUT, exist_ok=True)
    STACK = Stack.up()
    try:
        STACK.onboard()
        WORLD = World(STACK)
        WORLD.play()
        PLAYWRIGHT = sync_playwright().start()
        BROWSER = PLAYWRIGHT.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
    except BaseException:
        tearDownModule()
        raise


def tearDownModule():
    if BROWSER is not None:
        BROWSER.close()
    if PLAYWRIGHT is not None:
        PLAYWRIGHT.stop()
    if STACK is not None:
        STACK.down()


class PageTest(unittest.TestCase):
    """Each test: a fresh context, every dialog and page error recorded, and
    at the end no sign that anything hostile came alive."""

    viewport = {"width": 1280, "height": 860}
    maxDiff = None

    def setUp(self):
        self.context = BROWSER.new_context(viewport=self.viewport)
        self.context.set_default_timeout(PAGE_WAIT)
        self.context.add_init_script(WATCH_CSP)
        self.dialogs = []
        self.errors = []
        self.page = self.context.new_page()
        self.page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        # What the browser said and fetched, kept for the diagnosis in `sign_in`.
        self.browser_log = []
        self.page.on("console", lambda m: self.browser_log.append(f"console {m.type}: {m.text}"))
        self.page.on("requestfailed", lambda r: self.browser_log.append(f"failed {r.url}: {r.failure}"))
        self.page.on(
            "response",
            lambda r: self.browser_log.append(f"{r.status} {r.url} {r.headers.get('content-type', '(no type)')}"),
        )

    def tearDown(self):
        try:
            self.assert_nothing_hostile_ran()
        finally:
            self.context.close()

    # Helpers.

    def open(self, fragment=""):
        """Loads the page and waits until its script has drawn the screen.

        `cargo lambda watch` now and then answers one of the page's files
        with its own `500 text/plain` without passing the request to the
        function (whose log shows every request it got answered 200); the
        page then stays blank. That is the local runtime's fault, not the
        page's, so a blank page is kept for a look (screenshot, DOM, what the
        browser fetched and logged) and loaded again, up to LOADS times.
        """
        self.page.goto(STACK.page_url + fragment)
        drawn = self.page.locator("#main > :not(noscript)").first
        for attempt in range(1, LOADS):
            try:
                drawn.wait_for(timeout=FIRST_PAINT)
                return
            except PlaywrightTimeout:
                name = os.path.join(OUTPUT, f"{self.id()}-blank-{attempt}")
                self.page.screenshot(path=name + ".png")
                with open(name + ".html", "w") as f:
                    f.write(self.page.content())
                with open(name + ".log", "w") as f:
                    f.write("\n".join(self.browser_log) + "\n")
                self.page.reload()
        drawn.wait_for()

    def sign_in(self, key=None):
        self.open()
        self.page.fill("input[data-testid=api-key]", key or STACK.api_key)
        self.page.click("button[data-testid=signin-submit]")

    def row(self, account, open_id, state=None, text=None, timeout=PAGE_WAIT):
        """The message row of `open_id` on the account's messages screen (optionally in `state`, with `text`)."""
        selector = f"[data-testid=messages][data-account='{account}'] [data-testid=message][data-open-id='{open_id}']"
        if state:
            selector += f"[data-state={state}]"
        locator = self.page.locator(selector)
        if text:
            locator = locator.filter(has=self.page.locator("[data-testid=message-content]", has_text=text))
        locator = locator.first
        locator.wait_for(timeout=timeout)
        return locator

    def image_rendered(self, locator):
        """Waits until the image has loaded and has a width of its own."""
        locator.wait_for()
        handle = locator.element_handle()
        self.page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=handle)
        return locator.evaluate("img => img.naturalWidth")

    def shown_value(self, locator):
        """A value as the page shows it (its `data-value` too, where it gives one), lower case, `_` as spaces."""
        shown = f"{locator.get_attribute('data-value') or ''} {locator.text_content()}"
        return shown.lower().replace("_", " ") + " " + shown.lower()

    def screenshot(self, name, full_page=False):
        self.page.screenshot(path=os.path.join(OUTPUT, name), full_page=full_page)

    def assert_nothing_hostile_ran(self):
        found = self.page.evaluate(
            """selector => ({
                injected: [...document.querySelectorAll(selector)].map(e => e.outerHTML.slice(0, 120)),
                pwned: window.__whosentPwned === undefined ? null : String(window.__whosentPwned),
                csp: window.__cspViolations || [],
            })""",
            INJECTED,
        )
        problems = {
            "dialogs opened": self.dialogs,
            "elements from hostile payloads": found["injected"],
            "a payload ran (window.__whosentPwned)": found["pwned"],
            "Content-Security-Policy violations": found["csp"],
            "script errors": self.errors,
        }
        self.assertEqual({k: v for k, v in problems.items() if v}, {}, "something hostile came alive")


class SignIn(PageTest):
    def test_a_wrong_key_is_refused(self):
        self.sign_in("not-the-key-0123456789")
        error = self.page.locator("[data-testid=signin-error]")
        error.wait_for()
        self.assertTrue(error.inner_text().strip(), "the refusal says something")
        self.assertTrue(self.page.locator("form[data-testid=signin]").is_visible(), "the form stays")
        self.assertEqual(self.page.locator("[data-testid=account-row]").count(), 0)
        self.assertNotIn("not-the-key", self.page.url)
        self.screenshot("signin-refused.png")

    def test_sign_in_shows_the_accounts(self):
        self.open()
        self.page.locator("form[data-testid=signin]").wait_for()
        self.assertEqual(self.page.locator("input[data-testid=api-key]").get_attribute("type"), "password")
        self.screenshot("signin.png")
        self.sign_in()
        self.page.wait_for_function(
            "n => document.querySelectorAll('[data-testid=accounts] [data-testid=account-row]').length >= n",
            arg=len(WORLD.accounts),
        )
        self.assertNotIn(STACK.api_key, self.page.url, "the key never goes in the URL")
        stored = self.page.evaluate(f"() => sessionStorage.getItem('{KEY_NAME}')")
        self.assertEqual(stored, STACK.api_key)
        for account_id, strategy in (("acct-1", "time"), ("acct-2", "user_list")):
            row = self.page.locator(f"[data-testid=accounts] [data-testid=account-row][data-account='{account_id}']")
            self.assertEqual(row.count(), 1, account_id)
            self.assertIn("active", self.shown_value(row.locator("[data-testid=account-state]")))
            self.assertIn(strategy, self.shown_value(row.locator("[data-testid=account-strategy]")))
            href = row.locator("a[data-testid=account-link]").get_attribute("href")
            self.assertTrue(href.endswith(f"#/accounts/{account_id}"), href)
        self.screenshot("accounts.png")
        # A new tab of the same session would not know the key: sessionStorage is per tab.
        self.page.click("[data-testid=signout]")
        self.page.locator("form[data-testid=signin]").wait_for()
        self.assertIsNone(self.page.evaluate(f"() => sessionStorage.getItem('{KEY_NAME}')"))


class Messages(PageTest):
    def test_messages_show_their_senders_and_avatars_render(self):
        self.sign_in()
        self.page.click("[data-testid=account-row][data-account='acct-2'] a[data-testid=account-link]")
        account, open_id, fakeid, text = next(w for w in WORLD.written if w[0] == "acct-2" and w[2] == WORLD.cross)
        row = self.row(account, open_id, "resolved", text)
        self.assertEqual(row.get_attribute("data-fake-id"), str(fakeid))
        self.assertIn(str(fakeid), re.sub(r"\D", "", row.locator("[data-testid=fake-id]").inner_text()))
        self.assertTrue(row.locator("[data-testid=sender-nickname]").inner_text().strip())
        self.assertTrue(row.locator("[data-testid=resolution]").inner_text().strip(), "how the sender was found")
        self.assertTrue(row.locator("[data-testid=message-time]").inner_text().strip())
        self.assertIn(text, row.locator("[data-testid=message-content]").text_content())
        self.assertGreater(self.image_rendered(row.locator("img[data-testid=sender-avatar]")), 0)
        # Traffic's senders too: more than one resolved row, each avatar a real image.
        resolved = self.page.locator("[data-testid=message][data-state=resolved]")
        self.page.wait_for_function("() => document.querySelectorAll('[data-testid=message][data-state=resolved]').length >= 3")
        for i in range(min(resolved.count(), 5)):
            avatar = resolved.nth(i).locator("img[data-testid=sender-avatar]")
            if avatar.count():
                self.assertGreater(self.image_rendered(avatar), 0)
        self.screenshot("messages.png")
        self.page.set_viewport_size({"width": 390, "height": 844})
        self.screenshot("messages-phone.png")

    def test_a_pending_sender_turns_resolved_without_a_reload(self):
        self.sign_in()
        self.page.click("[data-testid=account-row][data-account='acct-1'] a[data-testid=account-link]")
        self.page.locator("[data-testid=messages][data-account='acct-1'] [data-testid=message]").first.wait_for()
        self.page.evaluate("() => { window.__sameDocument = true; }")
        follower = WORLD.quiet_follower("acct-1")
        knobs = STACK.truth("/truth/knobs")
        # Its row shows in the console only 8 s after the push: the sender stays pending at least that long.
        STACK.truth("/truth/knobs", dict(knobs, console_delay={"kind": "const", "value": 8.0}))
        try:
            WORLD.write("acct-1", follower["fakeid"], "第一次留言：什么时候发货？")
        finally:
            STACK.truth("/truth/knobs", knobs)
        row = self.row("acct-1", follower["openid"], "pending")
        self.assertTrue(row.locator("[data-testid=sender-state]").inner_text().strip())
        self.screenshot("messages-pending.png")
        row = self.row("acct-1", follower["openid"], "resolved", timeout=PIPELINE_WAIT)
        self.assertEqual(row.get_attribute("data-fake-id"), str(follower["fakeid"]))
        self.assertTrue(self.page.evaluate("() => window.__sameDocument === true"), "the page was not reloaded")


class People(PageTest):
    def test_a_person_across_two_accounts(self):
        self.sign_in()
        self.page.click("[data-testid=account-row][data-account='acct-1'] a[data-testid=account-link]")
        open_id = WORLD.open_id("acct-1", WORLD.cross)
        self.row("acct-1", open_id, "resolved").locator("a[data-testid=sender-link]").click()
        person = self.page.locator(f"[data-testid=person][data-fake-id='{WORLD.cross}']")
        person.wait_for()
        self.assertTrue(self.page.url.endswith(f"#/people/{WORLD.cross}"), self.page.url)
        self.assertTrue(person.locator("[data-testid=person-nickname]").inner_text().strip())
        self.assertGreater(self.image_rendered(person.locator("img[data-testid=person-avatar]")), 0)
        for account_id, open_id in WORLD.follows_of(WORLD.cross):
            # On the person's screen (beside or inside the person's card).
            follow = self.page.locator(f"[data-testid=person-follow][data-account='{account_id}'][data-open-id='{open_id}']")
            self.assertEqual(follow.count(), 1, f"{account_id} {open_id}")
        self.assertEqual(self.page.locator("[data-testid=person-follow]").count(), 2)
        self.screenshot("person.png")


class Hostile(PageTest):
    """Nicknames, signatures and texts written to break the page stay text."""

    def nickname_shown(self, locator, nickname):
        shown = BIDI.sub("", locator.text_content() if locator.count() else "")
        want = BIDI.sub("", nickname)
        if len(want) >= 100:
            # A very long one may be cut for the eye; what is shown is its start.
            return shown.strip() and want.startswith(shown.strip().rstrip("…").strip()[:20])
        return shown.strip() == want.strip()

    def test_hostile_nicknames_and_texts_stay_text(self):
        self.sign_in()
        for account_id, _ in WORLD.accounts:
            self.open(f"#/accounts/{account_id}")
            for written_account, open_id, fakeid, text in WORLD.written:
                person = next((p for p in WORLD.hostile if p["fakeid"] == fakeid), None)
                if written_account != account_id or person is None:
                    continue
                row = self.row(account_id, open_id, "resolved", text)
                self.assertIn(text, row.locator("[data-testid=message-content]").text_content())
                nickname = row.locator("[data-testid=sender-nickname]")
                self.assertTrue(self.nickname_shown(nickname, person["nick_name"]), nickname.text_content()[:80])
            self.assert_nothing_hostile_ran()
            self.screenshot(f"hostile-{account_id}.png")
        # The one who follows both accounts, on the person screen: nickname and signature as text.
        first = WORLD.hostile[0]
        self.open(f"#/people/{first['fakeid']}")
        person = self.page.locator(f"[data-testid=person][data-fake-id='{first['fakeid']}']")
        person.wait_for()
        self.assertTrue(self.nickname_shown(person.locator("[data-testid=person-nickname]"), first["nick_name"]))
        wait_for(lambda: first["signature"] in person.text_content(), PAGE_WAIT / 1000, "the signature as text")
        self.assertEqual(self.page.locator("[data-testid=person-follow]").count(), len(WORLD.accounts))
        self.screenshot("hostile-person.png")


if __name__ == "__main__":
    unittest.main()
