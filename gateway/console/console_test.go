package console_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/google/uuid"
	"github.com/slotmesh/slotmesh/testenv"
	"github.com/slotmesh/slotmesh/testenv/poll"
)

// The web console in a real browser: headless Chromium driven by chromedp
// against the whole mesh (testenv.StartAll), one system and one browser for
// the package, each scenario in its own browser contexts (separate storage,
// like separate people), in parallel.

const password = "correct horse battery"

// berlin is where the test restaurants are; their times are checked in it.
var berlin = mustZone("Europe/Berlin")

func mustZone(name string) *time.Location {
	l, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return l
}

// chromium finds the browser, or fails saying how to install it.
func chromium(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("CHROMIUM_PATH"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "headless-shell"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Fatal("no Chromium for the web console's browser tests. Install it with `go tool task deps` " +
		"(deploy/local/deps-browser.sh runs `apt-get install -y chromium` as root), or `sudo apt-get install -y chromium`, " +
		"or point CHROMIUM_PATH at a Chrome/Chromium binary. SLOTMESH_SKIP_BROWSER=1 skips these tests explicitly.")
	return ""
}

// skipBrowser: SLOTMESH_SKIP_BROWSER=1 skips the browser tests, explicitly.
var skipBrowser = os.Getenv("SLOTMESH_SKIP_BROWSER") == "1"

// browser starts one headless Chromium for the test and its subtests (nil
// with SLOTMESH_SKIP_BROWSER=1).
func browser(t *testing.T) context.Context {
	t.Helper()
	if skipBrowser {
		t.Log("SLOTMESH_SKIP_BROWSER=1: the browser tests are skipped")
		return nil
	}
	path := chromium(t)
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-dev-shm-usage", true), chromedp.Flag("lang", "en-GB"),
		chromedp.WindowSize(1280, 900), chromedp.UserDataDir(t.TempDir()),
	}
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	bctx, cancelB := chromedp.NewContext(actx)
	t.Cleanup(func() { cancelB(); cancelA() })
	if err := chromedp.Do(bctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatalf("start Chromium (%s): %v", path, err)
	}
	return bctx
}

// person is one browser context (its own storage) with one tab.
type person struct {
	t    *testing.T
	ctx  context.Context
	base string
	name string
}

func newPerson(t *testing.T, b context.Context, base, name string) *person {
	t.Helper()
	if b == nil {
		t.Skip("SLOTMESH_SKIP_BROWSER=1: no browser")
	}
	ctx, cancel := chromedp.NewContext(b, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	p := &person{t: t, ctx: ctx, base: base, name: name}
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatalf("%s: new tab: %v", name, err)
	}
	return p
}

// open loads the console at a hash route (a full page load).
func (p *person) open(hash string) {
	p.t.Helper()
	if err := chromedp.Do(p.ctx, chromedp.Navigate(p.base+"/"+hash)); err != nil {
		p.t.Fatalf("%s: open %s: %v", p.name, hash, err)
	}
}

// route changes the hash only (no page load).
func (p *person) route(hash string) { p.t.Helper(); p.eval(fmt.Sprintf("location.hash = %s", q(hash))) }

func q(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func (p *person) eval(expr string) any {
	p.t.Helper()
	v, err := chromedp.Run(p.ctx, chromedp.Evaluate[any](expr))
	if err != nil {
		p.t.Fatalf("%s: eval %s: %v", p.name, expr, err)
	}
	return v
}

// wait polls a JavaScript predicate until it holds.
func (p *person) wait(what, pred string, timeout time.Duration) {
	p.t.Helper()
	poll.Eventually(p.t, timeout, p.name+": "+what, func() error {
		v, err := chromedp.Run(p.ctx, chromedp.Evaluate[bool]("!!("+pred+")"))
		if err == nil && v {
			return nil
		}
		return pageState{p, pred, err}
	})
}

// pageState is a predicate that did not hold; it reads the page only when
// the wait fails and says why.
type pageState struct {
	p    *person
	pred string
	err  error
}

func (s pageState) Error() string {
	body, _ := chromedp.Run(s.p.ctx, chromedp.Evaluate[string]("document.querySelector('main') ? document.querySelector('main').innerText : document.body.innerText"))
	dlg, _ := chromedp.Run(s.p.ctx, chromedp.Evaluate[string]("Array.from(document.querySelectorAll('dialog')).map(d => d.innerText).join('\\n')"))
	return fmt.Sprintf("%s (err %v)\npage:\n%s\ndialog:\n%s", s.pred, s.err, body, dlg)
}

// text is the innerText of the first match.
func (p *person) text(sel string) string {
	p.t.Helper()
	v, _ := p.eval(fmt.Sprintf("(document.querySelector(%s) || {innerText: ''}).innerText", q(sel))).(string)
	return v
}

// keys types keys into the focused element, as a keyboard would.
func (p *person) keys(k string) {
	p.t.Helper()
	if err := chromedp.Do(p.ctx, chromedp.KeyEvent(k)); err != nil {
		p.t.Fatalf("%s: keys: %v", p.name, err)
	}
}

func (p *person) click(sel string) {
	p.t.Helper()
	p.wait("clickable "+sel, fmt.Sprintf("(e => e && !e.disabled)(document.querySelector(%s))", q(sel)), 10*time.Second)
	p.eval(fmt.Sprintf("document.querySelector(%s).click()", q(sel)))
}

// clickText clicks the first element matching sel whose text is text.
func (p *person) clickText(sel, text string) {
	p.t.Helper()
	find := fmt.Sprintf("Array.from(document.querySelectorAll(%s)).find(e => e.innerText.trim() === %s && !e.disabled)", q(sel), q(text))
	p.wait(fmt.Sprintf("%s %q", sel, text), find, 10*time.Second)
	p.eval(find + ".click()")
}

// fill sets form fields by name inside the form matching sel, as typing would.
func (p *person) fill(sel string, fields map[string]string) {
	p.t.Helper()
	for name, v := range fields {
		p.eval(fmt.Sprintf(`(() => { const e = document.querySelector(%s).elements[%s];
			e.value = %s; e.dispatchEvent(new Event('input', {bubbles: true})); e.dispatchEvent(new Event('change', {bubbles: true})); })()`,
			q(sel), q(name), q(v)))
	}
}

// signUp creates an account through the console and lands on next.
func (p *person) signUp(email, next string) {
	p.t.Helper()
	p.open("#/signup?next=" + url.QueryEscape(next))
	p.wait("the sign-up form", `document.querySelector('main form input[name=email]')`, 10*time.Second)
	p.fill("main form", map[string]string{"name": p.name, "email": email, "password": password})
	p.click("main form button[type=submit]")
	// Signed in, and on to next: the sign-up form is gone.
	p.wait("signed in", `localStorage.getItem('slotmesh.session') && !document.querySelector('main input[name=password]')`, 15*time.Second)
}

// accessible checks what a machine can: every form control has a label,
// every button a name, and at a phone's width the page does not scroll sideways
// (the reservation grid scrolls inside its own box).
func (p *person) accessible(page string) {
	p.t.Helper()
	bad, _ := p.eval(`Array.from(document.querySelectorAll('input, select, textarea, button'))
		.filter(e => e.type !== 'hidden' && !(e.labels && e.labels.length) && !e.getAttribute('aria-label') && !e.innerText.trim())
		.map(e => e.outerHTML.slice(0, 120))`).([]any)
	if len(bad) > 0 {
		p.t.Errorf("%s: %s: controls without a label or name: %v", p.name, page, bad)
	}
	if wide, _ := p.eval(`document.documentElement.scrollWidth > window.innerWidth + 1`).(bool); wide {
		w := p.eval(`[document.documentElement.scrollWidth, window.innerWidth]`)
		p.t.Errorf("%s: %s scrolls sideways (%v)", p.name, page, w)
	}
}

// phone makes the tab phone-sized.
func (p *person) phone() {
	p.t.Helper()
	if err := chromedp.Do(p.ctx, chromedp.EmulateViewport(390, 844)); err != nil {
		p.t.Fatal(err)
	}
}

func TestConsole(t *testing.T) {
	b := browser(t)
	sys := testenv.StartAll(t, map[string]string{"RATE_LIMITS": "off"})
	api := &client{t: t, base: sys.URL}
	// The pages and the stream are there, and the stream is for managers only.
	api.expectPage()

	t.Run("scenarios", func(t *testing.T) {
		t.Run("FindBookAvailRefund", func(t *testing.T) { t.Parallel(); findBookAvailRefund(t, b, sys.URL) })
		t.Run("RaceForTheLastTable", func(t *testing.T) { t.Parallel(); raceForLastTable(t, b, api) })
		t.Run("HotelNight", func(t *testing.T) { t.Parallel(); hotelNight(t, b, api) })
		t.Run("ChangeAndCancel", func(t *testing.T) { t.Parallel(); changeAndCancel(t, b, api) })
		t.Run("StreamAuth", func(t *testing.T) { t.Parallel(); streamAuth(t, api) })
		t.Run("Screenshots", func(t *testing.T) { t.Parallel(); screenshots(t, b, api) })
	})
}

// day is a date a few days ahead in Berlin, and 19:00 on it.
func day(n int) (string, time.Time) {
	d := time.Now().In(berlin).AddDate(0, 0, n)
	at := time.Date(d.Year(), d.Month(), d.Day(), 19, 0, 0, 0, berlin)
	return d.Format("2006-01-02"), at
}

func searchHash(tag, date, tm string, party int) string {
	v := url.Values{"tags": {tag}, "place": {"Berlin"}, "date": {date}, "time": {tm}, "party": {fmt.Sprint(party)}, "go": {"1"}}
	return "#/search?" + v.Encode()
}

// findResult searches until the vendor shows (search is fed by events:
// a new vendor is findable within a second or two).
func (p *person) findResult(hash, vendorSel string) {
	p.t.Helper()
	p.searchUntil(hash, fmt.Sprintf("document.querySelector(%s)", q(vendorSel)))
}

// searchUntil searches again until pred holds.
func (p *person) searchUntil(hash, pred string) {
	p.t.Helper()
	i := 0
	poll.Eventually(p.t, 20*time.Second, p.name+": search results with "+pred, func() error {
		p.route(hash + fmt.Sprintf("&n=%d", i))
		i++
		p.wait("search answered", `document.querySelector('.results[aria-busy=false] h2')`, 10*time.Second)
		if ok, _ := p.eval("!!(" + pred + ")").(bool); !ok {
			return fmt.Errorf("results:\n%s", p.text("main"))
		}
		return nil
	})
}

// A manager onboards a restaurant in the console and opens the day's book; a
// diner finds it by tag, city, date, time and party size, sees the deposit,
// books with the test card; the booking appears in the manager's book
// without a reload; the manager marks it availed and the diner sees the refund.
func findBookAvailRefund(t *testing.T, b context.Context, base string) {
	start := time.Now()
	tag := "e2e" + strings.ReplaceAll(uuid.NewString()[:8], "-", "")
	date, at := day(3)

	mgr := newPerson(t, b, base, "Marta Manager")
	mgr.signUp("marta-"+tag+"@example.com", "#/manage/new")
	mgr.wait("the onboarding form", `document.querySelector('form.onboard')`, 10*time.Second)
	mgr.accessible("onboarding")
	mgr.fill("form.onboard", map[string]string{"name": "Trattoria " + tag, "address": "Torstraße 1, Berlin", "city": "Berlin",
		"tags": "italian, " + tag, "open": "12:00", "close": "23:00", "slot": "30", "stay": "90", "deposit": "10.00", "currency": "EUR", "free": "24"})
	if tz := mgr.eval(`document.querySelector('form.onboard').elements.timezone.value`); tz != "Europe/Berlin" {
		t.Fatalf("choosing Berlin set the time zone to %v", tz)
	}
	mgr.click("form.onboard button[type=submit]")
	mgr.wait("the reservation book", `location.hash.startsWith('#/manage/book/') && document.querySelector('.book')`, 15*time.Second)
	vendorID := strings.TrimPrefix(mgr.eval(`location.hash`).(string), "#/manage/book/")
	mgr.route("#/manage/book/" + vendorID + "?date=" + date)
	mgr.wait("the book of the day, live", `document.querySelector('.live[data-state=live]') && document.querySelectorAll('.brow[data-unit]').length === 3`, 15*time.Second)
	if got := mgr.text(".bookhead + p"); !strings.Contains(got, "Europe/Berlin") {
		t.Fatalf("the book does not name the time zone: %q", got)
	}
	mgr.accessible("reservation book")
	mgr.eval(`window.__noReload = 'still the same page'`)
	t.Logf("manager onboarded %s and opened the book: %s", vendorID, time.Since(start))

	diner := newPerson(t, b, base, "Dana Diner")
	diner.phone() // the diner is on a phone
	hash := searchHash(tag, date, "19:00", 2)
	diner.signUp("dana-"+tag+"@example.com", hash)
	diner.findResult(hash, fmt.Sprintf(`li.result[data-vendor=%q] button.time`, vendorID))
	diner.accessible("search results")
	if got := diner.text("li.result .tzline"); !strings.Contains(got, "Europe/Berlin") {
		t.Fatalf("the results do not name the vendor's time zone: %q", got)
	}
	diner.clickText(fmt.Sprintf(`li.result[data-vendor=%q] button.time`, vendorID), "19:00")
	diner.wait("the booking dialog", `document.querySelector('dialog .deposit')`, 5*time.Second)
	diner.accessible("booking dialog")
	if got := diner.text("dialog .deposit"); !strings.Contains(got, "€10.00") {
		t.Fatalf("the deposit is not shown before booking: %q", got)
	}
	if got := diner.text("dialog .when"); !strings.Contains(got, "19:00") {
		t.Fatalf("the dialog's time is not 19:00 in Berlin: %q", got)
	}
	diner.click("dialog button.confirm")
	diner.wait("booked", `document.querySelector('dialog .booked')`, 15*time.Second)
	if got := diner.text("dialog .booked"); !strings.Contains(got, "Booked!") || !strings.Contains(got, "€10.00") {
		t.Fatalf("booked: %q", got)
	}
	t.Logf("diner found and booked: %s", time.Since(start))

	// The manager's book shows it without a reload.
	mgr.wait("the booking in the book", `document.querySelector('.block[data-status=CONFIRMED]')`, 10*time.Second)
	if v := mgr.eval(`window.__noReload`); v != "still the same page" {
		t.Fatalf("the book was reloaded (marker %v)", v)
	}
	if got := mgr.eval(`document.querySelector('.block[data-status=CONFIRMED]').getAttribute('aria-label')`).(string); !strings.Contains(got, "19:00") {
		t.Fatalf("the block is not at 19:00 Berlin time: %q", got)
	}
	t.Logf("the booking appeared live in the book: %s", time.Since(start))

	// Avail: the deposit is refunded, and the manager sees it.
	mgr.click(".block[data-status=CONFIRMED]")
	mgr.clickText("dialog button", "Guest came, bill settled")
	mgr.wait("availed", `document.querySelector('dialog .ok .refund')`, 10*time.Second)
	if got := mgr.text("dialog .ok .refund"); !strings.Contains(got, "Refund €10.00") {
		t.Fatalf("the manager's refund: %q", got)
	}
	mgr.eval(`document.querySelector('dialog').close()`)
	mgr.wait("the availed block", `document.querySelector('.block[data-status=AVAILED]')`, 10*time.Second)

	// The diner sees the refund among the past bookings (the archive has it moments later).
	i := 0
	poll.Eventually(t, 20*time.Second, "the diner to see the refund", func() error {
		diner.route(fmt.Sprintf("#/bookings?scope=past&n=%d", i))
		i++
		diner.wait("my past bookings", `document.querySelector('ul.bookings[aria-busy=false]')`, 10*time.Second)
		if got := diner.text("li.booking[data-status=AVAILED] .refund"); !strings.Contains(got, "Refund €10.00") {
			return fmt.Errorf("past bookings:\n%s", diner.text("main"))
		}
		return nil
	})
	diner.accessible("my past bookings")
	if got := diner.text("li.booking[data-status=AVAILED] .when"); !strings.Contains(got, "19:00") || !strings.Contains(got, "Europe/Berlin") {
		t.Fatalf("the past booking's time: %q", got)
	}
	_ = at
	t.Logf("the diner saw the refund: %s", time.Since(start))
}

// Two diners in two browsers reach for the last table at the same time:
// one books it, the other is told and offered nearby times, and books one.
func raceForLastTable(t *testing.T, b context.Context, api *client) {
	start := time.Now()
	tag := "race" + strings.ReplaceAll(uuid.NewString()[:8], "-", "")
	date, _ := day(4)
	owner := api.user("owner-" + tag + "@example.com")
	vendorID := api.vendor(owner, "Last Table "+tag, tag, []unit{{"Solo", 2}})

	hash := searchHash(tag, date, "19:00", 2)
	var ps [2]*person
	var wg sync.WaitGroup
	for i, name := range []string{"Ada", "Bo"} {
		ps[i] = newPerson(t, b, api.base, name)
		wg.Go(func() {
			p := ps[i]
			p.signUp(fmt.Sprintf("%s-%s@example.com", strings.ToLower(name), tag), hash)
			p.findResult(hash, fmt.Sprintf(`li.result[data-vendor=%q] button.time`, vendorID))
			p.clickText(fmt.Sprintf(`li.result[data-vendor=%q] button.time`, vendorID), "19:00")
			p.wait("the confirm button", `(b => b && !b.disabled)(document.querySelector('dialog button.confirm'))`, 5*time.Second)
		})
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	// Both press "book" at once.
	for _, p := range ps {
		wg.Go(func() { p.eval(`document.querySelector('dialog button.confirm').click()`) })
	}
	wg.Wait()
	outcome := func(p *person) string {
		p.wait("an answer", `document.querySelector('dialog .booked, dialog .taken')`, 15*time.Second)
		if ok, _ := p.eval(`!!document.querySelector('dialog .booked')`).(bool); ok {
			return "booked"
		}
		return "taken"
	}
	o0, o1 := outcome(ps[0]), outcome(ps[1])
	if o0 == o1 {
		t.Fatalf("both diners got %q for the last table", o0)
	}
	loser := ps[0]
	if o0 == "booked" {
		loser = ps[1]
	}
	if got := loser.text("dialog .taken"); !strings.Contains(got, "just taken") {
		t.Fatalf("the loser was not told: %q", got)
	}
	n, _ := loser.eval(`document.querySelectorAll('dialog .taken button.time').length`).(float64)
	if n == 0 {
		t.Fatalf("the loser was offered no nearby times: %q", loser.text("dialog"))
	}
	t.Logf("%s won, %s was offered %v nearby times: %s", map[bool]string{true: "Ada", false: "Bo"}[o0 == "booked"], loser.name, n, time.Since(start))
	// The loser takes the first time offered.
	loser.click("dialog .taken button.time")
	loser.click("dialog button.confirm")
	loser.wait("booked a nearby time", `document.querySelector('dialog .booked')`, 15*time.Second)
}

// A diner moves a booking to another time in My bookings, then cancels it
// and is shown the refund the policy gives.
func changeAndCancel(t *testing.T, b context.Context, api *client) {
	tag := "chg" + strings.ReplaceAll(uuid.NewString()[:8], "-", "")
	owner := api.user("owner-" + tag + "@example.com")
	vendorID := api.vendor(owner, "Bistro "+tag, tag, []unit{{"T1", 4}})
	_, at := day(6)
	diner := newPerson(t, b, api.base, "Cleo")
	email := "cleo-" + tag + "@example.com"
	diner.signUp(email, "#/bookings")
	var s struct{ Token string }
	api.must("POST", "/v1/sessions", "", map[string]string{"email": email, "password": password}, &s)
	bk := api.book(s.Token, vendorID, at, 2)
	card := fmt.Sprintf(`li.booking[data-booking=%q]`, bk.ID)
	diner.route("#/bookings?n=1")
	diner.wait("the booking in my current bookings", "document.querySelector("+q(card)+")", 10*time.Second)

	diner.click(card + " .actions button")
	diner.wait("free times to move to", `document.querySelector('dialog .times button.time')`, 10*time.Second)
	diner.clickText("dialog .times button.time", "20:30")
	diner.wait("moved", "!document.querySelector('dialog') && document.querySelector("+q(card+" .when")+").innerText.includes('20:30')", 10*time.Second)
	if got := diner.text(card + " .when"); !strings.Contains(got, "Europe/Berlin") {
		t.Fatalf("the moved booking's time: %q", got)
	}

	diner.click(card + " .actions button.danger")
	diner.wait("the cancel dialog", `document.querySelector('dialog .policy')`, 5*time.Second)
	if got := diner.text("dialog .policy"); !strings.Contains(got, "refunds your €10.00 deposit") {
		t.Fatalf("the policy before cancelling: %q", got)
	}
	diner.clickText("dialog button", "Cancel the booking")
	diner.wait("cancelled", `document.querySelector('dialog .ok .refund')`, 10*time.Second)
	if got := diner.text("dialog .ok .refund"); !strings.Contains(got, "Refund €10.00") {
		t.Fatalf("the refund after cancelling: %q", got)
	}
	var got booked
	api.must("GET", "/v1/bookings/"+bk.ID, s.Token, nil, &got)
	if got.Status != "CANCELLED" {
		t.Fatalf("the booking is %s after cancelling in the console", got.Status)
	}
}

// A diner finds a hotel room for a night and books it; the manager's book
// of that day shows the stay.
func hotelNight(t *testing.T, b context.Context, api *client) {
	tag := "inn" + strings.ReplaceAll(uuid.NewString()[:8], "-", "")
	date, _ := day(7)
	owner := api.user("owner-" + tag + "@example.com")
	vendorID := api.vendorAt(owner, place{"hotel", "Hotel " + tag, "Unter den Linden 77, Berlin", []string{"spa", tag}, 52.5163, 13.3806},
		[]unit{{"Room 101", 2}, {"Room 102", 2}})
	diner := newPerson(t, b, api.base, "Hugo")
	hash := "#/search?" + url.Values{"tags": {tag}, "kind": {"hotel"}, "place": {"Berlin"}, "date": {date}, "time": {"15:00"},
		"party": {"2"}, "go": {"1"}}.Encode()
	diner.signUp("hugo-"+tag+"@example.com", hash)
	diner.findResult(hash, fmt.Sprintf(`li.result[data-vendor=%q] button.time`, vendorID))
	if got := diner.text("li.result .tzline"); !strings.Contains(got, "Check-in") {
		t.Fatalf("a hotel's result: %q", got)
	}
	// By keyboard: Enter on a time opens the dialog with the focus inside,
	// Escape closes it and gives the focus back to the time.
	timeSel := fmt.Sprintf(`li.result[data-vendor=%q] button.time`, vendorID)
	diner.eval(fmt.Sprintf("document.querySelector(%s).focus()", q(timeSel)))
	diner.keys(kb.Enter)
	diner.wait("the dialog, focused", `document.querySelector('dialog[open]') && document.querySelector('dialog[open]').contains(document.activeElement)`, 5*time.Second)
	diner.keys(kb.Escape)
	diner.wait("the dialog closed, focus back on the time", fmt.Sprintf("!document.querySelector('dialog') && document.activeElement === document.querySelector(%s)", q(timeSel)), 5*time.Second)
	diner.keys(kb.Enter)
	diner.wait("the booking dialog", `document.querySelector('dialog .deposit')`, 5*time.Second)
	if got := diner.text("dialog .deposit"); !strings.Contains(got, "€50.00") {
		t.Fatalf("the hotel's deposit: %q", got)
	}
	diner.click("dialog button.confirm")
	diner.wait("booked", `document.querySelector('dialog .booked')`, 15*time.Second)
	if got := diner.text("dialog .booked"); !strings.Contains(got, "15:00") || !strings.Contains(got, "Room 10") {
		t.Fatalf("booked: %q", got)
	}

	mgr := newPerson(t, b, api.base, "Hotel manager")
	mgr.open("#/login?next=" + url.QueryEscape("#/manage/book/"+vendorID+"?date="+date))
	mgr.wait("the log-in form", `document.querySelector('main form input[name=email]')`, 10*time.Second)
	mgr.fill("main form", map[string]string{"email": "owner-" + tag + "@example.com", "password": password})
	mgr.click("main form button[type=submit]")
	mgr.wait("the stay in the book", `document.querySelector('.live[data-state=live]') && document.querySelector('.block[data-status=CONFIRMED]')`, 15*time.Second)
}

// The stream answers managers only, and speaks SSE.
func streamAuth(t *testing.T, api *client) {
	tag := "sse" + strings.ReplaceAll(uuid.NewString()[:8], "-", "")
	owner := api.user("owner-" + tag + "@example.com")
	stranger := api.user("stranger-" + tag + "@example.com")
	vendorID := api.vendor(owner, "Stream "+tag, tag, []unit{{"T1", 2}})
	path := "/v1/vendors/" + vendorID + "/bookings/stream"
	if st, _ := api.do("GET", path, "", nil, nil); st != http.StatusUnauthorized {
		t.Fatalf("no token: %d, want 401", st)
	}
	if st, _ := api.do("GET", path, stranger, nil, nil); st != http.StatusForbidden {
		t.Fatalf("not a manager: %d, want 403", st)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", api.base+path, nil)
	req.Header.Set("Authorization", "Bearer "+owner)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if ct := res.Header.Get("Content-Type"); res.StatusCode != 200 || ct != "text/event-stream" {
		t.Fatalf("stream: %d %q", res.StatusCode, ct)
	}
	buf := make([]byte, 256)
	n, _ := res.Body.Read(buf)
	if !strings.Contains(string(buf[:n]), "event: ready") {
		t.Fatalf("the stream did not start with ready: %q", buf[:n])
	}
	// A booking shows on the stream.
	diner := api.user("diner-" + tag + "@example.com")
	_, at := day(5)
	api.book(diner, vendorID, at, 2)
	var got bytes.Buffer
	for !strings.Contains(got.String(), `"status":"CONFIRMED"`) {
		n, err := res.Body.Read(buf)
		got.Write(buf[:n])
		if err != nil {
			t.Fatalf("stream ended before the confirmed booking: %v\n%s", err, got.String())
		}
	}
	if !strings.Contains(got.String(), "event: booking") || !strings.Contains(got.String(), vendorID) {
		t.Fatalf("stream: %s", got.String())
	}
}

// --- the API, for setting up scenarios ------------------------------------

type client struct {
	t    *testing.T
	base string
}

type unit struct {
	Name     string `json:"name"`
	Capacity int    `json:"capacity"`
}

func (c *client) do(method, path, token string, body any, out any) (int, []byte) {
	c.t.Helper()
	var r io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, c.base+path, r)
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if method == "POST" && strings.HasPrefix(path, "/v1/bookings") {
		req.Header.Set("Idempotency-Key", uuid.NewString())
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	if out != nil && res.StatusCode < 300 {
		if err := json.Unmarshal(raw, out); err != nil {
			c.t.Fatalf("%s %s: %v: %s", method, path, err, raw)
		}
	}
	return res.StatusCode, raw
}

func (c *client) must(method, path, token string, body, out any) {
	c.t.Helper()
	if st, raw := c.do(method, path, token, body, out); st >= 300 {
		c.t.Fatalf("%s %s: %d %s", method, path, st, raw)
	}
}

// user signs up and logs in; it returns the token.
func (c *client) user(email string) string {
	c.t.Helper()
	name, _, _ := strings.Cut(email, "@")
	return c.userNamed(email, name)
}

func (c *client) userNamed(email, name string) string {
	c.t.Helper()
	c.must("POST", "/v1/users", "", map[string]string{"email": email, "password": password, "name": name}, nil)
	var s struct{ Token string }
	c.must("POST", "/v1/sessions", "", map[string]string{"email": email, "password": password}, &s)
	return s.Token
}

func (c *client) vendor(token, name, tag string, units []unit) string {
	c.t.Helper()
	return c.vendorAt(token, place{name: name, tags: []string{"italian", tag}, address: "Kastanienallee 7, Berlin", lat: 52.53, lng: 13.41}, units)
}

type place struct {
	kind          string // restaurant (default) or hotel
	name, address string
	tags          []string
	lat, lng      float64
}

func (c *client) vendorAt(token string, p place, units []unit) string {
	c.t.Helper()
	var hours []map[string]string
	for _, d := range []string{"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"} {
		hours = append(hours, map[string]string{"weekday": d, "open": "12:00", "close": "23:00"})
	}
	var v struct{ ID string }
	body := map[string]any{"kind": "restaurant", "name": p.name, "timezone": "Europe/Berlin",
		"address": p.address, "location": map[string]float64{"lat": p.lat, "lng": p.lng},
		"tags": p.tags, "opening_hours": hours, "slot_minutes": 30, "stay_minutes": 90,
		"deposit":      map[string]any{"amount": 1000, "currency": "EUR", "per": "booking"},
		"cancellation": map[string]int{"free_until_hours_before": 24}}
	if p.kind == "hotel" {
		body["kind"] = "hotel"
		delete(body, "slot_minutes")
		delete(body, "stay_minutes")
		body["check_in"], body["check_out"] = "15:00", "11:00"
		body["deposit"] = map[string]any{"amount": 5000, "currency": "EUR", "per": "booking"}
	}
	c.must("POST", "/v1/vendors", token, body, &v)
	c.must("POST", "/v1/vendors/"+v.ID+"/units", token, map[string]any{"units": units}, nil)
	return v.ID
}

type booked struct {
	ID     string `json:"id"`
	Status string `json:"status"`
}

func (c *client) book(token, vendorID string, at time.Time, party int) booked {
	c.t.Helper()
	var b booked
	c.must("POST", "/v1/bookings", token, map[string]any{"vendor_id": vendorID, "start": at.Format(time.RFC3339),
		"party_size": party, "payment_method": "pm_card_visa"}, &b)
	return b
}

func (c *client) expectPage() {
	c.t.Helper()
	var doc struct {
		Paths map[string]map[string]struct {
			OperationID string                    `json:"operationId"`
			Security    []map[string][]string     `json:"security"`
			Responses   map[string]map[string]any `json:"responses"`
		} `json:"paths"`
	}
	c.must("GET", "/openapi.json", "", nil, &doc)
	op, ok := doc.Paths["/v1/vendors/{id}/bookings/stream"]["get"]
	if !ok || op.OperationID != "streamVendorBookings" || len(op.Security) == 0 {
		c.t.Fatalf("the stream is not in the OpenAPI document as a bearer operation: %+v", op)
	}
	if content, _ := op.Responses["200"]["content"].(map[string]any); content["text/event-stream"] == nil {
		c.t.Fatalf("the stream's 200 is not text/event-stream: %v", op.Responses["200"])
	}
	for _, p := range []string{"/", "/console/js/app.js", "/console/app.css"} {
		res, err := http.Get(c.base + p)
		if err != nil {
			c.t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != 200 || res.Header.Get("Content-Security-Policy") == "" {
			c.t.Fatalf("GET %s: %d, CSP %q", p, res.StatusCode, res.Header.Get("Content-Security-Policy"))
		}
	}
}

// --- screenshots --------------------------------------------------------------

// screenshots writes PNGs of the main pages to $SLOTMESH_SCREENSHOTS
// (`go tool task screenshots` sets it to docs/screenshots); skipped without it.
func screenshots(t *testing.T, b context.Context, api *client) {
	dir := os.Getenv("SLOTMESH_SCREENSHOTS")
	if dir == "" {
		t.Skip("SLOTMESH_SCREENSHOTS is not set (go tool task screenshots sets it)")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	tag := "shots" + strings.ReplaceAll(uuid.NewString()[:6], "-", "")
	date, at := day(2)
	owner := api.userNamed("owner-"+tag+"@example.com", "Marta Rossi")
	// Their tags (pizza, pasta, wine) are the other scenarios' vendors' none: the pictures show these three.
	vendorID := api.vendorAt(owner, place{"", "Trattoria Rosa", "Torstraße 96, 10119 Berlin", []string{"italian", "pizza", "vegan"}, 52.5292, 13.4015},
		[]unit{{"T1", 2}, {"T2", 2}, {"T3", 4}, {"T4", 4}, {"T5", 6}, {"Terrace", 8}})
	api.vendorAt(owner, place{"", "Osteria del Ponte", "Oranienburger Str. 32, 10117 Berlin", []string{"italian", "wine"}, 52.5245, 13.3945}, []unit{{"A", 4}})
	api.vendorAt(owner, place{"", "Pasta Fresca", "Kastanienallee 7, 10435 Berlin", []string{"italian", "pasta"}, 52.5381, 13.4094}, []unit{{"A", 4}})
	var diners []string
	for i := range 4 {
		diners = append(diners, api.user(fmt.Sprintf("guest%d-%s@example.com", i, tag)))
	}
	var first booked
	for i, slot := range []struct {
		at    time.Duration
		party int
	}{{-6 * time.Hour, 2}, {-5 * time.Hour, 4}, {-3 * time.Hour, 2}, {-1 * time.Hour, 6}, {0, 2}, {30 * time.Minute, 4}, {90 * time.Minute, 2}} {
		bk := api.book(diners[i%len(diners)], vendorID, at.Add(slot.at), slot.party)
		if i == 0 {
			first = bk
		}
		if i == 2 {
			api.must("POST", "/v1/bookings/"+bk.ID+"/cancel", diners[i%len(diners)], nil, nil)
		}
	}
	api.must("POST", "/v1/bookings/"+first.ID+"/avail", owner, nil, nil)

	shot := func(p *person, name string, w, h int64) {
		t.Helper()
		if err := chromedp.Do(p.ctx, chromedp.EmulateViewport(w, h)); err != nil {
			t.Fatal(err)
		}
		// The picture waits for the page laid out at the new size: the window
		// has it, no transition or animation runs, and two animation frames
		// have passed (the second starts after the first's layout is painted).
		p.wait(fmt.Sprintf("the page settled at %dx%d", w, h), fmt.Sprintf(
			`window.innerWidth === %d && window.innerHeight === %d && document.getAnimations().every(a => a.playState !== 'running')`, w, h), 10*time.Second)
		if _, err := chromedp.Run(p.ctx, chromedp.Evaluate[bool](
			`new Promise(done => requestAnimationFrame(() => requestAnimationFrame(() => done(true))))`, chromedp.EvalAwaitPromise)); err != nil {
			t.Fatal(err)
		}
		capture := chromedp.FullScreenshot(100)
		if open, _ := p.eval(`!!document.querySelector('dialog[open]')`).(bool); open {
			capture = chromedp.CaptureScreenshot() // the viewport: the dialog's backdrop covers only it
		}
		png, err := chromedp.Run(p.ctx, capture)
		if err != nil {
			t.Fatalf("screenshot %s: %v", name, err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), png, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote %s", filepath.Join(dir, name))
	}

	diner := newPerson(t, b, api.base, "Dana")
	diner.signUp("dana-"+tag+"@example.com", "#/search")
	hash := searchHash("pizza, pasta, wine", date, "19:00", 2)
	diner.searchUntil(hash, `document.querySelectorAll('li.result').length >= 3`)
	shot(diner, "search.png", 1280, 800)
	shot(diner, "search-phone.png", 390, 844)
	diner.clickText(fmt.Sprintf(`li.result[data-vendor=%q] button.time`, vendorID), "20:30")
	diner.wait("the booking dialog", `document.querySelector('dialog .deposit')`, 5*time.Second)
	shot(diner, "book.png", 1280, 800)
	diner.click("dialog button.confirm")
	diner.wait("booked", `document.querySelector('dialog .booked')`, 15*time.Second)
	diner.eval(`document.querySelector('dialog').close()`)
	diner.route("#/bookings")
	diner.wait("my bookings", `document.querySelector('li.booking')`, 10*time.Second)
	shot(diner, "my-bookings.png", 1280, 700)

	mgr := newPerson(t, b, api.base, "Marta")
	mgr.open("#/login")
	mgr.wait("the log-in form", `document.querySelector('main form input[name=email]')`, 10*time.Second)
	mgr.fill("main form", map[string]string{"email": "owner-" + tag + "@example.com", "password": password})
	mgr.click("main form button[type=submit]")
	mgr.wait("signed in", `localStorage.getItem('slotmesh.session') && !document.querySelector('main input[name=password]')`, 15*time.Second)
	mgr.route("#/manage/book/" + vendorID + "?date=" + date)
	mgr.wait("the live book", `document.querySelector('.live[data-state=live]') && document.querySelectorAll('.block').length >= 7`, 15*time.Second)
	shot(mgr, "reservation-book.png", 1280, 900)
	shot(mgr, "reservation-book-phone.png", 390, 844)
	mgr.route("#/manage/new")
	mgr.wait("the onboarding form", `document.querySelector('form.onboard')`, 10*time.Second)
	mgr.fill("form.onboard", map[string]string{"name": "Trattoria Rosa", "address": "Torstraße 1, 10119 Berlin", "city": "Berlin", "tags": "italian, pizza"})
	shot(mgr, "onboard.png", 1280, 900)
}
