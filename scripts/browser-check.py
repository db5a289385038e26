#!/usr/bin/python3
"""End-to-end check of the respondent pages in headless Chromium with JavaScript turned off.

    /usr/bin/python3 scripts/browser-check.py http://127.0.0.1:8080 .local/screenshots

Walks what a respondent does -- sign up (first with mistakes), consent, the four questionnaire
pages (a typing mistake, money in Brazilian format, a follow-up question that appears only after
the page is sent), the thank-you page, "My data", log out, log in again -- on a phone-sized window,
and saves a PNG of each step (full page) plus one desktop-width survey page into the output
folder. Every page is also checked for things that must hold everywhere: no <script> and no
inline event handlers, no error page, the stylesheet applied, no sideways scrolling on the phone,
a label for every field, unique ids, and aria-describedby / error-summary links that resolve.

Any failed expectation exits with status 1 and a message naming the step; the page at that
moment is kept as FAILED-<step>.png and FAILED-<step>.html. Needs Debian's python3-selenium,
chromium and chromium-driver (`make test` installs them); run it with /usr/bin/python3.

The expected wording comes from Locales/<lang>.json and Surveys/market-research.json, so editing
the copy does not break the check, while a page that stops showing it does.
"""

import argparse
import base64
import html.parser
import json
import os
import re
import secrets
import sys
import time
import unicodedata
import urllib.error
import urllib.parse
import urllib.request

try:
    from selenium import webdriver
    from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException, TimeoutException, WebDriverException
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait
except ImportError:  # pragma: no cover
    sys.exit("browser-check: python3-selenium is missing (apt-get install python3-selenium), "
             "or this is not Debian's /usr/bin/python3")

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PHONE = (390, 844)
DESKTOP = (1280, 900)


class CheckFailed(Exception):
    pass


def expect(condition, message):
    if not condition:
        raise CheckFailed(message)


def norm(text):
    """Collapses whitespace (and no-break spaces) so wording compares as the reader sees it."""
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text or "")).strip()


class PageAudit(html.parser.HTMLParser):
    """What the served document holds, read from its markup (no script needed to know it)."""

    FIELD_TAGS = {"input", "textarea", "select"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.scripts = 0
        self.handlers = []
        self.ids = []
        self.label_for = set()
        self.fields = []          # (tag, attrs) of fields a person fills in
        self.described_by = []    # ids named by aria-describedby
        self.fragment_links = []  # href="#x" targets
        self.stylesheets = []
        self.lang = None
        self.open_labels = 0
        self.field_in_label = set()

    def handle_starttag(self, tag, attrs):
        a = {k: (v or "") for k, v in attrs}
        if tag == "script":
            self.scripts += 1
        if tag == "html":
            self.lang = a.get("lang")
        if tag == "link" and a.get("rel") == "stylesheet":
            self.stylesheets.append(a.get("href"))
        for k in a:
            if k.startswith("on"):
                self.handlers.append(f"<{tag} {k}>")
        if "id" in a:
            self.ids.append(a["id"])
        if tag == "label":
            self.open_labels += 1
            if a.get("for"):
                self.label_for.add(a["for"])
        if tag in self.FIELD_TAGS and a.get("type") not in ("hidden", "submit", "button"):
            self.fields.append((tag, a))
            if self.open_labels and a.get("id"):
                self.field_in_label.add(a["id"])
        if a.get("aria-describedby"):
            self.described_by += a["aria-describedby"].split()
        if tag == "a" and a.get("href", "").startswith("#") and len(a["href"]) > 1:
            self.fragment_links.append(a["href"][1:])

    def handle_endtag(self, tag):
        if tag == "label" and self.open_labels:
            self.open_labels -= 1


class BrowserCheck:
    def __init__(self, base, out, lang, resources, chromium, chromedriver, keep_going_on_layout):
        self.base = base.rstrip("/")
        self.out = out
        self.lang = lang
        self.step = "start"
        self.here = None
        self.shots = []
        self.layout_warnings = []
        self.keep_going_on_layout = keep_going_on_layout
        with open(os.path.join(resources, "Locales", f"{lang}.json"), encoding="utf-8") as f:
            self.t = json.load(f)
        with open(os.path.join(resources, "Surveys", "market-research.json"), encoding="utf-8") as f:
            self.survey = json.load(f)
        self.pages = {p["id"]: p for p in self.survey["pages"]}
        self.questions = {q["code"]: q for p in self.survey["pages"] for q in p["questions"]}

        options = webdriver.ChromeOptions()
        options.binary_location = chromium
        for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                    f"--window-size={PHONE[0]},{PHONE[1]}", f"--lang={lang}", "--hide-scrollbars",
                    "--no-first-run", "--disable-extensions", "--disable-background-networking",
                    "--disable-sync", "--disable-default-apps", "--disable-features=Translate"):
            options.add_argument(arg)
        options.add_experimental_option("prefs", {
            # The point of this check: every page must work with JavaScript off.
            "profile.managed_default_content_settings.javascript": 2,
            "intl.accept_languages": f"{lang},{lang.split('-')[0]}",
            "credentials_enable_service": False,
            "profile.password_manager_enabled": False,
        })
        # The performance log carries the HTTP status of each document.
        options.set_capability("goog:loggingPrefs", {"performance": "ALL"})
        self.driver = webdriver.Chrome(service=Service(executable_path=chromedriver), options=options)
        self.driver.set_page_load_timeout(30)
        self.set_size(*PHONE)

    # -- plumbing ---------------------------------------------------------------------------------

    def text(self, key, **args):
        value = self.t[key]
        for k, v in args.items():
            value = value.replace("{" + k + "}", str(v))
        return value

    def label(self, code):
        return self.questions[code]["label"][self.lang]

    def set_size(self, width, height):
        self.driver.set_window_size(width, height)
        inner = self.driver.execute_script("return [window.innerWidth, window.innerHeight]")
        # A headless window may keep a few pixels for (absent) browser chrome: grow it to fit.
        if inner[0] != width or inner[1] != height:
            self.driver.set_window_size(2 * width - inner[0], 2 * height - inner[1])
            inner = self.driver.execute_script("return [window.innerWidth, window.innerHeight]")
        self.viewport = tuple(inner)

    def path(self):
        """The path of the page shown (asked once per page: it is in many messages)."""
        if self.here is None:
            self.here = urllib.parse.urlsplit(self.driver.current_url).path
        return self.here

    def query(self):
        return urllib.parse.parse_qs(urllib.parse.urlsplit(self.driver.current_url).query)

    def one(self, css):
        found = self.driver.find_elements(By.CSS_SELECTOR, css)
        expect(found, f"expected an element matching {css!r} on {self.path()}, found none")
        return found[0]

    def absent(self, css, why):
        found = self.driver.find_elements(By.CSS_SELECTOR, css)
        expect(not found, f"{why}: {css!r} is on {self.path()} but should not be")

    def h1(self):
        return norm(self.one("h1").text)

    def statuses(self):
        """HTTP statuses of the documents loaded since the last call, oldest first."""
        found = []
        for entry in self.driver.get_log("performance"):
            message = json.loads(entry["message"])["message"]
            if message.get("method") == "Network.responseReceived":
                params = message["params"]
                if params.get("type") == "Document":
                    found.append((params["response"]["status"], params["response"]["url"]))
        return found

    def screenshot(self, name, full_page=True):
        """A PNG of the whole page (not only the visible part) at the current width."""
        file = os.path.join(self.out, f"{len(self.shots) + 1:02d}-{name}.png")
        data = None
        if full_page:
            try:
                metrics = self.driver.execute_cdp_cmd("Page.getLayoutMetrics", {})
                size = metrics.get("cssContentSize") or metrics["contentSize"]
                width = self.viewport[0]
                height = max(self.viewport[1], int(size["height"] + 0.5))
                shot = self.driver.execute_cdp_cmd("Page.captureScreenshot", {
                    "format": "png", "captureBeyondViewport": True,
                    "clip": {"x": 0, "y": 0, "width": width, "height": height, "scale": 1},
                })
                data = base64.b64decode(shot["data"])
            except (WebDriverException, KeyError):
                data = None
        if data is None:
            data = self.driver.get_screenshot_as_png()
        with open(file, "wb") as f:
            f.write(data)
        self.shots.append(file)

    def submit(self, form_css="main form"):
        """Sends a form the way a person does: with its submit button."""
        form = self.one(form_css)
        self.click_and_wait(form.find_element(By.CSS_SELECTOR, "button[type=submit], input[type=submit]"))

    def click_and_wait(self, element):
        """Clicks a link or button and waits until the next page has replaced this one."""
        old = self.driver.find_element(By.TAG_NAME, "html")
        what = f"{element.tag_name} {norm(element.text)!r} on {self.path()}"
        element.click()

        def replaced(driver):
            try:
                old.tag_name
                return False
            except StaleElementReferenceException:
                return True
            except WebDriverException as e:  # mid-navigation, Chromium may answer this instead
                return "does not belong to the document" in str(e.msg)

        try:
            WebDriverWait(self.driver, 20, poll_frequency=0.05).until(replaced)
            WebDriverWait(self.driver, 20, poll_frequency=0.05).until(
                lambda d: d.execute_script("return document.readyState") == "complete")
        except TimeoutException:
            raise CheckFailed(f"clicking {what} loaded no new page in 20 s")
        self.here = None

    def goto(self, path):
        self.driver.get(self.base + path)
        self.here = None

    def choose(self, code, value):
        box = self.one(f"input[name={json.dumps(code)}][value={json.dumps(value)}]")
        # Clicking the label, as a person on a phone would (it must be tied to the input).
        label = self.one(f"label[for={json.dumps(box.get_attribute('id'))}]")
        label.click()
        expect(box.is_selected(), f"clicking the label of {code}={value} did not select it")

    def type_into(self, css, value):
        field = self.one(css)
        field.clear()
        field.send_keys(value)
        expect(field.get_attribute("value") == value, f"typing into {css} gave {field.get_attribute('value')!r}")

    def audit_page(self, expect_status=None):
        """What must hold on every page, JavaScript or not."""
        loads = self.statuses()
        expect(loads, f"no HTTP response for {self.driver.current_url} (is the app running there?)")
        status, url = loads[-1]
        for s, u in loads:
            expect(s < 500, f"{u} answered HTTP {s}")
        hint = " (the login throttle: earlier runs left failed logins in this Redis?)" if status == 429 else ""
        if expect_status is not None:
            expect(status == expect_status, f"{url} answered HTTP {status}, expected {expect_status}{hint}")
        else:
            expect(status == 200, f"{url} answered HTTP {status}, expected 200")

        audit = PageAudit()
        audit.feed(self.driver.page_source)
        expect(audit.scripts == 0, f"{self.path()} has {audit.scripts} <script> element(s); pages must need no script")
        expect(not audit.handlers, f"{self.path()} has inline event handlers: {audit.handlers[:5]}")
        expect(not self.driver.find_elements(By.TAG_NAME, "script"), f"{self.path()} has a <script> in its DOM")
        expect(audit.lang == self.lang, f"{self.path()}: <html lang={audit.lang!r}>, expected {self.lang!r}")
        expect("/static/app.css" in audit.stylesheets, f"{self.path()} does not link /static/app.css")
        duplicates = sorted({i for i in audit.ids if audit.ids.count(i) > 1})
        expect(not duplicates, f"{self.path()} repeats ids {duplicates}")
        ids = set(audit.ids)
        for tag, a in audit.fields:
            name = a.get("name") or a.get("id") or tag
            expect(a.get("id") and (a["id"] in audit.label_for or a["id"] in audit.field_in_label),
                   f"{self.path()}: field {name!r} has no <label>")
        missing = [i for i in audit.described_by if i not in ids]
        expect(not missing, f"{self.path()}: aria-describedby names missing ids {missing}")
        broken = [i for i in audit.fragment_links if i not in ids]
        expect(not broken, f"{self.path()}: links to #{broken} go nowhere")

        # Every {placeholder} of the wording filled in.
        body = self.one("body").text
        unfilled = sorted(set(re.findall(r"\{[A-Za-z_.]+\}", body)))
        expect(not unfilled, f"{self.path()} shows unfilled placeholders {unfilled}")

        # Not an error page, and the stylesheet actually applied (served, and allowed by the CSP).
        heading = self.h1()
        for code in (400, 403, 404, 405, 413, 429, 500, 503):
            expect(heading != norm(self.text(f"errors.{code}.heading")), f"{self.path()} shows the {code} error page")
        header = self.one(".site-header").value_of_css_property("background-color")
        expect(header not in ("rgba(0, 0, 0, 0)", "transparent"),
               f"{self.path()}: the stylesheet did not apply (the header has no background)")

        # Nothing wider than a phone: no sideways scrolling.
        if self.viewport[0] <= PHONE[0]:
            scroll, client = self.driver.execute_script(
                "return [document.documentElement.scrollWidth, document.documentElement.clientWidth]")
            if scroll > client:
                message = f"{self.path()} scrolls sideways on a {client}px-wide phone (content is {scroll}px wide)"
                if self.keep_going_on_layout:
                    self.layout_warnings.append(message)
                else:
                    raise CheckFailed(message)

    def expect_page(self, path, heading, status=None):
        self.audit_page(status)
        expect(self.path() == path, f"expected to be on {path}, but the browser is on {self.driver.current_url}")
        expect(self.h1() == norm(heading), f"{path}: heading is {self.h1()!r}, expected {norm(heading)!r}")

    def expect_survey_page(self, page_id, status=None):
        number = [p["id"] for p in self.survey["pages"]].index(page_id) + 1
        self.expect_page(f"/survey/{page_id}", self.pages[page_id]["title"][self.lang], status)
        progress = norm(self.one("p.progress").text)
        wanted = norm(self.text("survey.progress", n=number, m=len(self.survey["pages"])))
        expect(progress == wanted, f"/survey/{page_id}: progress reads {progress!r}, expected {wanted!r}")
        self.one(f"form[method=post][action='/survey/{page_id}']")
        self.one("form input[type=hidden][name=_csrf]")

    def error_summary(self):
        summary = self.one(".error-summary")
        title = norm(summary.find_element(By.TAG_NAME, "h2").text)
        expect(title == norm(self.text("form.problem")), f"error summary title is {title!r}")
        expect(summary.get_attribute("role") == "alert", "the error summary has no role=alert")
        return [(a.get_attribute("href").split("#", 1)[1], norm(a.text))
                for a in summary.find_elements(By.CSS_SELECTOR, "li a")]

    def signed_in(self):
        # On survey pages the log-out button submits the page's form (what was typed is kept).
        return bool(self.driver.find_elements(
            By.CSS_SELECTOR, "header form[action='/logout'] button[type=submit], header button[form=survey][name=_leave][value=logout]"))

    # -- the walk ---------------------------------------------------------------------------------

    def run(self):
        d = self.driver
        self.step = "javascript-off"
        d.get("data:text/html,<title>js-off</title><script>document.title='js-on'</script>"
              "<noscript><p id=ns>no script</p></noscript>")
        expect(d.title == "js-off", "JavaScript is running in the browser; it should be disabled")
        self.statuses()  # drop the data: page from the log

        self.step = "home"
        self.goto("/")
        self.expect_page("/", self.survey["title"][self.lang])
        expect(not self.signed_in(), "a new visitor is shown as signed in")
        self.one("header a[href='/login']")
        self.screenshot("home")
        start = self.one("main a.button[href='/signup']")
        expect(norm(start.text) == norm(self.text("home.start")), f"the start button reads {start.text!r}")
        self.click_and_wait(start)

        self.step = "signup"
        self.expect_page("/signup", self.text("signup.title"))
        for css in ("form[action='/signup'] input[type=email]#email[name=email]",
                    "form[action='/signup'] input[type=password]#password[name=password]",
                    "form[action='/signup'] input[type=hidden][name=_csrf]"):
            self.one(css)
        self.absent(".error-summary", "a fresh signup form shows errors")
        self.screenshot("signup")

        self.step = "signup-errors"
        bad_email = "not-an-email"
        self.type_into("#email", bad_email)
        self.type_into("#password", "short")
        self.submit("form[action='/signup']")
        self.expect_page("/signup", self.text("signup.title"), status=422)
        summary = self.error_summary()
        expect([target for target, _ in summary] == ["email", "password"],
               f"the error summary should point at email then password, it has {summary}")
        # Each entry names its field, then says what is wrong.
        expect(summary[0][1] == norm(self.text("account.email") + " " + self.text("account.error.email")), f"email error reads {summary[0][1]!r}")
        expect(summary[1][1] == norm(self.text("account.password") + " " + self.text("account.error.passwordShort", min=10)),
               f"password error reads {summary[1][1]!r}")
        email = self.one("#email")
        expect(email.get_attribute("value") == bad_email, "the typed email was not kept")
        expect(email.get_attribute("aria-invalid") == "true", "the email field is not marked aria-invalid")
        expect(self.one("#password").get_attribute("value") == "", "the password came back filled in")
        expect(norm(self.one("#email-error").text) == norm(self.text("account.error.email")), "no error next to the email field")
        self.one("#password-error")
        self.screenshot("signup-errors")

        self.step = "signup-ok"
        self.email = f"browser-check-{secrets.token_hex(6)}@example.com"
        self.password = f"Jabuticaba-{secrets.token_urlsafe(9)}"
        self.type_into("#email", self.email)
        self.type_into("#password", self.password)
        self.submit("form[action='/signup']")

        self.step = "consent"
        self.expect_survey_page("consent")
        expect(self.signed_in(), "after signing up, the header has no log-out button")
        self.one("header button[form=survey][name=_leave][value='/my-data']")
        self.one("fieldset#q-consent .consent-text")
        expect(self.organisation_mentioned(), "the consent text does not name the organisation")
        expect(not self.one("#q-consent-yes").is_selected(), "consent is ticked before the respondent ticks it")
        self.absent("a[href='/survey/household']", "the first page links backwards")
        self.screenshot("consent")
        self.choose("consent", "yes")
        self.submit()

        self.step = "household"
        self.expect_survey_page("household")
        self.one("main form#survey button[name=_leave][value=back]")  # back, keeping what was typed
        self.absent("#q-district_other", "the 'which neighbourhood' follow-up is shown before 'other' is chosen")
        for code in ("age_band", "district", "income_band"):
            self.one(f"fieldset#q-{code} legend")
        self.one("label[for=q-household_size]")
        income = norm(self.one("label[for='q-income_band-C']").text)
        expect("R$" in income, f"the income bands show no amounts in reais: {income!r}")
        self.screenshot("household")
        self.set_size(*DESKTOP)
        self.screenshot("household-desktop")
        self.set_size(*PHONE)

        self.step = "household-error"
        self.choose("age_band", "25-34")
        self.choose("district", "centro")
        self.type_into("#q-household_size", "abc")
        self.choose("income_band", "C")
        self.submit()
        self.expect_survey_page("household", status=422)
        summary = self.error_summary()
        wanted = norm(self.text("error.wholeNumber", min=1, max=20))
        expect([target for target, _ in summary] == ["q-household_size"],
               f"the error summary should list household_size only, it has {summary}")
        expect(wanted in summary[0][1], f"the summary says {summary[0][1]!r}, expected it to contain {wanted!r}")
        expect(norm(self.one("#q-household_size-error").text) == wanted, "no error message next to household_size")
        size = self.one("#q-household_size")
        expect(size.get_attribute("value") == "abc", f"the typed household_size was not kept: {size.get_attribute('value')!r}")
        expect(size.get_attribute("aria-invalid") == "true", "household_size is not marked aria-invalid")
        expect("q-household_size-error" in (size.get_attribute("aria-describedby") or "").split(),
               "household_size's error is not tied to it with aria-describedby")
        self.one("#q-household_size-field.has-error")
        for box in ("#q-age_band-25-34", "#q-district-centro", "#q-income_band-C"):
            expect(self.one(box).is_selected(), f"{box} lost its choice when the page came back with an error")
        self.screenshot("household-error")

        self.step = "household-ok"
        self.type_into("#q-household_size", "3")
        self.submit()

        self.step = "shopping"
        self.expect_survey_page("shopping")
        self.one("#q-monthly_grocery_spend-field .money")
        self.choose("supermarket_frequency", "weekly")
        self.type_into("#q-monthly_grocery_spend", "1.234,56")
        self.type_into("#q-current_store", "Supermercado Bom Preço")
        self.choose("transport_mode", "walk")
        self.choose("priorities", "price")
        self.choose("priorities", "proximity")
        expect(len([b for b in d.find_elements(By.CSS_SELECTOR, "input[name=priorities]") if b.is_selected()]) == 2,
               "two priorities should be ticked")
        self.screenshot("shopping-filled")

        # Going back does not lose what was typed here: it comes back after the previous page.
        self.step = "shopping-back"
        self.click_and_wait(self.one("main form#survey button[name=_leave][value=back]"))
        self.expect_survey_page("household")
        expect(self.one("#q-household_size").get_attribute("value") == "3", "the saved household size is not shown")
        self.submit()
        self.expect_survey_page("shopping")
        notice = norm(self.one("main .notice").text)
        expect(notice == norm(self.text("survey.kept")), f"the kept-answers notice reads {notice!r}")
        expect(self.one("#q-monthly_grocery_spend").get_attribute("value") == "1.234,56",
               "the spend typed before going back was lost")
        expect(len([b for b in d.find_elements(By.CSS_SELECTOR, "input[name=priorities]") if b.is_selected()]) == 2,
               "the priorities ticked before going back were lost")
        self.screenshot("shopping-kept")
        self.submit()

        self.step = "new-store"
        self.expect_survey_page("new-store")
        points = d.find_elements(By.CSS_SELECTOR, "fieldset#q-likelihood_new_store input[type=radio]")
        expect([p.get_attribute("value") for p in points] == [str(n) for n in range(11)],
               "the 0-10 scale does not offer 0 to 10")
        self.absent("#q-reason_not", "the 'main reason' follow-up is shown before a low score is given")
        self.absent(".follow-up", "a follow-up is highlighted before it is due")
        expect(norm(self.one("main form button[type=submit]").text) == norm(self.text("survey.submit")),
               "the last page's button does not read as the final submit")
        self.screenshot("new-store")

        self.step = "new-store-follow-up"
        self.choose("likelihood_new_store", "2")
        self.submit()
        # Skip logic without script: the page comes back with the follow-up question, not an error.
        self.expect_survey_page("new-store")
        self.absent(".error-summary", "asking the follow-up is not an error")
        notice = norm(self.one(".notice").text)
        expect(notice == norm(self.text("survey.followUp")), f"the follow-up notice reads {notice!r}")
        legend = norm(self.one("fieldset#q-reason_not legend").text)
        expect(legend.startswith(norm(self.label("reason_not"))), f"the follow-up question reads {legend!r}")
        self.one("#q-reason_not-field.follow-up")
        expect(self.one("#q-likelihood_new_store-2").is_selected(), "the score 2 was not kept")
        self.screenshot("new-store-follow-up")

        self.step = "new-store-ok"
        self.choose("reason_not", "prices")
        self.choose("preferred_hours", "evening")
        self.type_into("#q-comment", "Teste automático: sem JavaScript.")
        self.submit()

        self.step = "thanks"
        self.expect_page("/survey/thanks", self.text("thanks.title"))
        self.one("main a[href='/my-data']")
        self.screenshot("thanks")

        self.step = "my-data"
        self.click_and_wait(self.one("main a[href='/my-data']"))
        self.expect_page("/my-data", self.text("myData.title"))
        answers = {norm(dt.text): norm(dd.text) for dt, dd in zip(
            d.find_elements(By.CSS_SELECTOR, "dl.answers dt"), d.find_elements(By.CSS_SELECTOR, "dl.answers dd"))}
        expect(answers.get(norm(self.text("account.email"))) == self.email, f"My data does not show the account email: {answers}")
        expect(answers.get(norm(self.text("myData.statusLabel"))) == norm(self.text("myData.status.completed")),
               "My data does not say the answers were submitted")
        wanted = {
            "household_size": "3",
            "monthly_grocery_spend": "R$ 1.234,56" if not self.lang.startswith("en") else "R$1,234.56",
            "reason_not": self.option_label("reason_not", "prices"),
            "priorities": f"{self.option_label('priorities', 'price')}; {self.option_label('priorities', 'proximity')}",
        }
        for code, value in wanted.items():
            got = answers.get(norm(self.label(code)))
            expect(got == norm(value), f"My data shows {code} as {got!r}, expected {norm(value)!r}")
        self.screenshot("my-data")

        self.step = "logout"
        self.submit("header form[action='/logout']")
        self.expect_page("/", self.survey["title"][self.lang])
        expect(not self.signed_in(), "still shown as signed in after logging out")
        notice = norm(self.one("main .notice").text)
        expect(notice == norm(self.text("home.notice.signedOut")), f"the logged-out notice reads {notice!r}")
        self.screenshot("logged-out")

        self.step = "survey-needs-login"
        self.goto("/survey")
        self.expect_page("/login", self.text("login.title"))
        expect(self.query().get("next") == ["/survey"], f"the login page should come back to /survey, URL {d.current_url}")
        self.one("form[action='/login'] input[type=hidden][name=next][value='/survey']")
        self.screenshot("login")

        self.step = "login-wrong-password"
        self.type_into("#email", self.email)
        self.type_into("#password", self.password + "x")
        self.submit("form[action='/login']")
        self.expect_page("/login", self.text("login.title"), status=422)
        expect(norm(self.one("main .notice").text) == norm(self.text("login.error.invalid")), "no 'wrong email or password' message")
        expect(self.one("#email").get_attribute("value") == self.email, "the email was not kept after a wrong password")

        self.step = "login"
        self.type_into("#password", self.password)
        self.submit("form[action='/login']")
        self.expect_page("/survey/thanks", self.text("thanks.title"))
        expect(self.signed_in(), "after logging in, the header has no log-out button")

        self.step = "survey-after-completion"
        self.goto("/survey/household")
        self.expect_page("/survey/thanks", self.text("thanks.title"))
        self.screenshot("thanks-after-login")

    def organisation_mentioned(self):
        return self.survey["settings"]["organisation"] in self.one(".consent-text").text

    def option_label(self, code, option):
        return next(o["label"][self.lang] for o in self.questions[code]["options"] if o["code"] == option)

    def fail(self, message):
        print(f"browser-check: FAILED at step '{self.step}': {message}", file=sys.stderr)
        try:
            print(f"browser-check: the browser was on {self.driver.current_url}", file=sys.stderr)
            name = re.sub(r"[^a-z0-9-]+", "-", self.step.lower())
            with open(os.path.join(self.out, f"FAILED-{name}.html"), "w", encoding="utf-8") as f:
                f.write(self.driver.page_source)
            self.driver.save_screenshot(os.path.join(self.out, f"FAILED-{name}.png"))
            print(f"browser-check: page kept as {self.out}/FAILED-{name}.png and .html", file=sys.stderr)
        except WebDriverException:
            pass


def wait_ready(base, seconds):
    deadline = time.monotonic() + seconds
    last = None
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(base.rstrip("/") + "/readyz", timeout=2) as r:
                if r.status == 200:
                    return
        except (urllib.error.URLError, OSError) as e:
            last = e
        time.sleep(0.25)
    sys.exit(f"browser-check: {base}/readyz did not answer 200 within {seconds} s ({last})")


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("base_url", help="where the app answers, e.g. http://127.0.0.1:8080")
    p.add_argument("out_dir", help="folder for the screenshots (created; old PNGs in it are removed)")
    p.add_argument("--lang", default="pt-BR", help="interface language to browse in (pt-BR or en)")
    p.add_argument("--resources", default=ROOT, help="folder holding Locales/ and Surveys/ (the checkout)")
    p.add_argument("--wait", type=float, default=0, metavar="SECONDS", help="first wait this long for /readyz to answer 200")
    p.add_argument("--chromium", default="/usr/bin/chromium")
    p.add_argument("--chromedriver", default="/usr/bin/chromedriver")
    p.add_argument("--layout-warnings", action="store_true",
                   help="report sideways scrolling on the phone as a warning instead of a failure")
    args = p.parse_args()

    os.makedirs(args.out_dir, exist_ok=True)
    for name in os.listdir(args.out_dir):
        if name.endswith(".png") or name.startswith("FAILED-"):
            os.remove(os.path.join(args.out_dir, name))
    if args.wait:
        wait_ready(args.base_url, args.wait)

    started = time.monotonic()
    try:
        check = BrowserCheck(args.base_url, args.out_dir, args.lang, args.resources, args.chromium,
                             args.chromedriver, args.layout_warnings)
    except WebDriverException as e:
        sys.exit(f"browser-check: could not start Chromium through {args.chromedriver}: {e.msg or e}")
    status = 0
    try:
        check.run()
    except CheckFailed as e:
        check.fail(str(e))
        status = 1
    except NoSuchElementException as e:
        check.fail(f"an element is missing: {e.msg}")
        status = 1
    except WebDriverException as e:
        check.fail(f"the browser reported: {e.msg or e}")
        status = 1
    finally:
        try:
            check.driver.quit()
        except WebDriverException:
            pass
    for warning in check.layout_warnings:
        print(f"browser-check: warning: {warning}", file=sys.stderr)
    if status == 0:
        print(f"browser-check: passed ({len(check.shots)} screenshots in {args.out_dir}, "
              f"{time.monotonic() - started:.1f} s, JavaScript off)")
    return status


if __name__ == "__main__":
    sys.exit(main())
