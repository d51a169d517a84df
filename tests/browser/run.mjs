// Browser suite: real Chromium (playwright-core) against a seeded `tremplin serve`, every page audited
// with axe-core (WCAG 2.1 A/AA), console and page errors, failing sub-resources, keyboard use, and the
// forms with and without JavaScript.
//
// Environment (set by tests/run.sh):
//   TREMPLIN_BIN            the server binary (ASan build)
//   TREMPLIN_STATIC_DIR     the static directory it serves under /static/
//   TREMPLIN_TEST_ENGINE    sqlite | postgresql
//   TREMPLIN_TEST_DATABASE  sqlite:/path.db or a postgresql:// URL of an empty database
//   TREMPLIN_TEST_WORK      a scratch directory (created here): config, server log, screenshots
//
// Prints one line per check, "ok - NAME" or "not ok - NAME: REASON" (details follow on "#" lines),
// and, as its last line, "BROWSER <passed> <failed>"; exits 1 when a check failed.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { chromium } from 'playwright-core';
import AxeBuilder from '@axe-core/playwright';

const BIN = process.env.TREMPLIN_BIN;
const STATIC_DIR = process.env.TREMPLIN_STATIC_DIR;
const ENGINE = process.env.TREMPLIN_TEST_ENGINE;
const DATABASE = process.env.TREMPLIN_TEST_DATABASE;
const WORK = process.env.TREMPLIN_TEST_WORK;

const PASSWORD = 'demo-tremplin-2026';
const DOMAIN = 'demo.tremplin.fr';
const SERVICE = 'tremplin';
const NAV_TIMEOUT = 15_000;
const CHECK_TIMEOUT = 60_000;
const SUITE_DEADLINE = 420_000; // a safety net against a hung browser; a quiet machine needs about 2 minutes per engine
const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
  '--disable-sync', '--no-first-run', '--disable-quic'];

// ---------------------------------------------------------------------------------------------
// Data

// Anonymous pages: [path, expected status].
const ANONYMOUS_PAGES = [
  ['/', 200],
  ['/connexion', 200],
  ['/mot-de-passe-oublie', 200],
  ['/accessibilite', 200],
  ['/mentions-legales', 200],
  ['/donnees-personnelles', 200],
  ['/nexiste-pas', 404],
];

// Demo accounts: [login, expected main navigation (hrefs, in order)].
const PUBLIC_NAV = ['/', '/lieux'];
const ADMIN_NAV = [...PUBLIC_NAV, '/admin/personnes', '/admin/structures', '/admin/journal', '/admin/doublons',
  '/lieux/import'];
const ACCOUNTS = [
  ['admin', ADMIN_NAV],
  ['national', [...PUBLIC_NAV, '/lieux/import']],
  ['regional', PUBLIC_NAV],
  ['pole', PUBLIC_NAV],
  ['structure', PUBLIC_NAV],
  ['prescripteur', PUBLIC_NAV],
  ['formation', PUBLIC_NAV],
  ['candidat', PUBLIC_NAV],
  ['parrain', PUBLIC_NAV],
  ['pilotage', PUBLIC_NAV],
];
// Map tiles come from the internet (server.tile_url): every context gets this blank 1×1 PNG instead, so that the
// suite needs no network and a map loads without failing requests.
const TILE_URL = /^https:\/\/tile\.openstreetmap\.org\//;
const TILE_PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mP8/x8AAwMCAO+ip1sAAAAASUVORK5CYII=', 'base64');
const email = (login) => `${login}@${DOMAIN}`;

// ---------------------------------------------------------------------------------------------
// Reporting

let passed = 0;
let failed = 0;
let issues = null; // problems noticed by the page listeners during the current check
let inAxe = false; // axe-core is running: its own CSP noise (the <style> of its CSS preload) is not the page's

function notice(message) {
  if (issues && !issues.includes(message)) issues.push(message);
}

function report(name, error, details = []) {
  if (!error) {
    passed++;
    console.log(`ok - ${name}`);
    return;
  }
  failed++;
  console.log(`not ok - ${name}: ${oneLine(error)}`);
  for (const d of details) console.log(`#   ${oneLine(d)}`);
}

const oneLine = (s) => String(s).replace(/\s+/g, ' ').trim();

class CheckError extends Error {
  constructor(message, details = []) {
    super(message);
    this.details = details;
  }
}

function fail(message, details = []) {
  throw new CheckError(message, details);
}

function expect(cond, message, details = []) {
  if (!cond) fail(message, details);
}

// Runs one check: FN's exception, or any console error, page error or failed sub-resource noticed
// while it ran, makes it fail. Returns whether FN itself succeeded (later checks may build on it even
// when a browser error made this one fail).
const TIMING = !!process.env.TREMPLIN_BROWSER_TIMING;

async function check(name, fn) {
  const t0 = Date.now();
  issues = [];
  let error = null;
  let details = [];
  let timer;
  try {
    await Promise.race([
      fn(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`check timed out after ${CHECK_TIMEOUT / 1000} s`)), CHECK_TIMEOUT);
      }),
    ]);
  } catch (e) {
    error = e instanceof CheckError ? e.message : (e && e.message ? e.message.split('\n')[0] : String(e));
    details = e instanceof CheckError ? e.details : [];
  } finally {
    clearTimeout(timer);
  }
  const seen = issues;
  issues = null;
  const functional = !error;
  if (!error && seen.length) {
    error = `${seen.length} browser error(s): ${seen[0]}`;
    details = seen;
  } else if (seen.length) {
    details = [...details, ...seen];
  }
  report(name, error, details);
  if (TIMING) process.stderr.write(`${((Date.now() - t0) / 1000).toFixed(1)} s  ${name}\n`);
  return functional;
}

// ---------------------------------------------------------------------------------------------
// Server

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function logTail(file, lines = 30) {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no server log)';
  }
}

class Server {
  constructor(config, port, log) {
    this.config = config;
    this.port = port;
    this.log = log;
    this.base = `http://127.0.0.1:${port}`;
    this.proc = null;
    this.exit = null;
  }

  start() {
    const fd = fs.openSync(this.log, 'a');
    this.proc = spawn(BIN, ['serve', '--database', DATABASE, '--listen', `127.0.0.1:${this.port}`, '--config', this.config],
      { stdio: ['ignore', fd, fd] });
    fs.closeSync(fd);
    this.exited = new Promise((resolve) => {
      this.proc.on('exit', (code, signal) => {
        this.exit = { code, signal };
        resolve(this.exit);
      });
      this.proc.on('error', (e) => {
        this.exit = { code: null, signal: null, error: e };
        resolve(this.exit);
      });
    });
  }

  async waitHealthy(timeout = 30_000) {
    const deadline = Date.now() + timeout;
    while (Date.now() < deadline) {
      if (this.exit) throw new Error(`tremplin serve exited (${JSON.stringify(this.exit)})\n${logTail(this.log)}`);
      try {
        const r = await fetch(`${this.base}/healthz`, { signal: AbortSignal.timeout(2000) });
        if (r.status === 200) return;
      } catch {
        // not listening yet
      }
      await sleep(50);
    }
    throw new Error(`/healthz did not answer 200 within ${timeout / 1000} s\n${logTail(this.log)}`);
  }

  // SIGTERM, then waits; kills it after TIMEOUT. Returns {code, signal}.
  async stop(timeout = 30_000) {
    if (!this.proc) return null;
    if (!this.exit) {
      this.proc.kill('SIGTERM');
      const t = await Promise.race([this.exited, sleep(timeout).then(() => null)]);
      if (!t) {
        this.proc.kill('SIGKILL');
        await this.exited;
        this.proc = null;
        return { code: null, signal: 'SIGKILL', timedOut: true };
      }
    }
    this.proc = null;
    return this.exit;
  }
}

// ---------------------------------------------------------------------------------------------
// Pages

let BASE = '';
const url = (p) => (p.startsWith('http') ? p : BASE + p);
const pathOf = (u) => {
  const x = new URL(u);
  return x.pathname + x.search;
};

// Attaches the listeners that turn console errors, page errors and failing sub-resources into issues.
function watch(page) {
  const documents = new Set(); // URLs of documents: their status is checked by the checks themselves
  page.on('response', (r) => {
    const req = r.request();
    if (req.resourceType() === 'document') {
      documents.add(r.url());
      return;
    }
    if (r.status() >= 400) notice(`sub-resource ${req.resourceType()} ${pathOf(r.url())} answered ${r.status()}`);
  });
  page.on('requestfailed', (req) => {
    if (req.resourceType() === 'document') return;
    const why = req.failure() ? req.failure().errorText : '?';
    if (why === 'net::ERR_ABORTED') return; // left the page while it loaded
    notice(`sub-resource ${req.resourceType()} ${pathOf(req.url())} failed: ${why}`);
  });
  page.on('console', (m) => {
    if (m.type() !== 'error' || !issues) return;
    const loc = m.location() && m.location().url;
    // Chromium logs "Failed to load resource" for a document answering 4xx (404 page, 422 forms): expected.
    if (/^Failed to load resource/.test(m.text()) && loc && documents.has(loc)) return;
    // axe-core parses the stylesheets it preloads in a <style> it creates: CSP rightly refuses it.
    if (inAxe && !loc && /Content Security Policy/.test(m.text())) return;
    notice(`console error: ${m.text()}${loc ? ` (${pathOf(loc)})` : ''}`);
  });
  page.on('pageerror', (e) => notice(`page error: ${e.message}`));
  return page;
}

async function newContext(browser, options = {}) {
  const context = await browser.newContext({ locale: 'fr-FR', viewport: { width: 1280, height: 900 }, ...options });
  context.setDefaultNavigationTimeout(NAV_TIMEOUT);
  context.setDefaultTimeout(NAV_TIMEOUT);
  await context.route(TILE_URL, (r) => r.fulfill({ status: 200, contentType: 'image/png', body: TILE_PNG }));
  return context;
}

async function newPage(context) {
  return watch(await context.newPage());
}

// Waits until DSFR's script has started (it marks <html data-fr-js="true">), when JavaScript runs.
async function settle(page, js = true) {
  await page.waitForLoadState('load');
  // Every stylesheet link applied (a 404 or a wrong MIME type leaves link.sheet null), every resource
  // timed with a 2xx/3xx status.
  const bad = await page.evaluate(() => [
    ...[...document.querySelectorAll('link[rel=stylesheet]')].filter((l) => !l.sheet)
      .map((l) => `stylesheet ${l.getAttribute('href')} not applied (missing or wrong MIME type)`),
    ...performance.getEntriesByType('resource').filter((e) => e.responseStatus >= 400)
      .map((e) => `sub-resource ${new URL(e.name).pathname} answered ${e.responseStatus}`),
  ]);
  for (const b of bad) notice(b);
  if (js) {
    try {
      await page.waitForSelector('html[data-fr-js="true"]', { state: 'attached', timeout: 5000 });
    } catch {
      fail(`DSFR's script did not start on ${pathOf(page.url())} (no html[data-fr-js])`);
    }
  }
}

async function goto(page, p, status = 200, js = true) {
  const resp = await page.goto(url(p), { waitUntil: 'load', timeout: NAV_TIMEOUT });
  expect(resp, `no response for ${p}`);
  expect(resp.status() === status, `${p} answered ${resp.status()}, expected ${status}`);
  await settle(page, js);
  return resp;
}

// Runs an action that navigates (a submitted form, a followed link); returns the document response.
async function navigating(page, action, status = null, js = true) {
  const [resp] = await Promise.all([
    page.waitForNavigation({ waitUntil: 'load', timeout: NAV_TIMEOUT }),
    action(),
  ]);
  expect(resp, 'the action did not load a page');
  if (status !== null) expect(resp.status() === status, `${pathOf(resp.url())} answered ${resp.status()}, expected ${status}`);
  await settle(page, js);
  return resp;
}

// axe-core over the whole page: throws with every violation (rule, impact, targets and markup).
async function axe(page) {
  let res;
  inAxe = true;
  try {
    // Legacy mode runs axe.run in the page itself instead of finishing in a new blank page each time:
    // two to three times faster, and these pages have no frames it would miss.
    res = await new AxeBuilder({ page }).withTags(AXE_TAGS).setLegacyMode(true).analyze();
  } finally {
    inAxe = false;
  }
  if (res.violations.length === 0) return;
  const where = pathOf(page.url());
  const details = [];
  for (const v of res.violations) {
    for (const n of v.nodes) {
      details.push(`axe ${v.id} (${v.impact}) on ${where}: ${n.target.join(' ')} — ${n.html.slice(0, 300)}`);
      if (n.failureSummary) details.push(`    ${n.failureSummary.slice(0, 300)}`);
    }
  }
  const summary = res.violations.map((v) => `${v.id} [${v.nodes.map((n) => n.target.join(' ')).join(', ')}]`).join('; ');
  fail(`axe violations on ${where}: ${summary}`, details);
}

// axe-core cannot run in a page whose scripts are disabled (its timers never fire): the DOM of such a
// page (its server HTML, since no script ran) is loaded without its <script>s in AUDIT, a page of a
// JavaScript-enabled context, at the same URL, and audited there. Only the "(scripting: none)" rules of
// app.css do not apply in that copy.
async function axeWithoutScript(page, audit) {
  const html = (await page.content()).replace(/<script\b[^>]*>[\s\S]*?<\/script>/gi, '');
  const target = page.url();
  const match = (u) => u.href === target;
  await audit.route(match, (r) => r.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', body: html }));
  try {
    await audit.goto(target, { waitUntil: 'load' });
    await settle(audit, false);
    await axe(audit);
  } finally {
    await audit.unroute(match);
  }
}

// The common shell of every page: lang, title suffix, skip link to #contenu, a <main id="contenu">.
async function shell(page) {
  const info = await page.evaluate(() => ({
    lang: document.documentElement.getAttribute('lang'),
    title: document.title,
    skip: !!document.querySelector('.fr-skiplinks a[href="#contenu"]'),
    main: !!document.querySelector('main#contenu'),
  }));
  const where = pathOf(page.url());
  expect(info.lang === 'fr', `${where}: html lang is ${JSON.stringify(info.lang)}, expected "fr"`);
  expect(info.title.endsWith(`— ${SERVICE}`), `${where}: title ${JSON.stringify(info.title)} does not end with "— ${SERVICE}"`);
  expect(info.skip, `${where}: no skip link to #contenu`);
  expect(info.main, `${where}: no <main id="contenu"> for the skip link`);
  return info;
}

// Presses Tab until the focused element matches TARGET, a CSS selector or a Locator (keyboard only);
// throws after MAX presses.
async function tabTo(page, target, max = 80) {
  const focused = typeof target === 'string'
    ? () => page.evaluate((s) => !!document.activeElement && document.activeElement.matches(s), target)
    : () => target.evaluate((el) => el === document.activeElement);
  for (let i = 0; i < max; i++) {
    if (await focused()) return;
    await page.keyboard.press('Tab');
  }
  fail(`${max} presses of Tab never reached ${target} on ${pathOf(page.url())}`);
}

// Starts keyboard navigation from the top of the document.
async function focusTop(page) {
  await page.evaluate(() => {
    if (document.activeElement && document.activeElement !== document.body) document.activeElement.blur();
    window.scrollTo(0, 0);
  });
}

async function typeInto(page, selector, text) {
  await tabTo(page, selector);
  await page.keyboard.press('ControlOrMeta+A');
  await page.keyboard.type(text);
}

async function text(page, selector) {
  const loc = page.locator(selector);
  return (await loc.count()) ? (await loc.first().innerText()).trim() : '';
}

async function flash(page) {
  return text(page, 'main > .fr-alert');
}

// Signs in through the form, keyboard only: Tab to the email, type it, Tab to the password, Enter.
async function signIn(page, login, js = true) {
  if (!/\/connexion/.test(page.url())) await goto(page, '/connexion', 200, js);
  await focusTop(page);
  await typeInto(page, '#email', email(login));
  await typeInto(page, '#password', PASSWORD);
  return navigating(page, () => page.keyboard.press('Enter'), 200, js);
}

// Signs out with the header's button (the desktop header tools one), keyboard only.
async function signOut(page, js = true) {
  await focusTop(page);
  await tabTo(page, '.fr-header__tools button[type="submit"]');
  const resp = await navigating(page, () => page.keyboard.press('Enter'), 200, js);
  expect(new URL(resp.url()).pathname === '/', `sign-out landed on ${pathOf(resp.url())}, expected /`);
  expect(await page.locator('.fr-header__tools a[href="/connexion"]').count() === 1, 'no "Se connecter" link after signing out');
  const f = await flash(page);
  expect(/déconnecté/.test(f), `no "déconnecté" message after signing out (flash: ${JSON.stringify(f)})`);
}

// The error summary of a form page: links to fields that exist; page title starts with "Erreur".
async function errorSummary(page, fields) {
  const title = await page.title();
  expect(title.startsWith('Erreur'), `title ${JSON.stringify(title)} does not start with "Erreur"`);
  const summary = page.locator('main .fr-alert--error').first();
  expect(await summary.count() === 1, 'no error summary (.fr-alert--error)');
  const links = await summary.locator('a[href^="#"]').evaluateAll((as) => as.map((a) => ({
    href: a.getAttribute('href'),
    text: a.textContent.trim(),
    target: !!document.getElementById(a.getAttribute('href').slice(1)),
  })));
  for (const f of fields) {
    const l = links.find((x) => x.href === `#${f}`);
    expect(l, `the error summary has no link to #${f} (links: ${links.map((x) => x.href).join(' ') || 'none'})`);
  }
  for (const l of links) expect(l.target, `error summary link ${l.href} points to no element`);
  for (const f of fields) {
    const invalid = await page.locator(`#${f}`).getAttribute('aria-invalid');
    expect(invalid === 'true', `#${f} lacks aria-invalid="true"`);
  }
  return links;
}

async function screenshot(page, name) {
  await page.screenshot({ path: path.join(WORK, name), fullPage: true });
}

// ---------------------------------------------------------------------------------------------
// Checks

async function anonymousChecks(browser) {
  const context = await newContext(browser);
  const page = await newPage(context);
  try {
    for (const [p, status] of ANONYMOUS_PAGES) {
      await check(`anonymous ${p} (${status}): axe clean, lang fr, skip link, title`, async () => {
        await goto(page, p, status);
        await shell(page);
        if (p === '/') await screenshot(page, 'home.png');
        if (p === '/connexion') await screenshot(page, 'connexion.png');
        await axe(page);
      });
    }

    await check('keyboard: first Tab on /connexion reaches the skip links, focus visible', async () => {
      await goto(page, '/connexion');
      await focusTop(page);
      const expected = ['#contenu', '#navigation-principale', '#pied-de-page'];
      for (const href of expected) {
        await page.keyboard.press('Tab');
        const f = await page.evaluate(() => {
          const el = document.activeElement;
          const cs = getComputedStyle(el);
          const r = el.getBoundingClientRect();
          return {
            href: el.getAttribute('href'),
            skip: !!el.closest('.fr-skiplinks'),
            outline: cs.outlineStyle === 'none' || cs.outlineWidth === '0px' ? 'none' : `${cs.outlineStyle} ${cs.outlineWidth} ${cs.outlineColor}`,
            shadow: cs.boxShadow,
            onScreen: r.width > 0 && r.height > 0 && r.bottom > 0 && r.right > 0 && r.top < innerHeight && r.left < innerWidth,
            html: el.outerHTML.slice(0, 200),
          };
        });
        expect(f.skip && f.href === href, `Tab reached ${f.html}, expected the skip link to ${href}`);
        expect(f.outline !== 'none' || (f.shadow && f.shadow !== 'none'), `the focused skip link ${href} has no visible focus (outline none, box-shadow none)`);
        expect(f.onScreen, `the focused skip link ${href} is not on screen`);
      }
      // Shift+Tab back to "Contenu", Enter: focus moves to <main id="contenu">.
      await page.keyboard.press('Shift+Tab');
      await page.keyboard.press('Shift+Tab');
      await page.keyboard.press('Enter');
      await page.waitForFunction(() => location.hash === '#contenu', null, { timeout: 5000 });
      const focused = await page.evaluate(() => document.activeElement && document.activeElement.id);
      expect(focused === 'contenu', `after following the "Contenu" skip link, focus is on #${focused}, expected #contenu`);
    });

    await check('forgotten password: submitting an email shows the confirmation', async () => {
      await goto(page, '/mot-de-passe-oublie');
      await focusTop(page);
      await typeInto(page, '#email', email('candidat'));
      await navigating(page, () => page.keyboard.press('Enter'), 200);
      const t = await text(page, 'main .fr-alert--success');
      expect(/Demande enregistrée/.test(t) && /courriel/.test(t), `no confirmation message (got ${JSON.stringify(t)})`);
      await shell(page);
      await axe(page);
    });

    await check('forgotten password: an empty address shows the error summary', async () => {
      await goto(page, '/mot-de-passe-oublie');
      await focusTop(page);
      await tabTo(page, 'main form button[type="submit"]');
      await navigating(page, () => page.keyboard.press('Enter'), 422);
      await errorSummary(page, ['email']);
      await axe(page);
    });

    await check('sign-in: a wrong password shows the error summary', async () => {
      await goto(page, '/connexion');
      await focusTop(page);
      await typeInto(page, '#email', email('candidat'));
      await typeInto(page, '#password', 'pas-le-bon-mot-de-passe');
      await navigating(page, () => page.keyboard.press('Enter'), 422);
      await errorSummary(page, []);
      const links = await page.locator('main .fr-alert--error a').count();
      expect(links > 0, 'the error summary has no link');
      await axe(page);
    });
  } finally {
    await context.close();
  }
}

async function accountChecks(browser, login, nav) {
  const context = await newContext(browser);
  const page = await newPage(context);
  try {
    const signedIn = await check(`${login}: sign in by keyboard lands on /`, async () => {
      const resp = await signIn(page, login);
      expect(new URL(resp.url()).pathname === '/', `landed on ${pathOf(resp.url())}, expected /`);
      expect(await page.locator('.fr-header__tools a[href="/compte"]').count() === 1, 'no "mon compte" link in the header');
      await shell(page); // "/" is audited by the navigation checks below
    });
    const hrefs = signedIn
      ? await page.locator('#navigation-principale a').evaluateAll((as) => as.map((a) => a.getAttribute('href')))
      : nav;
    await check(`${login}: main navigation is ${nav.join(' ')}`, async () => {
      expect(signedIn, 'not signed in');
      expect(JSON.stringify(hrefs) === JSON.stringify(nav), `navigation is ${hrefs.join(' ')}`);
    });
    for (const href of [...hrefs, '/compte']) {
      await check(`${login}: ${href} axe clean`, async () => {
        expect(signedIn, 'not signed in');
        await goto(page, href);
        await shell(page);
        if (href !== '/compte') {
          const current = await page.locator('#navigation-principale a[aria-current="page"]').getAttribute('href').catch(() => null);
          expect(current === href, `the navigation marks ${current} as current, expected ${href}`);
        }
        await axe(page);
      });
    }
    await check(`${login}: sign out with the header button`, async () => {
      expect(signedIn, 'not signed in');
      await signOut(page);
      await goto(page, '/compte', 200); // redirected to the sign-in page
      expect(new URL(page.url()).pathname === '/connexion', `/compte after signing out shows ${pathOf(page.url())}`);
    });
  } finally {
    await context.close();
  }
}

async function accessChecks(browser) {
  const context = await newContext(browser);
  const page = await newPage(context);
  try {
    await check('anonymous /admin/personnes goes to /connexion, then back after signing in as admin', async () => {
      await goto(page, '/admin/personnes', 200);
      const u = new URL(page.url());
      expect(u.pathname === '/connexion', `landed on ${pathOf(page.url())}, expected /connexion`);
      expect(u.searchParams.get('suivant') === '/admin/personnes', `suivant is ${u.searchParams.get('suivant')}`);
      const resp = await signIn(page, 'admin');
      expect(new URL(resp.url()).pathname === '/admin/personnes', `after signing in: ${pathOf(resp.url())}, expected /admin/personnes`);
      await shell(page);
      await axe(page);
      await signOut(page);
    });
    await check('regional: /admin/personnes is the 403 page, axe clean', async () => {
      await signIn(page, 'regional');
      await goto(page, '/admin/personnes', 403);
      const h1 = await text(page, 'main h1');
      expect(/Accès refusé/.test(h1), `h1 is ${JSON.stringify(h1)}`);
      await shell(page);
      await axe(page);
      await signOut(page);
    });
  } finally {
    await context.close();
  }
}

async function adminJourney(browser) {
  const context = await newContext(browser);
  const page = await newPage(context);
  const stamp = Date.now().toString(36);
  const person = { email: `nav-${stamp}@exemple.fr`, name: `Camille Essai ${stamp}` };
  const orgName = `Médiathèque d'essai ${stamp}`;
  let personId = null;
  let orgId = null;
  try {
    const signedIn = await check('admin journey: sign in', async () => {
      await signIn(page, 'admin');
    });

    await check('admin: empty "nouvelle personne" form shows the error summary (title "Erreur", links, axe clean)', async () => {
      expect(signedIn, 'not signed in');
      await goto(page, '/admin/personnes/nouvelle');
      await shell(page);
      await axe(page);
      await focusTop(page);
      await tabTo(page, 'main form button[type="submit"]');
      await navigating(page, () => page.keyboard.press('Enter'), 422);
      await errorSummary(page, ['email', 'name', 'role']);
      await shell(page);
      // Following a summary link by keyboard focuses its field.
      await focusTop(page);
      await tabTo(page, 'main .fr-alert--error a[href="#email"]');
      await page.keyboard.press('Enter');
      await page.waitForFunction(() => document.activeElement && document.activeElement.id === 'email', null, { timeout: 5000 })
        .catch(() => fail('following the summary link #email does not focus the field'));
      await axe(page);
    });

    await check('admin: create a person (role "Structure employeuse" + organisation); the person page shows the role', async () => {
      expect(signedIn, 'not signed in');
      if (!/\/admin\/personnes\/nouvelle$/.test(page.url())) await goto(page, '/admin/personnes/nouvelle');
      await focusTop(page);
      await typeInto(page, '#email', person.email);
      await typeInto(page, '#name', person.name);
      await tabTo(page, '#role');
      await page.selectOption('#role', { label: 'Structure employeuse' });
      const org = await page.locator('#organisation_id option').evaluateAll((os) => {
        const o = os.find((x) => x.value && /Structure employeuse/.test(x.textContent));
        return o ? { value: o.value, label: o.textContent.trim() } : null;
      });
      expect(org, 'no organisation labelled "Structure employeuse" in the select');
      await tabTo(page, '#organisation_id');
      await page.selectOption('#organisation_id', org.value);
      await tabTo(page, 'main form button[type="submit"]');
      const resp = await navigating(page, () => page.keyboard.press('Enter'), 200);
      const m = /\/admin\/personnes\/(\d+)$/.exec(new URL(resp.url()).pathname);
      expect(m, `after creating, landed on ${pathOf(resp.url())}`);
      personId = m[1];
      const h1 = await text(page, 'main h1');
      expect(h1 === person.name, `h1 is ${JSON.stringify(h1)}, expected ${JSON.stringify(person.name)}`);
      const f = await flash(page);
      expect(/invitation/.test(f), `no confirmation message (flash: ${JSON.stringify(f)})`);
      const roles = await text(page, 'main table');
      expect(/Structure employeuse/.test(roles), `the roles table does not show "Structure employeuse": ${JSON.stringify(roles.slice(0, 200))}`);
      const orgName0 = org.label.replace(/ \(.*$/, '');
      expect(roles.includes(orgName0), `the roles table does not show the organisation ${JSON.stringify(orgName0)}`);
      await shell(page);
      await screenshot(page, 'admin-personne.png');
      await axe(page);
    });

    await check('admin: create an organisation at /admin/structures/nouvelle', async () => {
      expect(signedIn, 'not signed in');
      await goto(page, '/admin/structures/nouvelle');
      await shell(page);
      await axe(page);
      await focusTop(page);
      await typeInto(page, '#name', orgName);
      await tabTo(page, '#kind');
      await page.selectOption('#kind', 'employer');
      await typeInto(page, '#commune_code', '69123');
      await tabTo(page, 'main form button[type="submit"]');
      const resp = await navigating(page, () => page.keyboard.press('Enter'), 200);
      const m = /\/admin\/structures\/(\d+)$/.exec(new URL(resp.url()).pathname);
      expect(m, `after creating, landed on ${pathOf(resp.url())}`);
      orgId = m[1];
      const h1 = await text(page, 'main h1');
      expect(h1 === orgName, `h1 is ${JSON.stringify(h1)}, expected ${JSON.stringify(orgName)}`);
      await shell(page);
      await axe(page);
      await goto(page, `/admin/structures?q=${encodeURIComponent(stamp)}`);
      const list = await text(page, 'main');
      expect(list.includes(orgName), 'the new organisation is not in the list of structures');
      await axe(page);
    });

    await check('admin: /admin/journal lists both creations', async () => {
      expect(signedIn, 'not signed in');
      expect(personId && orgId, 'nothing was created');
      await goto(page, '/admin/journal');
      await shell(page);
      const rows = await page.locator('main table tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.cells].map((c) => c.textContent.trim())));
      const objects = rows.map((r) => r[3] || '');
      const hasPerson = rows.some((r) => new RegExp(`^(person|personne)\\w* ${personId}$`, 'i').test(r[3]) && /creat|cré/i.test(r[4]));
      const hasOrg = rows.some((r) => new RegExp(`^(organisation|structure)\\w* ${orgId}$`, 'i').test(r[3]) && /creat|cré/i.test(r[4]));
      expect(hasPerson, `no creation of person ${personId} in the journal (objects: ${objects.slice(0, 8).join(', ')})`);
      expect(hasOrg, `no creation of organisation ${orgId} in the journal (objects: ${objects.slice(0, 8).join(', ')})`);
      await axe(page);
    });

    await check('account: create an API token (trp_… shown once), then revoke it', async () => {
      expect(signedIn, 'not signed in');
      const name = `essai navigateur ${stamp}`;
      await goto(page, '/compte');
      await focusTop(page);
      await typeInto(page, '#name', name);
      await navigating(page, () => page.keyboard.press('Enter'), 201);
      const token = await text(page, '#nouveau-jeton');
      expect(/^trp_[A-Za-z0-9_-]{16,}$/.test(token), `no new token shown (got ${JSON.stringify(token)})`);
      const row = page.locator('main table tbody tr', { hasText: name });
      expect(await row.count() === 1, 'the new token is not listed');
      await shell(page);
      await screenshot(page, 'compte.png');
      await axe(page);
      // Shown once: the account page no longer shows it.
      await goto(page, '/compte');
      const again = await page.content();
      expect(!again.includes(token), 'the token is shown again on the account page');
      await focusTop(page);
      const revoke = page.locator('main table tbody tr').filter({ hasText: name }).locator('button[type="submit"]');
      expect(await revoke.count() === 1, 'no "Révoquer" button for the new token');
      await tabTo(page, revoke);
      await navigating(page, () => page.keyboard.press('Enter'), 200);
      const f = await flash(page);
      expect(/révoqué/.test(f), `no "révoqué" message (flash: ${JSON.stringify(f)})`);
      const state = (await page.locator('main table tbody tr').filter({ hasText: name }).locator('td').last().innerText()).trim();
      expect(state === 'Révoqué', `the token's state is ${JSON.stringify(state)}, expected "Révoqué"`);
      await axe(page);
    });

    await check('admin journey: sign out', async () => {
      expect(signedIn, 'not signed in');
      await signOut(page);
    });
  } finally {
    await context.close();
  }
}

async function noScriptChecks(browser) {
  const context = await newContext(browser, { javaScriptEnabled: false });
  const page = await newPage(context);
  const auditContext = await newContext(browser);
  const audit = await newPage(auditContext);
  try {
    const signedIn = await check('without JavaScript: sign in', async () => {
      await goto(page, '/connexion', 200, false);
      const resp = await signIn(page, 'admin', false);
      expect(new URL(resp.url()).pathname === '/', `landed on ${pathOf(resp.url())}, expected /`);
      expect(await page.locator('.fr-header__tools a[href="/compte"]').count() === 1, 'not signed in (no "mon compte" link)');
      await axeWithoutScript(page, audit);
    });
    await check('without JavaScript: empty "nouvelle personne" form shows its errors', async () => {
      expect(signedIn, 'not signed in');
      await goto(page, '/admin/personnes/nouvelle', 200, false);
      await axeWithoutScript(page, audit);
      await focusTop(page);
      await tabTo(page, 'main form button[type="submit"]');
      await navigating(page, () => page.keyboard.press('Enter'), 422, false);
      await errorSummary(page, ['email', 'name', 'role']);
      const messages = await page.locator('#email-desc-error, #name-desc-error, #role-desc-error').count();
      expect(messages === 3, `${messages} field messages, expected 3`);
      await axeWithoutScript(page, audit);
    });
    await check('without JavaScript: the sign-out button works', async () => {
      expect(signedIn, 'not signed in');
      await signOut(page, false);
      await axeWithoutScript(page, audit);
    });
  } finally {
    await context.close();
    await auditContext.close();
  }
}

// The directory of places: 40 generated places imported while the server runs, then the search page (list,
// map, keyboard search near a commune), a place's page, and the same search without JavaScript.
const PLACES = 40;

async function importPlaces() {
  const file = path.join(WORK, 'places.csv');
  const gen = spawnSync(BIN, ['gen', 'places', String(PLACES), '--seed', '7', '--output', file, '--database', DATABASE],
    { encoding: 'utf8', timeout: 60_000 });
  expect(gen.status === 0, `gen places: exit ${gen.status}: ${(gen.stderr || '').split('\n').slice(-3).join(' | ')}`);
  const imp = spawnSync(BIN, ['places', 'import', file, '--database', DATABASE], { encoding: 'utf8', timeout: 60_000 });
  expect(imp.status === 0, `places import: exit ${imp.status}: ${(imp.stderr || imp.stdout || '').split('\n').slice(-3).join(' | ')}`);
  // Each loop thread sees the new places within a second or so.
  const deadline = Date.now() + 15_000;
  for (;;) {
    const r = await fetch(`${BASE}/api/v1/places?per_page=1`);
    if (r.status === 200 && (await r.json()).total >= PLACES) return;
    expect(Date.now() < deadline, `the search does not show the ${PLACES} imported places after 15 s`);
    await sleep(200);
  }
}

// The distances shown in the results list, in km.
async function distances(page) {
  const badges = await page.locator('main .app-places .fr-badge').allTextContents(); // innerText is uppercased by CSS
  return badges.map((b) => /^([\d,]+) km/.exec(b.trim())).filter(Boolean).map((m) => Number(m[1].replace(',', '.')));
}

// Changing the directory (after placesChecks imported places): the edit form of a place with an error, the
// import page with its report, the likely duplicates side by side; each axe clean.
async function placeEditChecks(browser) {
  const context = await newContext(browser);
  const page = await newPage(context);
  try {
    const signedIn = await check('place edit: sign in as admin', async () => {
      await signIn(page, 'admin');
    });
    await check('place edit: /lieux/{id}/modifier (checkbox groups) and its error summary, axe clean', async () => {
      expect(signedIn, 'not signed in');
      await goto(page, '/lieux/gen-000001/modifier');
      await shell(page);
      expect(await page.locator('fieldset#services input[type="checkbox"]').count() === 9, 'no 9 service checkboxes');
      await axe(page);
      await page.fill('#code_postal', '5100');
      await navigating(page, () => page.click('main form button[type="submit"]'), 422);
      await errorSummary(page, ['code_postal']);
      await axe(page);
    });
    await check('place import: /lieux/import shows the report of a file with a bad row, axe clean', async () => {
      expect(signedIn, 'not signed in');
      await goto(page, '/lieux/import');
      await axe(page);
      const file = path.join(WORK, 'import-bad.csv');
      const header = fs.readFileSync(path.join(WORK, 'places.csv'), 'utf8').split('\n')[0];
      fs.writeFileSync(file, `${header}\n` + fs.readFileSync(path.join(WORK, 'places.csv'), 'utf8').split('\n')[1]
        .replace(/^"gen-000001","[^"]*"/, '"gen-bad","12"') + '\n');
      await page.setInputFiles('#fichier', file);
      await navigating(page, () => page.click('main form button[type="submit"]'), 422);
      expect((await text(page, 'main .fr-alert--error')).includes("Rien n'a été importé"), 'no refusal shown');
      expect(await page.locator('main table tbody tr').count() >= 1, 'no problem listed');
      await axe(page);
    });
    await check('duplicates: /admin/doublons compares a pair side by side, axe clean', async () => {
      expect(signedIn, 'not signed in');
      const file = path.join(WORK, 'import-pair.csv');
      const lines = fs.readFileSync(path.join(WORK, 'places.csv'), 'utf8').split('\n');
      fs.writeFileSync(file, `${lines[0]}\n${lines[1].replace(/^"gen-000001"/, '"gen-twin"')}\n`);
      const imp = spawnSync(BIN, ['places', 'import', file, '--database', DATABASE], { encoding: 'utf8', timeout: 60_000 });
      expect(imp.status === 0, `places import: exit ${imp.status}`);
      await goto(page, '/admin/doublons');
      expect(await page.locator('main table').count() >= 1, 'no pair shown');
      await axe(page);
    });
  } finally {
    await context.close();
  }
}

async function placesChecks(browser) {
  const context = await newContext(browser);
  const page = await newPage(context);
  try {
    const imported = await check(`places: ${PLACES} generated places imported, the search finds them`, importPlaces);
    await check('places: /lieux lists 20 places and shows them on the map (tiles, markers), axe clean', async () => {
      expect(imported, 'no places');
      await goto(page, '/lieux');
      await shell(page);
      const items = await page.locator('main .app-places > li').count();
      expect(items === 20, `${items} places listed, expected 20 (a page)`);
      await page.waitForSelector('#carte-lieux.leaflet-container', { state: 'visible', timeout: 10_000 })
        .catch(() => fail('the map did not start (#carte-lieux)'));
      const markers = await page.locator('#carte-lieux .leaflet-marker-icon').count();
      expect(markers === 20, `${markers} markers on the map, expected 20`);
      await page.waitForFunction(() => [...document.querySelectorAll('#carte-lieux img.leaflet-tile')]
        .some((t) => t.complete && t.naturalWidth > 0), null, { timeout: 10_000 })
        .catch(() => fail('no map tile loaded'));
      await screenshot(page, 'lieux.png');
      await axe(page);
    });
    await check('places: search near a commune by keyboard; results nearest first, axe clean', async () => {
      expect(imported, 'no places');
      await goto(page, '/lieux');
      await focusTop(page);
      await typeInto(page, '#near_commune', 'Paris');
      await tabTo(page, 'main form button[type="submit"]');
      await navigating(page, () => page.keyboard.press('Enter'), 200);
      expect(new URL(page.url()).searchParams.get('near_commune') === 'Paris', `landed on ${pathOf(page.url())}`);
      const km = await distances(page);
      expect(km.length === 20, `${km.length} distances shown, expected 20`);
      expect(km.every((d, i) => i === 0 || km[i - 1] <= d), `not nearest first: ${km.join(' ')}`);
      expect(await page.locator('#near_commune').inputValue() === 'Paris', 'the form does not keep "Paris"');
      await axe(page);
    });
    await check('places: the first result opens its page (/lieux/{id}): name, address, hours, axe clean', async () => {
      expect(imported, 'no places');
      const link = page.locator('main .app-places h3 a').first();
      const name = (await link.innerText()).trim();
      await focusTop(page);
      await tabTo(page, link);
      const resp = await navigating(page, () => page.keyboard.press('Enter'), 200);
      expect(/^\/lieux\/[^/]+$/.test(new URL(resp.url()).pathname), `landed on ${pathOf(resp.url())}`);
      const h1 = await text(page, 'main h1');
      expect(h1 === name, `h1 is ${JSON.stringify(h1)}, expected ${JSON.stringify(name)}`);
      const main = await text(page, 'main');
      expect(/Adresse/.test(main) && /Horaires/.test(main), 'no "Adresse" or "Horaires" section');
      await shell(page);
      await screenshot(page, 'lieu.png');
      await axe(page);
    });
  } finally {
    await context.close();
  }
}

async function placesNoScriptChecks(browser) {
  const context = await newContext(browser, { javaScriptEnabled: false });
  const page = await newPage(context);
  const auditContext = await newContext(browser);
  const audit = await newPage(auditContext);
  try {
    await check('without JavaScript: /lieux lists the places (no map), the form and the pages work', async () => {
      await goto(page, '/lieux', 200, false);
      expect(await page.locator('#carte-lieux').isHidden(), 'the map container is shown without JavaScript');
      expect(await page.locator('main .app-places > li').count() === 20, 'no list of 20 places');
      await axeWithoutScript(page, audit);
      // The filters sit in a native <details>: open it, tick "Gratuit", search.
      await page.locator('main details summary').click();
      const gratuit = await page.locator('main input[name="frais"][value="Gratuit"]').getAttribute('id');
      await page.locator(`main label[for="${gratuit}"]`).click(); // DSFR draws the box on the label
      await focusTop(page);
      await tabTo(page, 'main form button[type="submit"]');
      await navigating(page, () => page.keyboard.press('Enter'), 200, false);
      expect(new URL(page.url()).searchParams.get('frais') === 'Gratuit', `landed on ${pathOf(page.url())}`);
      expect(await page.locator('main input[name="frais"][value="Gratuit"]').isChecked(), '"Gratuit" is not kept');
      await axeWithoutScript(page, audit);
      // The next page of the unfiltered list.
      await goto(page, '/lieux', 200, false);
      const next = page.locator('main .fr-pagination__link--next[href]');
      expect(await next.count() === 1, 'no "Page suivante" link');
      await navigating(page, () => next.click(), 200, false);
      expect(new URL(page.url()).searchParams.get('page') === '2', `landed on ${pathOf(page.url())}`);
      const items = await page.locator('main .app-places > li').count();
      expect(items >= 1, 'no place on page 2');
    });
  } finally {
    await context.close();
    await auditContext.close();
  }
}

// ---------------------------------------------------------------------------------------------
// Main

async function main() {
  for (const [k, v] of Object.entries({ TREMPLIN_BIN: BIN, TREMPLIN_STATIC_DIR: STATIC_DIR, TREMPLIN_TEST_ENGINE: ENGINE,
    TREMPLIN_TEST_DATABASE: DATABASE, TREMPLIN_TEST_WORK: WORK })) {
    if (!v) throw new Error(`${k} is not set (see tests/browser/run.mjs)`);
  }
  if (!['sqlite', 'postgresql'].includes(ENGINE)) throw new Error(`TREMPLIN_TEST_ENGINE must be sqlite or postgresql, not ${ENGINE}`);
  fs.mkdirSync(WORK, { recursive: true });
  const staticDir = path.resolve(STATIC_DIR);
  const port = await freePort();
  const config = path.join(WORK, 'server.ini');
  const log = path.join(WORK, 'server.log');
  fs.writeFileSync(config, `[server]\nbase_url = http://127.0.0.1:${port}\nstatic_dir = ${staticDir}\ntest_mode = true\n`);

  const started = Date.now();
  let server = null;
  let browser = null;
  let watchdog = null;
  try {
    const seeded = await check(`seed --demo (${ENGINE})`, async () => {
      const r = spawnSync(BIN, ['seed', '--demo', '--database', DATABASE, '--config', config],
        { encoding: 'utf8', timeout: 120_000 });
      fs.writeFileSync(path.join(WORK, 'seed.log'), `${r.stdout || ''}${r.stderr || ''}`);
      expect(r.status === 0, `exit ${r.status}${r.error ? ` (${r.error.message})` : ''}: ${(r.stderr || '').split('\n').slice(-5).join(' | ')}`);
    });
    if (!seeded) return;

    server = new Server(config, port, log);
    const up = await check('server starts and /healthz answers 200', async () => {
      server.start();
      await server.waitHealthy();
    });
    if (!up) return;
    BASE = server.base;

    // Past the deadline, stop everything: the finally blocks still run and report.
    watchdog = setTimeout(() => {
      report('suite deadline', `the suite ran longer than ${SUITE_DEADLINE / 1000} s; stopping`);
      if (browser) browser.close().catch(() => {});
    }, SUITE_DEADLINE);

    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });

    await anonymousChecks(browser);
    for (const [login, nav] of ACCOUNTS) await accountChecks(browser, login, nav);
    await accessChecks(browser);
    await adminJourney(browser);
    await noScriptChecks(browser);
    await placesChecks(browser);
    await placeEditChecks(browser);
    await placesNoScriptChecks(browser);
  } finally {
    clearTimeout(watchdog);
    if (browser) await browser.close().catch(() => {});
    if (server && server.proc) {
      await check('server stops on SIGTERM with exit 0, no sanitizer report', async () => {
        const exit = await server.stop();
        const text = fs.existsSync(log) ? fs.readFileSync(log, 'utf8') : '';
        const status = exit.timedOut ? 'killed: no stop within 30 s of SIGTERM'
          : `exit ${exit.code}${exit.signal ? ` (signal ${exit.signal})` : ''}`;
        const bad = ['ERROR: AddressSanitizer', 'ERROR: LeakSanitizer', 'runtime error:', 'ThreadSanitizer', 'Assertion']
          .filter((b) => text.includes(b));
        if (bad.length) {
          const lines = text.split('\n');
          const at = lines.findIndex((l) => bad.some((b) => l.includes(b)));
          fail(`${status}; ${bad.join(', ')} in the server log`, lines.slice(Math.max(0, at - 2), at + 18));
        }
        expect(text.includes('stopped cleanly'), `${status}; no "stopped cleanly" in the server log`, logTail(log, 12).split('\n'));
        expect(exit.code === 0, status, logTail(log, 12).split('\n'));
      });
    }
    console.log(`# ${ENGINE}: ${((Date.now() - started) / 1000).toFixed(1)} s; work dir ${WORK}`);
  }
}

let crashed = null;
try {
  await main();
} catch (e) {
  crashed = e;
}
if (crashed) report('suite', `crashed: ${crashed.stack || crashed}`);
console.log(`BROWSER ${passed} ${failed}`);
process.exit(failed ? 1 : 0);
