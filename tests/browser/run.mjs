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
import { createHmac } from 'node:crypto';
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
const SUITE_DEADLINE = 1_200_000; // a safety net against a hung browser, not a timing: a quiet machine needs a few minutes per engine
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
  ['/aide', 200],
  ['/contact', 200],
  ['/programmes', 200],
  ['/programmes/1', 200],
  ['/inscription-candidat', 200],
  ['/oidc/liaison', 200],
  ['/competences', 200],
  ['/donnees', 200],
  ['/actualites', 200],
  ['/actualites/1', 200],
  ['/nexiste-pas', 404],
];

// The main navigation as src/web/web.c's nav_items declares it: [href, the roles that see it ('*': everybody)], in
// order (the menus group them, in the same order). A new entry there is one line here.
const NAV = [
  ['/', '*'],
  ['/lieux', '*'],
  ['/programmes', '*'],
  ['/offres', '*'],
  ['/actualites', '*'],
  ['/competences', '*'],
  ['/donnees', '*'],
  ['/dossiers', 'employer regional pole national admin'],
  ['/structure/offres', 'employer'],
  ['/candidat', 'candidate'],
  ['/candidat/offres-suggerees', 'candidate'],
  ['/prescripteur', 'prescriber'],
  ['/candidatures', 'candidate employer prescriber'],
  ['/contrats', 'employer candidate pole regional national sponsor'],
  ['/sessions', 'trainer pole employer national admin candidate'],
  ['/sessions/a-risque', 'pole regional national admin'],
  ['/tuteurs', 'pole national admin employer'],
  ['/organismes-formation', 'national admin'],
  ['/poles', 'pole national admin'],
  ['/ressources', 'pole employer national admin'],
  ['/vivier', 'pole employer national'],
  ['/aides', 'employer regional pole national admin payer viewer'],
  ['/aides/demandes', 'employer regional pole national admin payer viewer'],
  ['/activite', 'candidate employer pole regional national viewer admin'],
  ['/pilotage', 'admin national viewer regional pole employer'],
  ['/pilotage/bilans', 'admin national viewer'],
  ['/admin/personnes', 'admin'],
  ['/admin/structures', 'admin'],
  ['/admin/journal', 'admin'],
  ['/admin/doublons', 'admin'],
  ['/comptes-en-attente', 'admin employer'],
  ['/lieux/import', 'admin national'],
];
const navOf = (role) => NAV.filter(([, roles]) => roles === '*' || roles.split(' ').includes(role)).map(([href]) => href);
// Demo accounts: [login, expected main navigation (hrefs, in order)].
const ACCOUNTS = [
  ['admin', navOf('admin')],
  ['national', navOf('national')],
  ['regional', navOf('regional')],
  ['pole', navOf('pole')],
  ['structure', navOf('employer')],
  ['prescripteur', navOf('prescriber')],
  ['formation', navOf('trainer')],
  ['candidat', navOf('candidate')],
  ['parrain', navOf('sponsor')],
  ['pilotage', navOf('viewer')],
  ['payeur', navOf('payer')],
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
  await visibleLabels(page);
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

// Every button and link styled as a button shows its text (RGAA 11.9, which axe does not see: DSFR turns an icon
// button of a group without fr-btns-group--icon-left into an icon alone, its text clipped away). A text counts
// when some of it is drawn inside the control's box, in a non-zero size and a visible colour. Run with axe on
// every audited page.
async function visibleLabels(page) {
  const bad = await page.evaluate(() => {
    const out = [];
    for (const el of document.querySelectorAll('button, a.fr-btn, input[type=submit], input[type=button]')) {
      const box = el.getBoundingClientRect();
      const st = getComputedStyle(el);
      if (box.width === 0 || box.height === 0 || st.visibility === 'hidden' || st.display === 'none') continue;
      let shown = el.tagName === 'INPUT' ? el.value : '';
      const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
      for (let n = walker.nextNode(); n; n = walker.nextNode()) {
        const cs = getComputedStyle(n.parentElement);
        if (parseFloat(cs.fontSize) === 0 || cs.color === 'transparent' || /rgba\(.*,\s*0\)$/.test(cs.color)) continue;
        const range = document.createRange();
        range.selectNodeContents(n);
        const inside = [...range.getClientRects()].some((q) => q.width > 1 && q.height > 1 && q.left >= box.left - 1 &&
          q.right <= box.right + 1 && q.top >= box.top - 1 && q.bottom <= box.bottom + 1);
        if (inside) shown += n.textContent;
      }
      if (!shown.trim()) out.push(el.outerHTML.slice(0, 200));
    }
    return out;
  });
  expect(bad.length === 0, `${pathOf(page.url())}: ${bad.length} button(s) without a visible text`, bad);
}

// No horizontal overflow at 1280 px inside <main>: every table fits its container (its key columns in view) and
// main itself does not scroll sideways.
async function noOverflow(page) {
  const got = await page.evaluate(() => {
    const main = document.querySelector('main');
    const tables = [...document.querySelectorAll('main table')].map((t) => {
      const c = t.closest('.fr-table__container') || t.parentElement;
      return { width: t.scrollWidth, room: c.clientWidth, caption: (t.caption ? t.caption.textContent : '').trim().slice(0, 60) };
    });
    return { main: main.scrollWidth, mainRoom: main.clientWidth, tables };
  });
  const where = pathOf(page.url());
  expect(got.main <= got.mainRoom + 1, `${where}: main is ${got.main} px wide for ${got.mainRoom} px`);
  for (const t of got.tables)
    expect(t.width <= t.room + 1, `${where}: the table "${t.caption}" is ${t.width} px wide for ${t.room} px`);
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

// The TOTP secret of the demo's admin, national officer and payer (src/demo/demo.h), and its RFC 6238 code now.
const DEMO_TOTP_SECRET = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';
function totp(secret) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const c of secret) bits += alphabet.indexOf(c).toString(2).padStart(5, '0');
  const key = Buffer.from(bits.match(/.{8}/g).map((b) => parseInt(b, 2)));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(Date.now() / 30_000)));
  const mac = createHmac('sha1', key).update(counter).digest();
  const o = mac[mac.length - 1] & 15;
  return String((mac.readUInt32BE(o) & 0x7fffffff) % 1_000_000).padStart(6, '0');
}

// Signs in through the form, keyboard only: Tab to the email, type it, Tab to the password, Enter; then, for an
// account with a second factor, the code typed on the second step (its last used time step forgotten first: a
// code is accepted once, and the suite signs in often).
async function signIn(page, login, js = true, axeSecondStep = false) {
  if (!/\/connexion/.test(page.url())) await goto(page, '/connexion', 200, js);
  await focusTop(page);
  await typeInto(page, '#email', email(login));
  await typeInto(page, '#password', PASSWORD);
  const resp = await navigating(page, () => page.keyboard.press('Enter'), 200, js);
  if (new URL(resp.url()).pathname !== '/connexion/second-facteur') return resp;
  if (axeSecondStep) {
    await shell(page);
    await axe(page);
  }
  sqlRun(`UPDATE second_factors SET last_step = 0 WHERE person_id = (SELECT id FROM people WHERE email = '${email(login)}')`);
  await focusTop(page);
  await typeInto(page, '#code', totp(DEMO_TOTP_SECRET));
  return navigating(page, () => page.keyboard.press('Enter'), 200, js);
}

// The second factor's pages under axe: the second step of a sign-in (payer), the enrolment page with its QR code
// and its error summary (a candidate, for whom it is optional).
async function secondFactorChecks(browser) {
  const context = await newContext(browser);
  const page = await newPage(context);
  try {
    await check('second factor: the sign-in code page, axe clean, then the account', async () => {
      const resp = await signIn(page, 'payeur', true, true);
      expect(new URL(resp.url()).pathname === '/', `after the code: ${pathOf(resp.url())}, expected /`);
      await signOut(page);
    });
    await check('second factor: the enrolment page (QR code, key as text) and a wrong code, axe clean', async () => {
      await signIn(page, 'candidat');
      await goto(page, '/compte/double-authentification');
      await shell(page);
      expect(await page.locator('main img[src^="data:image/svg+xml"]').count() === 1, 'no QR code');
      expect(/^[A-Z2-7]{32}$/.test(await text(page, '#cle-totp')), 'no key as text');
      await axe(page);
      await page.fill('#code', '000000');
      await submitForm(page, '/compte/double-authentification', 422);
      await errorSummary(page, ['code']);
      await axe(page);
      await signOut(page);
    });
  } finally {
    await context.close().catch(() => {});
  }
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
    if (login === 'admin') {
      // The largest navigation: its menus fit the bar at 1280 px, one opens on a click and shows its links; on a
      // phone the bar folds into the « Menu » button, which opens the same menus.
      await check('admin: the navigation fits at 1280 px and its menus open', async () => {
        expect(signedIn, 'not signed in');
        await goto(page, '/');
        const overflow = await page.locator('#navigation-principale .fr-nav__list').evaluate((ul) => ul.scrollWidth - ul.clientWidth);
        expect(overflow <= 0, `the navigation overflows by ${overflow} px`);
        const button = page.locator('#navigation-principale .fr-nav__btn', { hasText: 'Administration' });
        await button.click();
        expect(await button.getAttribute('aria-expanded') === 'true', 'the menu did not open');
        const journal = page.locator('#navigation-principale a[href="/admin/journal"]');
        await journal.waitFor({ state: 'visible' });
        await page.setViewportSize({ width: 375, height: 800 });
        await goto(page, '/');
        expect(!(await page.locator('#navigation-principale').isVisible()), 'the navigation shows on a phone before the menu is opened');
        await page.locator('#bouton-menu').click();
        await page.locator('#navigation-principale .fr-nav__btn', { hasText: 'Administration' }).click();
        await journal.waitFor({ state: 'visible' });
        await page.setViewportSize({ width: 1280, height: 900 }); // back first, whatever axe finds
        await goto(page, '/');
        await axe(page);
      });
    }
    for (const href of [...hrefs, '/compte', '/mes-donnees', '/notifications']) {
      await check(`${login}: ${href} axe clean`, async () => {
        expect(signedIn, 'not signed in');
        await goto(page, href);
        await shell(page);
        if (href !== '/compte' && href !== '/mes-donnees' && href !== '/notifications') {
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
      const hasPerson = rows.some((r) => new RegExp(`^(person|personne)\\w*( n°)? ${personId}$`, 'i').test(r[3]) && /creat|cré/i.test(r[4]));
      const hasOrg = rows.some((r) => new RegExp(`^(organisation|structure)\\w*( n°)? ${orgId}$`, 'i').test(r[3]) && /creat|cré/i.test(r[4]));
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
      await page.locator('label[for="full"]').click(); // « Accès complet »: a token needs its scopes
      await page.locator('#name').focus();
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
      expect(/^Révoqué le /.test(state), `the token's state is ${JSON.stringify(state)}, expected "Révoqué le …"`);
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

// Activity reports: the recruit fills in a report with the keyboard only (radios, presets, checkboxes), meets the
// error summary, duplicates the last one; the statistics (SVG and tables), the vocabularies and the advisers
// without a report; each page axe clean.
async function activityChecks(browser) {
  const context = await newContext(browser);
  const page = await newPage(context);
  try {
    const signedIn = await check('activity: sign in as the recruit', async () => {
      await signIn(page, 'candidat');
    });
    await check('activity: /activite/nouveau filled in with the keyboard only, axe clean', async () => {
      expect(signedIn, 'not signed in');
      await goto(page, '/activite/nouveau');
      await shell(page);
      await axe(page);
      await focusTop(page);
      await tabTo(page, '#type-1');
      await page.keyboard.press('Space');
      await tabTo(page, '#place_kind-1');
      await page.keyboard.press('ArrowDown'); // « À domicile »: arrows move within a radio group
      expect(await page.locator('#place_kind-2').isChecked(), 'the arrow did not choose #place_kind-2');
      await typeInto(page, '#commune_code', '26362');
      await tabTo(page, '#duration_min-1');
      await page.keyboard.press('ArrowDown'); // 30 min
      expect(await page.locator('#duration_min-2').isChecked(), 'the arrow did not choose 30 min');
      await typeInto(page, '#participants', '1');
      await tabTo(page, '#themes-1');
      await page.keyboard.press('Space');
      await tabTo(page, 'main form button[type="submit"]');
      await navigating(page, () => page.keyboard.press('Enter'), 200);
      expect(new URL(page.url()).pathname === '/activite', `landed on ${pathOf(page.url())}, expected /activite`);
      await axe(page);
    });
    await check('activity: a bad report shows the error summary, axe clean', async () => {
      expect(signedIn, 'not signed in');
      await goto(page, '/activite/nouveau');
      await page.fill('#participants', '500');
      await navigating(page, () => page.click('main form button[type="submit"]'), 422);
      await errorSummary(page, ['participants']);
      await axe(page);
    });
    await check('activity: duplicate the last report, statistics with their SVG, vocabularies, axe clean', async () => {
      expect(signedIn, 'not signed in');
      await goto(page, '/activite/nouveau?dupliquer=1');
      await axe(page);
      await goto(page, '/activite/statistiques');
      expect(await page.locator('main svg[role="img"]').count() === 1, 'no chart');
      await axe(page);
      await goto(page, '/activite/vocabulaires');
      await axe(page);
    });
  } finally {
    await context.close();
  }
  const other = await newContext(browser);
  const page2 = await newPage(other);
  try {
    const signedIn = await check('activity: sign in as national', async () => {
      await signIn(page2, 'national');
    });
    for (const p of ['/activite/statistiques?niveau=region&code=84&courbe=month', '/activite/vocabulaires', '/activite/relances']) {
      await check(`activity: ${p} axe clean`, async () => {
        expect(signedIn, 'not signed in');
        await goto(page2, p);
        await shell(page2);
        await axe(page2);
      });
    }
  } finally {
    await other.close();
  }
}

// Changing the directory (after placesChecks imported places): the edit form of a place with an error, the
// form of a new place and the page of the place created (similar places, timeline), the import page with its
// report, the likely duplicates side by side; each axe clean.
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
      const bad = csvCells(fs.readFileSync(path.join(WORK, 'places.csv'), 'utf8').split('\n')[1]);
      bad[0] = 'gen-bad';
      bad[1] = '12'; // a pivot must be a SIRET (14 digits) or 00000000000000
      fs.writeFileSync(file, `${header}\n${csvLine(bad)}\n`);
      await page.setInputFiles('#fichier', file);
      await navigating(page, () => page.click('main form button[type="submit"]'), 422);
      expect((await text(page, 'main .fr-alert--error')).includes("Rien n'a été importé"), 'no refusal shown');
      expect(await page.locator('main table tbody tr').count() >= 1, 'no problem listed');
      await axe(page);
    });
    await check('place creation: /lieux/nouveau, its errors, then the new place with its likely duplicate and its timeline, axe clean', async () => {
      expect(signedIn, 'not signed in');
      await goto(page, '/lieux/nouveau');
      await shell(page);
      await axe(page);
      await navigating(page, () => page.click('main form button[type="submit"]'), 422);
      await errorSummary(page, ['pivot', 'nom', 'commune', 'code_postal', 'adresse']);
      await axe(page);
      // gen-000001 again, under another id: a likely duplicate.
      const [header, first] = fs.readFileSync(path.join(WORK, 'places.csv'), 'utf8').split('\n');
      const names = csvCells(header);
      const values = csvCells(first);
      const value = (name) => values[names.indexOf(name)];
      for (const f of ['pivot', 'nom', 'commune', 'code_postal', 'adresse']) await page.fill(`#${f}`, value(f));
      const resp = await navigating(page, () => page.click('main form button[type="submit"]'), 200);
      expect(/^\/lieux\/tremplin-/.test(new URL(resp.url()).pathname), `landed on ${pathOf(resp.url())}`);
      expect((await flash(page)).includes('des lieux semblables existent déjà'), 'no warning about similar places');
      expect(await page.locator('main a[href="/lieux/gen-000001"]').count() >= 1, 'gen-000001 is not listed as similar');
      expect((await text(page, 'main table')).includes('Création'), 'no timeline with the creation');
      await shell(page);
      await axe(page);
    });
    await check('duplicates: /admin/doublons compares a pair side by side, axe clean', async () => {
      expect(signedIn, 'not signed in');
      const file = path.join(WORK, 'import-pair.csv');
      const lines = fs.readFileSync(path.join(WORK, 'places.csv'), 'utf8').split('\n');
      const twin = csvCells(lines[1]);
      twin[0] = 'gen-twin';
      fs.writeFileSync(file, `${lines[0]}\n${csvLine(twin)}\n`);
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

// One line of an RFC 4180 file (no line break inside a cell, as the generated places file has none) into its
// cells, and back: the places CSV quotes a cell only where it must, so the tests never assume a quoting style.
function csvCells(line) {
  const cells = [];
  let cell = '', quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') { cell += '"'; i++; } else if (c === '"') quoted = false; else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') { cells.push(cell); cell = ''; } else if (c !== '\r') cell += c;
  }
  cells.push(cell);
  return cells;
}

function csvLine(cells) {
  return cells.map((c) => (/[",\r\n]/.test(c) ? `"${c.replace(/"/g, '""')}"` : c)).join(',');
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
// Programmes and dossiers

const DEMO_PLACE = 'demo-ateliers-numeriques-crest';
const EAV_NAME = "2000 Emplois d'Avenir en EPN";
const OPINION_SUGGESTIONS = 'Élargir l’accueil aux collégiens le mercredi après-midi.';
const OPINION_ADVICE = 'Prévoir un tuteur suppléant pendant l’été, « à mi-temps ».';

// A 14-digit SIRET with a valid Luhn key.
function siret() {
  const digits = '4420173110012'.split('').map(Number);
  for (let key = 0; key < 10; key++) {
    const all = [...digits, key];
    const sum = all.reduce((s, d, i) => s + (i % 2 === 0 ? (d * 2 > 9 ? d * 2 - 9 : d * 2) : d), 0);
    if (sum % 10 === 0) return all.join('');
  }
  return null;
}

// Text as pdftotext gives it, made comparable: one kind of space and of apostrophe.
const plain = (s) => s.replace(/[\s\u00a0\u202f]+/g, ' ').replace(/’/g, "'").trim();

// Clicks the submit button of the form posting to ACTION (a suffix of its action URL).
// Since the follow of a candidate is a request the candidate accepts (their consent), a prescriber asks on
// /prescripteur (always the same answer: back to the list), the candidate accepts on /candidat, and the
// prescriber then opens the profile from the list. PR and CAND are pages signed in as each; returns the id.
async function followWithConsent(pr, cand, address, name) {
  await goto(pr, '/prescripteur');
  await pr.fill('#email', address);
  const asked = await submitForm(pr, '/prescripteur/suivre', 200);
  expect(new URL(asked.url()).pathname === '/prescripteur', `after asking, landed on ${pathOf(asked.url())}`);
  expect(await pr.locator('main a', { hasText: name }).count() === 0, 'the profile shows before the candidate accepted');
  await goto(cand, '/candidat');
  const accept = cand.locator('main form[action^="/candidat/suivis/"][action$="/accepter"] button[type="submit"]');
  expect(await accept.count() === 1, 'the candidate sees no request to accept');
  await axe(cand);
  await navigating(cand, () => accept.click(), 200);
  await goto(pr, '/prescripteur');
  const link = pr.locator('main a', { hasText: name });
  expect(await link.count() === 1, 'the candidate is not listed after accepting');
  const resp = await navigating(pr, () => link.click(), 200);
  const m = /\/prescripteur\/candidats\/(\d+)$/.exec(new URL(resp.url()).pathname);
  expect(m, `the candidate's link led to ${pathOf(resp.url())}`);
  return m[1];
}

// Signs in a person who is not one of the demo accounts.
async function signInWith(page, address, password) {
  await goto(page, '/connexion');
  await page.fill('#email', address);
  await page.fill('#password', password);
  return navigating(page, () => page.locator('main form[action="/connexion"] button[type="submit"]').click(), 200);
}

async function submitForm(page, action, status = 200, js = true) {
  const button = page.locator(`main form[action$="${action}"] button[type="submit"]`);
  expect(await button.count() === 1, `no form posting to …${action} on ${pathOf(page.url())}`);
  return navigating(page, () => button.click(), status, js);
}

// The confirmation step of an irreversible action, on the page a form led to: the question states the consequence
// (QUESTION), the page is axe clean and offers a way back without acting; « Oui, … » sends the form again, confirmed.
async function confirmStep(page, question, status = 200, js = true) {
  const main = await text(page, 'main');
  expect(question.test(main), `the confirmation page does not ask ${question} (got ${JSON.stringify(main.slice(0, 300))})`);
  expect(await page.locator('main a.fr-btn--secondary', { hasText: 'revenir sans rien changer' }).count() === 1,
    'the confirmation page has no way back without acting');
  await axe(page);
  return navigating(page, () => page.locator('main form input[name="confirmed"] ~ ul button[type="submit"]').click(), status, js);
}

// Fills the Annex I form of the EAV-EPN programme (the page is the form).
async function fillAnnex(page) {
  const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
  await page.selectOption('#place_id', DEMO_PLACE);
  await page.locator('main label[for="netpublic"]').click();
  await page.selectOption('#employer_category', 'association');
  await page.fill('#contact_name', 'Sébastien Structure');
  await page.fill('#contact_email', 'contact@ateliers.exemple.fr');
  await page.fill('#project', 'Recruter un jeune pour le Fab Lab mobile de la vallée.');
  await page.selectOption('#job_profile_id', { label: 'Forgeur numérique' });
  await page.fill('#posts_requested', '2');
  await page.fill('#tutor_name', 'Hélène Tutrice');
  await page.fill('#tutor_qualities', 'Animatrice multimédia depuis dix ans.');
  await page.fill('#sponsor_name', 'Paul Parrain');
  await page.fill('#sponsor_qualities', 'Chef d’entreprise du numérique.');
  await page.fill('#company_name', 'Valence Informatique Services');
  await page.fill('#company_siret', siret());
  await page.fill('#company_activity', 'Maintenance informatique');
  const pole = await page.locator('#pole_id option').evaluateAll((os) => {
    const o = os.find((x) => /Centre-Est/.test(x.textContent));
    return o ? o.value : null;
  });
  expect(pole, 'no "Centre-Est" pole offered');
  await page.selectOption('#pole_id', pole);
  await page.fill('#training_path', 'Prise de poste, puis conception et fabrication numériques.');
  await page.fill('#development_project', 'Ouvrir l’atelier le samedi.\nAccueillir les collèges du territoire.');
  await page.fill('#signed_on', yesterday);
  await page.fill('#signatory', 'La présidente de l’association');
}

async function dossierChecks(browser) {
  const contexts = [];
  const open = async (login) => {
    const context = await newContext(browser);
    contexts.push(context);
    const page = await newPage(context);
    await signIn(page, login);
    return { context, page };
  };
  let dossier = null; // "/dossiers/N"
  try {
    await check('programmes: /programmes and /programmes/1 (rules, job profiles, poles, quotas table), axe clean', async () => {
      const context = await newContext(browser);
      contexts.push(context);
      const page = await newPage(context);
      await goto(page, '/programmes');
      await shell(page);
      expect((await text(page, 'main table caption')).length > 0, 'no table caption on /programmes');
      await axe(page);
      await navigating(page, () => page.locator('main table a', { hasText: EAV_NAME }).click(), 200);
      const main = await text(page, 'main');
      expect(/Forgeur numérique/.test(main) && /Pôle de ressources Centre-Est/.test(main), 'no job profiles or poles');
      expect(await page.locator('main table caption', { hasText: 'par région' }).count() === 1, 'no quotas table with its caption');
      await shell(page);
      await axe(page);
    });

    const st = await open('structure');
    const filed = await check('dossier journey: the structure files a dossier through the forms, axe clean', async () => {
      const { page } = st;
      await goto(page, '/dossiers/nouveau');
      await shell(page);
      await axe(page);
      await page.locator('main label', { hasText: EAV_NAME }).click();
      await navigating(page, () => page.locator('main form button[type="submit"]').click(), 200);
      expect(/\/dossiers\/nouveau\?dispositif=\d+$/.test(page.url()), `landed on ${pathOf(page.url())}`);
      await shell(page);
      await axe(page);
      await fillAnnex(page);
      const resp = await submitForm(page, '/dossiers/nouveau');
      const m = /^\/dossiers\/\d+$/.exec(new URL(resp.url()).pathname);
      expect(m, `after saving, landed on ${pathOf(resp.url())}`);
      dossier = m[0];
      expect(/brouillon est enregistré/.test(await flash(page)), 'no "brouillon enregistré" message');
      await screenshot(page, 'dossier-brouillon.png');
      await axe(page);
      await submitForm(page, `${dossier}/actions/submit`);
      expect(/déposé/.test(await flash(page)), `no "déposé" message (flash: ${await flash(page)})`);
      const badge = await page.locator('main .fr-badge').first().textContent(); // innerText is uppercased by CSS
      expect(/avis régional/.test(badge), `the state badge says ${JSON.stringify(badge)}, not that it awaits the opinion`);
      await axe(page);
    });

    const rg = await open('regional');
    const opined = await check('dossier journey: the regional officer gives an opinion "favorable avec réserves", axe clean', async () => {
      expect(filed, 'no dossier filed');
      const { page } = rg;
      await goto(page, '/dossiers');
      expect(await page.locator(`main table a[href="${dossier}"]`).count() === 1, 'the dossier is not in the regional queue');
      await axe(page);
      await goto(page, dossier);
      await shell(page);
      await axe(page);
      // Sent without a choice: the form comes back with its error, linked.
      await submitForm(page, `${dossier}/actions/give_opinion`, 422);
      const links = await errorSummary(page, []);
      expect(links.some((l) => l.href === '#give_opinion-opinion'), 'the summary does not link to the opinion choice');
      await axe(page);
      await page.locator('#give_opinion-opinion label', { hasText: 'Favorable avec réserves' }).click();
      await page.fill('#give_opinion-suggestions', OPINION_SUGGESTIONS);
      await page.fill('#give_opinion-advice', OPINION_ADVICE);
      await submitForm(page, `${dossier}/actions/give_opinion`);
      expect(/avis régional sur le dossier n° \d+ est rendu/.test(await flash(page)), 'no confirmation of the opinion');
      const main = await text(page, 'main');
      expect(main.includes(OPINION_SUGGESTIONS) && main.includes('Favorable avec réserves'), 'the opinion is not shown');
      await axe(page);
    });

    const nat = await open('national');
    const validated = await check('dossier journey: the national officer validates, axe clean', async () => {
      expect(opined, 'no opinion given');
      const { page } = nat;
      await goto(page, dossier);
      await axe(page);
      await page.fill('#validate-posts_granted', '2');
      await submitForm(page, `${dossier}/actions/validate`);
      await confirmStep(page, /Valider ce dossier \? Le protocole sera établi/);
      expect(/Le dossier n° \d+ est validé/.test(await flash(page)), 'no confirmation of the validation');
      await screenshot(page, 'dossier-valide.png');
      await axe(page);
    });

    await check('dossier journey: the structure downloads the protocol; pdftotext reads the opinion and the decision', async () => {
      expect(validated, 'not validated');
      const { page, context } = st;
      await goto(page, dossier);
      const badge = await page.locator('main .fr-badge').first().textContent();
      expect(/Validé/.test(badge), `the badge says ${JSON.stringify(badge)}, not "Validé"`);
      const link = page.locator('main a', { hasText: 'Télécharger le protocole (PDF)' });
      const href = await link.getAttribute('href');
      expect(href === `${dossier}/protocole.pdf`, `the PDF link is ${href}`);
      const resp = await context.request.get(url(href));
      expect(resp.status() === 200 && resp.headers()['content-type'] === 'application/pdf', `the PDF answered ${resp.status()} ${resp.headers()['content-type']}`);
      const file = path.join(WORK, 'protocole.pdf');
      fs.writeFileSync(file, await resp.body());
      const out = spawnSync('pdftotext', ['-enc', 'UTF-8', file, '-'], { encoding: 'utf8', timeout: 30_000 });
      expect(out.status === 0, `pdftotext: exit ${out.status}: ${out.stderr}`);
      const pdf = plain(out.stdout);
      for (const want of ['Favorable avec réserves', OPINION_SUGGESTIONS, OPINION_ADVICE, 'Décision nationale : Délégation aux usages de l\'Internet',
        'Postes accordés', 'Hélène Tutrice', 'Nadia Délégation', 'Rémi Chargé-de-mission']) {
        expect(pdf.includes(plain(want)), `the PDF text lacks ${JSON.stringify(want)}`, [pdf.slice(0, 600)]);
      }
      expect(/Conformité du projet validée : oui/i.test(pdf), 'the PDF does not say the project is validated', [pdf.slice(-600)]);
      await axe(page);
    });

    await check('dossiers: the list exports (CSV, XLSX) answer with their files', async () => {
      expect(filed, 'no dossier filed');
      const { page, context } = nat;
      await goto(page, '/dossiers?etat=validated');
      expect(await page.locator(`main table a[href="${dossier}"]`).count() === 1, 'the validated dossier is not listed');
      for (const [label, type] of [['Exporter en CSV', 'text/csv'], ['Exporter en XLSX', 'application/vnd.openxmlformats']]) {
        const href = await page.locator('main a', { hasText: label }).getAttribute('href');
        const resp = await context.request.get(url(href));
        expect(resp.status() === 200 && resp.headers()['content-type'].startsWith(type), `${label}: ${resp.status()} ${resp.headers()['content-type']}`);
        expect(/^attachment;/.test(resp.headers()['content-disposition'] || ''), `${label}: not an attachment`);
      }
      await axe(page);
    });

    await check('programmes: the national officer\'s forms (programme, job profile), errors shown, axe clean', async () => {
      const { page } = nat;
      for (const p of ['/programmes/1', '/programmes/1/modifier', '/programmes/1/metiers/nouveau', '/metiers/1/modifier']) {
        await goto(page, p);
        await shell(page);
        await axe(page);
      }
      await goto(page, '/programmes/nouveau');
      await axe(page);
      await focusTop(page);
      await tabTo(page, 'main form button[type="submit"]');
      await navigating(page, () => page.keyboard.press('Enter'), 422);
      await errorSummary(page, ['code', 'name']);
      await axe(page);
    });
  } finally {
    for (const c of contexts) await c.close();
  }
}

// ---------------------------------------------------------------------------------------------
// Job offers: a dossier validated through the API, an offer published through the structure's form, then every
// page of the offers under axe (anonymous, structure, national, candidate).

// A bearer-token client of the demo account LOGIN (the token made by `tremplin token create`): (method, path, body,
// statuses accepted besides 2xx) -> the JSON answer.
function apiAs(login) {
  const r = spawnSync(BIN, ['token', 'create', email(login), 'browser-offers', '--database', DATABASE],
    { encoding: 'utf8', timeout: 60_000 });
  expect(r.status === 0, `token create ${login}: exit ${r.status}: ${r.stderr}`);
  const token = r.stdout.trim();
  return async (method, p, body, allowed = []) => {
    const resp = await fetch(url(p), { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: body ? JSON.stringify(body) : undefined });
    const json = await resp.json().catch(() => null);
    expect(resp.ok || allowed.includes(resp.status), `${method} ${p} answered ${resp.status}: ${JSON.stringify(json).slice(0, 300)}`);
    return resp.ok ? json : null;
  };
}

// A new dossier of the demo structure on the EAV-EPN programme, validated with POSTS posts; its id.
async function validatedDossier(posts) {
  const [st, rg, nat] = [apiAs('structure'), apiAs('regional'), apiAs('national')];
  const eav = (await st('GET', '/api/v1/programmes')).items.find((p) => p.code === 'EAV-EPN-2013');
  const prog = await st('GET', `/api/v1/programmes/${eav.id}`);
  const d = await st('POST', '/api/v1/dossiers', {
    programme_id: eav.id, place_id: DEMO_PLACE, employer_category: 'association', contact_name: 'Sébastien Structure',
    contact_email: 'structure@demo.tremplin.fr', project: 'Recruter des médiateurs numériques.',
    job_profile_id: prog.job_profiles.find((j) => j.code === 'forgeur-numerique').id, tutor_name: 'Hélène Tutrice',
    tutor_qualities: 'Animatrice multimédia.', sponsor_name: 'Paul Parrain', sponsor_qualities: 'Chef d’entreprise.',
    company_name: 'Valence Informatique Services', company_siret: siret(), company_activity: 'Maintenance informatique',
    pole_id: prog.poles.find((x) => x.code === 'centre-est').id, training_path: 'Prise de poste puis médiation.',
    development_project: 'Ouvrir le samedi.', posts_requested: posts, signed_on: '2025-09-01', signatory: 'La présidente',
  });
  let version = d.version;
  for (const [client, action, payload] of [[st, 'submit', {}], [rg, 'give_opinion', { opinion: 'favourable' }],
    [nat, 'validate', { posts_granted: posts }]]) {
    version = (await client('POST', `/api/v1/dossiers/${d.id}/actions/${action}`, { version, ...payload })).version;
  }
  return d.id;
}

async function offerChecks(browser) {
  const contexts = [];
  const open = async (login) => {
    const context = await newContext(browser);
    contexts.push(context);
    const page = await newPage(context);
    if (login) await signIn(page, login);
    return page;
  };
  let offer = null; // "/offres/N"
  try {
    let dossier = null;
    const ready = await check('offers: a dossier validated through the API', async () => {
      dossier = await validatedDossier(2);
    });
    const st = await open('structure');
    const published = await check('offers: the structure publishes an offer through its form (errors first), axe clean', async () => {
      expect(ready, 'no validated dossier');
      await goto(st, '/structure/offres');
      await shell(st);
      await axe(st);
      const link = st.locator(`main a[href="/dossiers/${dossier}/offres/nouvelle"]`);
      expect(await link.count() === 1, 'no "Publier une offre" link for the validated dossier');
      await navigating(st, () => link.click(), 200);
      await shell(st);
      await axe(st);
      await submitForm(st, `/dossiers/${dossier}/offres/nouvelle`, 422);
      await errorSummary(st, ['title', 'start_on', 'duration_months', 'description']);
      await axe(st);
      await st.fill('#title', 'Médiateur numérique (emploi d’avenir)');
      await st.fill('#start_on', '2030-09-01');
      await st.fill('#duration_months', '24');
      await st.fill('#description', 'Accompagner les habitants dans leurs démarches.\nAnimer les ateliers du samedi.');
      await st.fill('#how_to_apply', 'CV et lettre à recrutement@ateliers.exemple.fr');
      const resp = await submitForm(st, `/dossiers/${dossier}/offres/nouvelle`);
      const m = /^\/offres\/\d+$/.exec(new URL(resp.url()).pathname);
      expect(m, `after publishing, landed on ${pathOf(resp.url())}`);
      offer = m[0];
      await shell(st);
      await axe(st);
    });
    const profiled = await check('offers: the demo candidate has a profile in Crest (candidate API)', async () => {
      const cand = apiAs('candidat');
      const me = await cand('GET', '/api/v1/candidates/me', undefined, [404]);
      const eav = (await cand('GET', '/api/v1/programmes')).items.find((p) => p.code === 'EAV-EPN-2013');
      const profiles = (await cand('GET', `/api/v1/programmes/${eav.id}`)).job_profiles.map((j) => j.id);
      await cand('PATCH', '/api/v1/candidates/me', { version: me ? me.version : 0, birth_date: '2004-03-01',
        commune_code: '26108', qualification_level: '3', max_distance_km: 30, wished_profiles: profiles, hidden: false });
    });
    await check('offers: the structure\'s edit form, candidates page (a row and its proposal form) and list, axe clean', async () => {
      expect(published, 'no offer published');
      await goto(st, `${offer}/candidats`);
      if (profiled) {
        expect(await st.locator(`main table form[action^="${offer}/candidats/"] button`).count() >= 1,
          'no "Proposer une mise en relation" form for the demo candidate');
      }
      for (const p of [`${offer}/modifier`, `${offer}/candidats`, '/structure/offres']) {
        await goto(st, p);
        await shell(st);
        await axe(st);
      }
    });
    const anon = await open(null);
    await check('offers: the public board, a search by distance, an invalid search and one offer, axe clean', async () => {
      expect(published, 'no offer published');
      await goto(anon, '/offres');
      await shell(anon);
      await axe(anon);
      await goto(anon, '/offres?commune=Crest&radius_km=20');
      expect(await anon.locator(`main a[href="${offer}"]`).count() === 1, 'the offer is not found near Crest');
      await axe(anon);
      await goto(anon, '/offres?lat=abc&lon=1', 422);
      await axe(anon);
      await goto(anon, offer);
      await shell(anon);
      expect(await anon.locator(`main a[href="${offer}/candidater"]`).count() === 1, 'no "Candidater" link');
      await axe(anon);
      const feed = await fetch(url('/offres.atom'));
      expect(feed.status === 200 && /^application\/atom\+xml/.test(feed.headers.get('content-type')), `the feed answered ${feed.status}`);
    });
    const nat = await open('national');
    await check('offers: the national officer sees the candidates page, axe clean', async () => {
      expect(published, 'no offer published');
      await goto(nat, `${offer}/candidats`);
      await axe(nat);
    });
    const cand = await open('candidat');
    await check('offers: the candidate\'s suggested offers, axe clean', async () => {
      await goto(cand, '/candidat/offres-suggerees');
      if (profiled && published) expect(await cand.locator(`main a[href="${offer}"]`).count() === 1, 'the offer is not suggested');
      await shell(cand);
      await axe(cand);
    });
  } finally {
    for (const c of contexts) await c.close();
  }
}

// The Annex I form without JavaScript, by keyboard: the programme chosen, a wrong email refused and named, then saved.
async function dossierNoScriptChecks(browser) {
  const context = await newContext(browser, { javaScriptEnabled: false });
  const page = await newPage(context);
  const auditContext = await newContext(browser);
  const audit = await newPage(auditContext);
  try {
    await check('without JavaScript: the dossier form by keyboard (choice, error summary, draft saved)', async () => {
      await goto(page, '/connexion', 200, false);
      await signIn(page, 'structure', false);
      await goto(page, '/dossiers/nouveau', 200, false);
      await axeWithoutScript(page, audit);
      await page.locator('main label', { hasText: EAV_NAME }).click();
      await focusTop(page);
      await tabTo(page, 'main form button[type="submit"]');
      await navigating(page, () => page.keyboard.press('Enter'), 200, false);
      await axeWithoutScript(page, audit);
      await focusTop(page);
      await typeInto(page, '#contact_name', 'Léa Sans-Script');
      await typeInto(page, '#contact_email', 'pas-une-adresse');
      await tabTo(page, 'main form button[type="submit"]');
      await navigating(page, () => page.keyboard.press('Enter'), 422, false);
      await errorSummary(page, ['contact_email']);
      expect(await page.locator('#contact_name').inputValue() === 'Léa Sans-Script', 'the name typed is not kept');
      await axeWithoutScript(page, audit);
      await focusTop(page);
      await typeInto(page, '#contact_email', 'lea@exemple.fr');
      await tabTo(page, 'main form button[type="submit"]');
      const resp = await navigating(page, () => page.keyboard.press('Enter'), 200, false);
      expect(/^\/dossiers\/\d+$/.test(new URL(resp.url()).pathname), `landed on ${pathOf(resp.url())}`);
      expect(/brouillon est enregistré/.test(await flash(page)), 'no "brouillon enregistré" message');
      await axeWithoutScript(page, audit);
    });
  } finally {
    await context.close();
    await auditContext.close();
  }
}

// ---------------------------------------------------------------------------------------------
// Main

// Self-registration ends with a link sent by email: this server has no SMTP, so the browser takes the link from the
// outbox, opens it (axe clean) and confirms; the answer of the confirmation (a redirect to /candidat, signed in).
async function confirmRegistration(page, address) {
  const body = sqlRun(`SELECT body FROM outbox WHERE recipient = '${address.toLowerCase()}' `
    + `AND subject LIKE 'Confirmez%' ORDER BY id DESC LIMIT 1`);
  const m = /\/inscription\/confirmer\/[A-Za-z0-9_-]+/.exec(body);
  expect(m, `no confirmation link for ${address} in the outbox`);
  await goto(page, m[0]);
  await axe(page);
  return submitForm(page, m[0], 200);
}

// Candidates and prescribers: the registration form (its errors, the commune search), the candidate's own page with
// a refused CV, the prescriber following the new candidate and recording a diagnosis; each page axe clean.
async function candidateChecks(browser) {
  const context = await newContext(browser);
  const page = await newPage(context);
  const stamp = Date.now().toString(36);
  const candidate = `jeune-${stamp}@exemple.fr`;
  let registered = false;
  let candidateId = null;
  try {
    await check('registration: an empty form shows the error summary, a commune name several bear offers them, axe clean', async () => {
      await goto(page, '/inscription-candidat');
      await shell(page);
      await focusTop(page);
      await tabTo(page, 'main form[action="/inscription-candidat"] button[type="submit"]');
      await navigating(page, () => page.keyboard.press('Enter'), 422);
      await errorSummary(page, ['email', 'name', 'password', 'birth_date', 'commune_code', 'qualification_level']);
      await axe(page);
      await page.fill('#commune_code', 'Beaulieu');
      await submitForm(page, '/inscription-candidat', 422);
      const n = await page.locator('main input[type="radio"][name="commune_code"]').count();
      expect(n >= 2, `the communes named Beaulieu are not offered (${n} radios)`);
      await axe(page);
    });
    registered = await check('registration: a candidate registers, lands on "Mon profil", axe clean', async () => {
      await goto(page, '/inscription-candidat');
      await page.fill('#email', candidate);
      await page.fill('#name', `Jeune Essai ${stamp}`);
      await page.fill('#password', 'mot-de-passe-du-jeune');
      await page.fill('#password_confirm', 'mot-de-passe-du-jeune');
      await page.fill('#birth_date', '2004-03-01');
      await page.fill('#commune_code', 'Crest');
      await page.selectOption('#qualification_level', '3');
      await page.fill('#seeking_since', '2025-01-06');
      await page.locator('main fieldset#wished_profiles .fr-checkbox-group label').first().click();
      await submitForm(page, '/inscription-candidat', 200);
      expect((await text(page, 'main h1')) === 'Vérifiez votre messagerie', 'no "check your mailbox" page');
      await axe(page);
      const resp = await confirmRegistration(page, candidate);
      expect(new URL(resp.url()).pathname === '/candidat', `landed on ${pathOf(resp.url())}, expected /candidat`);
      const f = await flash(page);
      expect(/compte candidat est créé/.test(f), `no confirmation (flash: ${JSON.stringify(f)})`);
      await shell(page);
      await axe(page);
    });
    await check('candidate: a file that is not a PDF is refused with its message, axe clean', async () => {
      expect(registered, 'not registered');
      const file = path.join(WORK, 'pas-un-cv.pdf');
      fs.writeFileSync(file, 'Ceci n’est pas un PDF.\n');
      await page.setInputFiles('#cv', file);
      await submitForm(page, '/candidat/cv', 422);
      await errorSummary(page, ['cv']);
      await axe(page);
      await signOut(page);
    });
    await check('prescriber: follows the new candidate, records a diagnosis (error summary first), axe clean', async () => {
      expect(registered, 'not registered');
      const cand = await newPage(await newContext(browser));
      await signInWith(cand, candidate, 'mot-de-passe-du-jeune');
      await signIn(page, 'prescripteur');
      candidateId = await followWithConsent(page, cand, candidate, `Jeune Essai ${stamp}`);
      await cand.context().close();
      await shell(page);
      await axe(page);
      await page.selectOption('#programme_id', { label: '2000 Emplois d\'Avenir en EPN' });
      await page.locator('main label[for="decision-2"]').click();
      await submitForm(page, `/prescripteur/candidats/${candidateId}/eligibilite`, 422);
      await errorSummary(page, ['comment']);
      await axe(page);
      await page.locator('main label[for="decision-1"]').click();
      await submitForm(page, `/prescripteur/candidats/${candidateId}/eligibilite`, 200);
      const rows = await text(page, '#diagnostics ~ .fr-table');
      expect(/Éligible/.test(rows), `the diagnosis is not listed (got ${JSON.stringify(rows.slice(0, 200))})`);
      await axe(page);
      await goto(page, '/prescripteur');
      expect((await text(page, 'main table')).includes(`Jeune Essai ${stamp}`), 'the candidate is not in the list');
      await axe(page);
      await signOut(page);
    });
  } finally {
    await context.close();
  }
}

// ---------------------------------------------------------------------------------------------
// Training: a contract built through the APIs, then its path (the template applied, a module edited and started),
// a session created by the trainer's form, the structure registering its recruit with a module, the trainer's
// attendance filling the module, the pole's sessions at risk and tutors, a training organisation's form; every
// page under axe.

// Runs one SQL statement on the suite's database with the engine's client (a row no page makes: the eligibility
// diagnosis a prescriber would record); its output.
function sqlRun(statement) {
  const r = DATABASE.startsWith('sqlite:')
    ? spawnSync('sqlite3', [DATABASE.slice('sqlite:'.length), statement], { encoding: 'utf8', timeout: 30_000 })
    : spawnSync('psql', [DATABASE, '-v', 'ON_ERROR_STOP=1', '-qAtc', statement], { encoding: 'utf8', timeout: 30_000 });
  expect(r.status === 0, `sql: exit ${r.status}: ${r.stderr}`);
  return r.stdout.trim();
}

// A bearer-token client of the account ADDRESS.
function apiForEmail(address) {
  const r = spawnSync(BIN, ['token', 'create', address, 'browser-training', '--database', DATABASE],
    { encoding: 'utf8', timeout: 60_000 });
  expect(r.status === 0, `token create ${address}: exit ${r.status}: ${r.stderr}`);
  const token = r.stdout.trim();
  return async (method, p, body) => {
    const resp = await fetch(url(p), { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: body ? JSON.stringify(body) : undefined });
    const json = await resp.json().catch(() => null);
    expect(resp.ok, `${method} ${p} answered ${resp.status}: ${JSON.stringify(json).slice(0, 300)}`);
    return json;
  };
}

// Today in Paris (the server's clock) moved by DAYS, as YYYY-MM-DD.
function parisDay(days = 0) {
  const d = new Date(`${new Date().toLocaleDateString('sv-SE', { timeZone: 'Europe/Paris' })}T12:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

// A young person recruited by the demo structure on a new offer: the contract's id.
async function recruit() {
  const st = apiForEmail(email('structure'));
  const dossier = await validatedDossier(1);
  const eav = (await st('GET', '/api/v1/programmes')).items.find((p) => p.code === 'EAV-EPN-2013');
  const prog = await st('GET', `/api/v1/programmes/${eav.id}`);
  const offer = await st('POST', `/api/v1/dossiers/${dossier}/offers`, {
    title: 'Forgeur numérique (parcours)', job_profile_id: prog.job_profiles.find((j) => j.code === 'forgeur-numerique').id,
    place_id: DEMO_PLACE, start_on: '2027-01-04', contract_type: 'CDD', duration_months: 12, weekly_hours: 35, posts: 1,
    description: 'Animer le fablab.', how_to_apply: 'Sur la plateforme.' });
  const address = `parcours-${Date.now().toString(36)}@exemple.fr`;
  // Registered by an admin (a visitor's registration waits for the link sent by email: candidateChecks).
  await apiForEmail(email('admin'))('POST', '/api/v1/candidates', { email: address, name: 'Jade Parcours',
    password: 'mot-de-passe-solide-2026', birth_date: '2003-05-17', commune_code: '26108', qualification_level: '3',
    seeking_since: '2025-01-06', max_distance_km: 40, available_from: '2026-12-01' });
  const pid = sqlRun(`SELECT id FROM people WHERE email = '${address}'`);
  sqlRun('INSERT INTO eligibility_diagnoses (candidate_id, programme_id, organisation_id, prescriber_id, criteria, '
    + `computed_eligible, eligible, decided_on, valid_until, created_at) VALUES (${pid}, ${eav.id}, (SELECT id FROM `
    + "organisations WHERE name = 'Mission locale Vallée de la Drôme'), (SELECT id FROM people WHERE email = "
    + `'${email('prescripteur')}'), '{}', 1, 1, '2026-01-05', '2030-01-05', 1700000000)`);
  const app = await apiForEmail(address)('POST', `/api/v1/offers/${offer.id}/applications`, { message: 'Bonjour.' });
  const tutor = sqlRun(`SELECT id FROM people WHERE email = '${email('structure')}'`);
  const accepted = await st('POST', `/api/v1/applications/${app.id}/actions/accept`, {
    version: app.version, start_on: '2027-01-04', end_on: '2028-01-03', tutor_id: Number(tutor),
    tutor_experience: 'Dix ans d’animation.', sponsor_name: 'Paul Parrain', sponsor_contact: 'paul@exemple.fr' });
  return { contract: accepted.contract_id, programme: eav.id, tutor };
}

// The confirmation steps of the roles' irreversible actions, through the pages: the candidate withdraws an
// application (asked first) and applies again; the admin grants the admin role, then removes it (each asked first).
async function confirmationChecks(browser) {
  const context = await newContext(browser);
  try {
    let app = null;
    let address = null;
    const ready = await check('confirmations: an application built through the APIs', async () => {
      const st = apiForEmail(email('structure'));
      const dossier = await validatedDossier(1);
      const eav = (await st('GET', '/api/v1/programmes')).items.find((p) => p.code === 'EAV-EPN-2013');
      const prog = await st('GET', `/api/v1/programmes/${eav.id}`);
      const offer = await st('POST', `/api/v1/dossiers/${dossier}/offers`, {
        title: 'Médiateur numérique (retrait)', job_profile_id: prog.job_profiles.find((j) => j.code === 'forgeur-numerique').id,
        place_id: DEMO_PLACE, start_on: '2027-01-04', contract_type: 'CDD', duration_months: 12, weekly_hours: 35, posts: 1,
        description: 'Animer des ateliers.', how_to_apply: 'Sur la plateforme.' });
      address = `retrait-${Date.now().toString(36)}@exemple.fr`;
      await apiForEmail(email('admin'))('POST', '/api/v1/candidates', { email: address, name: 'Léo Retrait',
        password: 'mot-de-passe-solide-2026', birth_date: '2003-05-17', commune_code: '26108', qualification_level: '3',
        seeking_since: '2025-01-06', max_distance_km: 40, available_from: '2026-12-01' });
      app = await apiForEmail(address)('POST', `/api/v1/offers/${offer.id}/applications`, { message: 'Bonjour.' });
    });
    await check('confirmations: the candidate withdraws (asked first, consequence stated), then applies again, axe clean', async () => {
      expect(ready, 'no application');
      const page = await newPage(context);
      await signInWith(page, address, 'mot-de-passe-solide-2026');
      await goto(page, `/candidatures/${app.id}`);
      await submitForm(page, `/candidatures/${app.id}/actions/withdraw`);
      await confirmStep(page, /Retirer votre candidature \? La structure en sera informée ; vous pourrez candidater à nouveau/);
      expect(new RegExp(`Votre candidature n° ${app.id} est retirée`).test(await flash(page)), `no message after withdrawing (got ${JSON.stringify(await flash(page))})`);
      await axe(page);
      await submitForm(page, `/candidatures/${app.id}/actions/reapply`);
      expect(/candidaté à nouveau/.test(await flash(page)), `no message after applying again (got ${JSON.stringify(await flash(page))})`);
      await signOut(page);
    });
    await check('confirmations: the admin grants the admin role, then removes it, each asked first, axe clean', async () => {
      expect(ready, 'no account');
      const page = await newPage(context);
      await signIn(page, 'admin');
      const pid = sqlRun(`SELECT id FROM people WHERE email = '${address}'`);
      await goto(page, `/admin/personnes/${pid}`);
      await page.selectOption('main select[name="role"]', 'admin');
      await submitForm(page, `/admin/personnes/${pid}/roles`);
      await confirmStep(page, /Donner le rôle d'administrateur à cette personne \? Elle pourra tout lire et tout modifier/);
      expect(/rôle a été ajouté/.test(await flash(page)), `no message after granting (got ${JSON.stringify(await flash(page))})`);
      const mid = sqlRun(`SELECT id FROM memberships WHERE person_id = ${pid} AND role = 'admin'`);
      await submitForm(page, `/admin/personnes/${pid}/roles/${mid}/retirer`);
      await confirmStep(page, /Retirer le rôle « Administrateur[^»]*» à Léo Retrait \?/);
      expect(/rôle a été retiré/.test(await flash(page)), `no message after removing (got ${JSON.stringify(await flash(page))})`);
      await axe(page);
    });
  } finally {
    await context.close();
  }
}

async function trainingChecks(browser) {
  const contexts = [];
  const open = async (login) => {
    const context = await newContext(browser);
    contexts.push(context);
    const page = await newPage(context);
    await signIn(page, login);
    return page;
  };
  let r = null;
  let session = null; // "/sessions/N"
  try {
    const ready = await check('training: a contract built through the APIs', async () => {
      r = await recruit();
    });
    const st = await open('structure');
    const applied = await check('training: the structure applies the job profile\'s template to the path, axe clean', async () => {
      expect(ready, 'no contract');
      await goto(st, `/contrats/${r.contract}/parcours`);
      await shell(st);
      await axe(st);
      await submitForm(st, `/contrats/${r.contract}/parcours/modele`);
      expect(/parcours type est appliqué/.test(await flash(st)), `no flash after applying (got ${JSON.stringify(await flash(st))})`);
      expect(await st.locator('main progress').count() === 1, 'no progress display of the hours');
      expect(await st.locator('main table tbody tr').count() >= 4, 'the modules of the template are not listed');
      await axe(st);
    });
    await check('training: a module\'s page, its error summary, then started, axe clean', async () => {
      expect(applied, 'no module');
      const manage = `/contrats/${r.contract}/parcours/modules/`;
      await navigating(st, () => st.locator(`main a[href^="${manage}"][href$="/modifier"]`).first().click(), 200);
      const modulePage = pathOf(st.url());
      await shell(st);
      await axe(st);
      await st.fill('#title', '');
      await submitForm(st, '/modifier', 422);
      await errorSummary(st, ['title']);
      await axe(st);
      await st.fill('#title', 'Prise de poste et sécurité');
      await submitForm(st, '/modifier');
      await goto(st, modulePage);
      await submitForm(st, '/actions/start');
      expect(/Prise de poste et sécurité/.test(await text(st, 'main table')), 'the module was not renamed');
      await axe(st);
    });
    const tr = await open('formation');
    const created = await check('training: the trainer creates a session through its form (errors first), axe clean', async () => {
      expect(ready, 'no contract');
      await goto(tr, '/sessions/nouvelle');
      await shell(tr);
      await axe(tr);
      await submitForm(tr, '/sessions/nouvelle', 422);
      await errorSummary(tr, ['programme_id', 'title']);
      await axe(tr);
      await tr.selectOption('#programme_id', String(r.programme));
      await tr.fill('#title', 'Fabrication numérique : premiers pas');
      // The place is typed by its name (a picker of the directory): the organisation's places are suggested, the
      // first one taken as a person would pick it from the list.
      const suggested = await tr.locator('#place_id-lieux option').evaluateAll((os) => (os[0] || {}).value);
      expect(suggested, 'the session form suggests none of the organisation\'s places');
      await tr.fill('#place_id', suggested);
      await tr.fill('#starts_on', parisDay(-1));
      await tr.fill('#ends_on', parisDay(0));
      await tr.fill('#hours', '14');
      await tr.fill('#capacity', '8');
      await tr.fill('#min_registrants', '1');
      await tr.fill('#registration_deadline', parisDay(0));
      const resp = await submitForm(tr, '/sessions/nouvelle');
      const m = /^\/sessions\/\d+$/.exec(new URL(resp.url()).pathname);
      expect(m, `after creating, landed on ${pathOf(resp.url())}`);
      session = m[0];
      await shell(tr);
      await axe(tr);
    });
    const registered = await check('training: the structure registers its recruit with a module of the path, axe clean', async () => {
      expect(created, 'no session');
      await goto(st, session);
      await axe(st);
      await st.selectOption('#register-contract_id', String(r.contract));
      // The first module of this recruit's path (the list holds the modules of every path of the structure).
      const path = await apiAs('structure')('GET', `/api/v1/contracts/${r.contract}/path`);
      await st.selectOption('#register-path_module_id', String(path.modules[0].id));
      await submitForm(st, `${session}/inscriptions`);
      expect(/place est réservée/.test(await flash(st)), `no flash after registering (got ${JSON.stringify(await flash(st))})`);
      await axe(st);
    });
    await check('training: the trainer records attendance, which fills the module\'s hours, axe clean', async () => {
      expect(registered, 'nobody registered');
      await goto(tr, session);
      await axe(tr);
      await goto(tr, `${session}/presences`);
      await shell(tr);
      await axe(tr);
      // The page has two forms on its own address: the day picker (GET) and the sheet (POST).
      await navigating(tr, () => tr.locator('main form[method="post"] button[type="submit"]').click(), 200);
      expect(/présences sont enregistrées/.test(await flash(tr)), 'no flash after recording attendance');
      await axe(tr);
      await goto(st, `/contrats/${r.contract}/parcours`);
      expect(/7\s*h effectuées/.test(plain(await text(st, 'main'))), 'the path does not show the 7 hours done');
      await axe(st);
    });
    const pole = await open('pole');
    await check('training: the pole\'s sessions at risk, tutors and a tutor\'s record, axe clean', async () => {
      for (const p of ['/sessions/a-risque', '/sessions?a_risque=1', '/tuteurs?sans_formation=1', '/tuteurs',
        ...(r ? [`/tuteurs/${r.tutor}`, `/contrats/${r.contract}/parcours`] : [])]) {
        await goto(pole, p);
        await shell(pole);
        await axe(pole);
      }
    });
    const nat = await open('national');
    await check('training: the national officer\'s form of a training organisation and its errors, axe clean', async () => {
      await goto(nat, '/organismes-formation');
      await navigating(nat, () => nat.locator('main a[href^="/organismes-formation/"]').first().click(), 200);
      await shell(nat);
      await axe(nat);
      await nat.fill('#accredited_from', '2026-06-01');
      await nat.fill('#accredited_until', '2026-01-01');
      await submitForm(nat, '/modifier', 422);
      await errorSummary(nat, ['accredited_until']);
      await axe(nat);
    });
  } finally {
    for (const c of contexts) await c.close();
  }
}

// Steering: the dashboard (charts and tables) for the national officer, the regional officer and the structure, the
// annual reports' page with a report produced from it, under axe.
async function steeringChecks(browser) {
  const contexts = [];
  const open = async (login) => {
    const context = await newContext(browser);
    contexts.push(context);
    const page = await newPage(context);
    await signIn(page, login);
    return page;
  };
  try {
    for (const login of ['national', 'regional', 'structure', 'pilotage']) {
      const page = await open(login);
      await check(`steering: ${login} sees the dashboard (charts and tables), axe clean`, async () => {
        await goto(page, '/pilotage');
        expect(await page.locator('main svg[role="img"]').count() > 10, 'no charts');
        expect(await page.locator('main table caption').count() > 10, 'no tables');
        await shell(page);
        await axe(page);
      });
    }
    const nat = await open('national');
    await check('steering: the national officer produces an annual report from the page, axe clean', async () => {
      await goto(nat, '/pilotage/bilans');
      await axe(nat);
      await navigating(nat, () => nat.click('main form button[type="submit"]'));
      expect(await nat.locator('main table a[href$="/pdf"]').count() >= 1, 'no report listed');
      await axe(nat);
    });
  } finally {
    for (const c of contexts) await c.close();
  }
}

// The resource poles: a pole's page, its form (national), the preliminary diagnosis of a submitted dossier and the
// dossier page showing it, the resources library (upload) and the vivier (a company through its form); each page,
// with its error summary, under axe.
async function subsidyChecks(browser) {
  const context = await newContext(browser);
  try {
    const st = apiAs('structure');
    const me = await st('GET', '/api/v1/me');
    const org = me.memberships.find((m) => m.role === 'employer').organisation_id;
    const decisions = await st('GET', '/api/v1/aid-decisions');
    const page = await newPage(context);
    await signIn(page, 'structure');
    await check('subsidies: the schedule page, its payment request form and its error summary, axe clean', async () => {
      expect(decisions.items.length > 0, 'the demo has no aid decision');
      await goto(page, `/aides/${decisions.items[0].id}`);
      await shell(page);
      await axe(page);
      await submitForm(page, '/demandes', 422);
      await errorSummary(page, ['month']);
      await axe(page);
    });
    await check('subsidies: the bank details form refuses an IBAN with a wrong key, axe clean', async () => {
      await goto(page, `/aides/coordonnees-bancaires/${org}`);
      await shell(page);
      await axe(page);
      await page.fill('#iban', 'FR76 3000 6000 0112 3456 7890 188');
      await submitForm(page, `/aides/coordonnees-bancaires/${org}`, 422);
      await errorSummary(page, ['iban']);
      await axe(page);
    });
    await check('subsidies: the SMIC table and the lists, axe clean', async () => {
      for (const p of ['/aides/smic', '/aides/demandes', '/aides/reversements']) {
        await goto(page, p);
        await shell(page);
        await axe(page);
      }
    });
  } finally {
    await context.close().catch(() => {});
  }
}

// The main lists at 1280 px, for the roles that read them: no table wider than its room, nothing in main
// overflowing; and the pickers' pages (a commune by name, the week of opening hours) axe clean.
async function layoutChecks(browser) {
  const lists = {
    national: ['/dossiers', '/contrats', '/candidatures', '/poles', '/sessions', '/programmes/1'],
    structure: ['/dossiers', '/contrats', '/candidatures', '/offres'],
    pole: ['/poles', '/vivier', '/ressources', '/sessions'],
    formation: ['/sessions'],
  };
  for (const [login, paths] of Object.entries(lists)) {
    const context = await newContext(browser);
    try {
      const page = await newPage(context);
      if (!(await check(`layout: sign in as ${login}`, () => signIn(page, login)))) continue;
      for (const p of paths) {
        await check(`layout: ${login}'s ${p} fits at 1280 px, every button shows its text`, async () => {
          await goto(page, p);
          await noOverflow(page);
          await visibleLabels(page);
        });
      }
    } finally {
      await context.close();
    }
  }
  await check('pickers: a commune typed by its name offers the matches; the week of opening hours; axe clean', async () => {
    const context = await newContext(browser);
    try {
      const page = await newPage(context);
      await signIn(page, 'admin');
      await goto(page, '/admin/structures/nouvelle');
      await page.fill('#name', `Structure ${Date.now().toString(36)}`);
      await page.selectOption('#kind', 'employer');
      await page.fill('#commune_code', 'Beaulieu');
      await submitForm(page, '/admin/structures/nouvelle', 422);
      const n = await page.locator('main input[type="radio"][name="commune_code"]').count();
      expect(n >= 2, `the matches of "Beaulieu" are not offered (${n} radios)`);
      await axe(page);
      await page.locator('main label[for^="commune_code-choix-"]').first().click();
      await submitForm(page, '/admin/structures/nouvelle', 200);
      await goto(page, '/lieux/nouveau');
      expect(await page.locator('main input[type="time"]').count() === 28, 'the week of opening hours is not there');
      await axe(page);
    } finally {
      await context.close();
    }
  });
}

async function poleChecks(browser) {
  const contexts = [];
  const open = async (login) => {
    const context = await newContext(browser);
    contexts.push(context);
    const page = await newPage(context);
    await signIn(page, login);
    return page;
  };
  try {
    const st = apiAs('structure');
    const eav = (await st('GET', '/api/v1/programmes')).items.find((p) => p.code === 'EAV-EPN-2013');
    const prog = await st('GET', `/api/v1/programmes/${eav.id}`);
    const centreEst = prog.poles.find((x) => x.code === 'centre-est').id;
    const pole = await open('pole');
    const nat = await open('national');
    await check('poles: the national officer\'s form of a pole and its error summary, axe clean', async () => {
      await goto(nat, `/poles/${centreEst}/modifier`);
      await shell(nat);
      await axe(nat);
      await nat.fill('#name', '');
      await submitForm(nat, '/modifier', 422);
      await errorSummary(nat, ['name']);
      await axe(nat);
    });
    let dossier = null;
    const diagnosed = await check('poles: the preliminary diagnosis of a dossier (errors, then saved), axe clean', async () => {
      const d = await st('POST', '/api/v1/dossiers', {
        programme_id: eav.id, place_id: DEMO_PLACE, employer_category: 'association', contact_name: 'Sébastien Structure',
        contact_email: 'structure@demo.tremplin.fr', project: 'Recruter un médiateur numérique.',
        job_profile_id: prog.job_profiles.find((j) => j.code === 'forgeur-numerique').id, tutor_name: 'Hélène Tutrice',
        tutor_qualities: 'Animatrice multimédia.', sponsor_name: 'Paul Parrain', sponsor_qualities: 'Chef d’entreprise.',
        company_name: 'Valence Informatique Services', company_siret: siret(), company_activity: 'Maintenance informatique',
        pole_id: centreEst, training_path: 'Prise de poste puis médiation.', development_project: 'Ouvrir le samedi.',
        posts_requested: 1, signed_on: '2025-09-01', signatory: 'La présidente' });
      await st('POST', `/api/v1/dossiers/${d.id}/actions/submit`, { version: d.version });
      dossier = d.id;
      await goto(pole, `/dossiers/${dossier}/diagnostic-prealable`);
      await shell(pole);
      await axe(pole);
      await submitForm(pole, '/diagnostic-prealable', 422);
      await errorSummary(pole, []);
      await axe(pole);
      for (const item of ['equipment', 'space', 'public', 'partners', 'tutor']) {
        await pole.locator(`main label[for="item_${item}-1"]`).click();
      }
      await pole.fill('#item_tutor_comment', 'Le tuteur est disponible deux jours par semaine.');
      await pole.locator('main label[for="conclusion-2"]').click();
      await pole.fill('#recommendations', 'Prévoir un second poste pour le fablab.');
      await submitForm(pole, '/diagnostic-prealable');
      expect(/Favorable sous conditions/.test(await text(pole, 'main')), 'the diagnosis is not shown after saving');
      await axe(pole);
    });
    await check('poles: the dossier page shows the diagnosis to the regional officer, axe clean', async () => {
      expect(diagnosed, 'no diagnosis');
      const rg = await open('regional');
      await goto(rg, `/dossiers/${dossier}`);
      expect(/Diagnostic préalable du pôle de ressources/.test(await text(rg, 'main')), 'no diagnosis block');
      await axe(rg);
    });
    await check('poles: /poles/{id} lists the dossiers of the pole\'s regions, axe clean', async () => {
      await goto(pole, `/poles/${centreEst}`);
      await shell(pole);
      expect(/Équipe du pôle/.test(await text(pole, 'main')), 'no staff section');
      expect(!dossier || await pole.locator(`main a[href="/dossiers/${dossier}"]`).count() === 1, 'the dossier is not listed');
      await axe(pole);
    });
    await check('poles: a resource uploaded through its form (errors first), then found, axe clean', async () => {
      await goto(pole, '/ressources/nouvelle');
      await shell(pole);
      await axe(pole);
      await submitForm(pole, '/ressources/nouvelle', 422);
      await errorSummary(pole, ['title']);
      await axe(pole);
      await pole.setInputFiles('#file', { name: 'plan-de-salle.png', mimeType: 'image/png', buffer: TILE_PNG });
      await pole.fill('#title', 'Plan de la salle du fablab');
      await pole.fill('#description', 'Disposition des postes pour un atelier de douze personnes.');
      await pole.fill('#tags', 'fablab, aménagement');
      await submitForm(pole, '/ressources/nouvelle');
      expect(new URL(pole.url()).pathname === '/ressources', `after publishing, landed on ${pathOf(pole.url())}`);
      await goto(pole, '/ressources?q=salle+fablab&mot_cle=fablab');
      expect(/1 ressource trouvée/.test(await text(pole, 'main')), 'the resource is not found');
      await axe(pole);
    });
    await check('poles: a company added to the vivier through its form (errors first), then searched, axe clean', async () => {
      await goto(pole, '/vivier/nouveau');
      await shell(pole);
      await axe(pole);
      await submitForm(pole, '/vivier/nouveau', 422);
      await errorSummary(pole, ['name', 'siret', 'commune_code']);
      await axe(pole);
      await pole.fill('#name', 'Drôme Réseaux');
      await pole.fill('#siret', siret());
      await pole.fill('#activity', 'Installation de réseaux');
      await pole.fill('#commune_code', '26108');
      await pole.locator('main label[for="job_profiles-1"]').click();
      await submitForm(pole, '/vivier/nouveau');
      await goto(pole, '/vivier?region=84&activite=reseaux');
      expect(/Drôme Réseaux/.test(await text(pole, 'main')), 'the company is not found');
      await axe(pole);
    });
  } finally {
    for (const c of contexts) await c.close();
  }
}

// Recruitment: a candidate registers and applies, the prescriber confirms the eligibility the programme requires, the
// structure accepts with the contract form, and the contract shows the tutor and the sponsor; every page under axe.
async function recruitmentChecks(browser) {
  const contexts = [];
  const open = async (login) => {
    const context = await newContext(browser);
    contexts.push(context);
    const page = await newPage(context);
    if (login) await signIn(page, login);
    return page;
  };
  const stamp = Date.now().toString(36);
  const candidate = `recrue-${stamp}@exemple.fr`;
  const name = `Jeune Recrue ${stamp}`;
  const start = new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10);
  let offer = null; // "/offres/N"
  let application = null; // "/candidatures/N"
  let contract = null; // "/contrats/N"
  try {
    const ready = await check('recruitment: a dossier validated and an offer published through the API', async () => {
      const dossier = await validatedDossier(1);
      const o = await apiAs('structure')('POST', `/api/v1/dossiers/${dossier}/offers`, {
        title: `Médiateur numérique ${stamp}`, start_on: start, contract_type: 'CDD', duration_months: 12,
        weekly_hours: 35, description: 'Animer les ateliers du Fab Lab et accompagner les habitants.' });
      offer = `/offres/${o.id}`;
    });
    const page = await open(null);
    const applied = await check('recruitment: a candidate registers, then applies from the offer with a message, axe clean', async () => {
      expect(ready, 'no offer');
      await goto(page, '/inscription-candidat');
      await page.fill('#email', candidate);
      await page.fill('#name', name);
      await page.fill('#password', 'mot-de-passe-de-la-recrue');
      await page.fill('#password_confirm', 'mot-de-passe-de-la-recrue');
      await page.fill('#birth_date', '2004-03-01');
      await page.fill('#commune_code', 'Crest');
      await page.selectOption('#qualification_level', '3');
      await page.fill('#seeking_since', '2025-01-06');
      await page.locator('main fieldset#wished_profiles label').first().click();
      await submitForm(page, '/inscription-candidat', 200);
      let resp = await confirmRegistration(page, candidate);
      expect(new URL(resp.url()).pathname === '/candidat', `registration landed on ${pathOf(resp.url())}`);
      await goto(page, offer);
      await navigating(page, () => page.locator(`main a[href="${offer}/candidater"]`).click(), 200);
      await shell(page);
      await axe(page);
      await page.fill('#message', 'Je souhaite animer les ateliers du samedi.');
      resp = await submitForm(page, `${offer}/candidater`);
      const m = /^\/candidatures\/\d+$/.exec(new URL(resp.url()).pathname);
      expect(m, `after applying, landed on ${pathOf(resp.url())}`);
      application = m[0];
      expect((await text(page, 'main')).includes('Je souhaite animer les ateliers du samedi.'), 'the message is not shown');
      await shell(page);
      await axe(page);
      await goto(page, '/candidatures');
      expect(await page.locator(`main a[href="${application}"]`).count() === 1, 'the application is not in "Mes candidatures"');
      await axe(page);
    });
    const eligible = await check('recruitment: the prescriber follows the candidate and confirms the eligibility', async () => {
      expect(applied, 'no application');
      const pr = await open('prescripteur');
      const cand = await open(null);
      await signInWith(cand, candidate, 'mot-de-passe-de-la-recrue');
      const id = await followWithConsent(pr, cand, candidate, name);
      await pr.selectOption('#programme_id', { label: EAV_NAME });
      await pr.locator('main label[for="decision-1"]').click();
      await submitForm(pr, `/prescripteur/candidats/${id}/eligibilite`, 200);
    });
    const accepted = await check('recruitment: the structure accepts with the contract form (errors first), axe clean', async () => {
      expect(eligible, 'no eligibility diagnosis');
      const st = await open('structure');
      await goto(st, '/candidatures');
      await shell(st);
      await axe(st);
      await navigating(st, () => st.locator(`main a[href="${application}"]`).click(), 200);
      await shell(st);
      await axe(st);
      expect(await st.locator('#accept-start_on').inputValue() === start, 'the start date is not the offer\'s');
      await st.fill('#accept-start_on', '');
      await submitForm(st, `${application}/actions/accept`, 422);
      await errorSummary(st, ['accept-start_on']);
      await axe(st);
      await st.fill('#accept-start_on', start);
      await st.fill('#accept-tutor_experience', 'Animatrice du Fab Lab depuis dix ans.');
      await st.fill('#accept-sponsor_contact', 'paul.parrain@exemple.fr');
      await submitForm(st, `${application}/actions/accept`);
      const resp = await confirmStep(st, /Retenir cette candidature et établir le contrat \?/);
      const m = /^\/contrats\/\d+$/.exec(new URL(resp.url()).pathname);
      expect(m, `after accepting, landed on ${pathOf(resp.url())}`);
      contract = m[0];
      const main = await text(st, 'main');
      for (const want of ['Sébastien Structure', 'Animatrice du Fab Lab depuis dix ans.', 'Paul Parrain',
        'paul.parrain@exemple.fr', 'Valence Informatique Services', 'Démarrer le contrat']) {
        expect(main.includes(want), `the contract page does not show ${JSON.stringify(want)}`);
      }
      await shell(st);
      await axe(st);
    });
    await check('recruitment: the young person sees the contract with tutor and sponsor, axe clean', async () => {
      expect(accepted, 'no contract');
      await goto(page, '/contrats');
      await navigating(page, () => page.locator(`main a[href="${contract}"]`).click(), 200);
      const main = await text(page, 'main');
      expect(main.includes('Sébastien Structure') && main.includes('Paul Parrain'), 'no tutor or sponsor on the contract');
      expect(!main.includes('Vos actions'), 'the young person is offered actions');
      await shell(page);
      await axe(page);
    });
    await check('skills grid: the young person then the tutor assess, the chart and its table show both, axe clean', async () => {
      expect(accepted, 'no contract');
      const today = new Date().toISOString().slice(0, 10);
      await goto(page, `${contract}/grille`);
      await shell(page);
      await axe(page);
      await submitForm(page, `${contract}/grille`, 422);
      await errorSummary(page, ['moment', 'assessed_on']);
      await axe(page);
      await page.selectOption('#moment', 'start');
      await page.fill('#assessed_on', today);
      const first = page.locator('main select[name^="levels."]').first();
      await first.selectOption('3');
      await submitForm(page, `${contract}/grille`);
      expect(/évaluation est enregistrée/.test(await flash(page)), 'no flash after the self-assessment');
      const tutor = await open('structure');
      await goto(tutor, `${contract}/grille`);
      await tutor.selectOption('#moment', 'start');
      await tutor.fill('#assessed_on', today);
      await tutor.locator('main select[name^="levels."]').first().selectOption('4');
      await submitForm(tutor, `${contract}/grille`);
      const main = await text(tutor, 'main');
      expect(main.includes('Autodiagnostic') && main.includes('Évaluation du tuteur'), 'the table lacks a column');
      expect(await tutor.locator('main svg[role="img"][aria-label*="autodiagnostic 3 ; évaluation du tuteur 4"]').count() === 1,
        'the first chart does not describe both levels');
      await shell(tutor);
      await axe(tutor);
    });
  } finally {
    for (const c of contexts) await c.close();
  }
}

// The network's news (a national officer publishes through the form, errors first) and the integrators' webhooks (the
// subscriptions page, its form, a subscription's page, then its deletion), each page under axe.
async function newsAndWebhookChecks(browser) {
  const context = await newContext(browser);
  try {
    const page = await newPage(context);
    await signIn(page, 'national');
    await check('news: a news item published through its form (errors first), its page and the list, axe clean', async () => {
      await goto(page, '/actualites/nouvelle');
      await shell(page);
      await axe(page);
      await submitForm(page, '/actualites/nouvelle', 422);
      await errorSummary(page, ['title', 'summary', 'body']);
      await axe(page);
      await page.fill('#title', 'Un outil libre de prise de rendez-vous');
      await page.fill('#summary', 'Un outil libre pour les EPN, présenté par le pôle.');
      await page.fill('#body', 'Un outil **libre** et [documenté](https://example.org/outil).\n\n- simple\n- gratuit');
      await page.fill('#tags', 'outils');
      await submitForm(page, '/actualites/nouvelle');
      expect(/^\/actualites\/\d+$/.test(new URL(page.url()).pathname), `after publishing, landed on ${pathOf(page.url())}`);
      expect(await page.locator('main strong').count() >= 1, 'the body is not rendered');
      await axe(page);
      await goto(page, '/actualites?mot_cle=outils');
      expect(/Un outil libre de prise de rendez-vous/.test(await text(page, 'main')), 'the item is not listed');
      await axe(page);
    });
    await check('webhooks: the subscriptions page, its form (errors first), a subscription\'s page, axe clean', async () => {
      await goto(page, '/webhooks');
      await shell(page);
      await axe(page);
      await submitForm(page, '/webhooks', 422);
      await errorSummary(page, ['url']);
      await axe(page);
      await page.fill('#url', 'https://rh.example.org/hooks/tremplin');
      await page.click('label[for="events-dossier"]');
      await submitForm(page, '/webhooks');
      expect(/^\/webhooks\/\d+$/.test(new URL(page.url()).pathname), `after subscribing, landed on ${pathOf(page.url())}`);
      expect(/whsec_/.test(await text(page, 'main')), 'no signing secret');
      await axe(page);
      await submitForm(page, '/supprimer');
      expect(new URL(page.url()).pathname === '/webhooks', `after deleting, landed on ${pathOf(page.url())}`);
    });
  } finally {
    await context.close();
  }
}

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
  // Both OpenID providers configured, so that the sign-in page shows their buttons under axe (nothing here follows
  // them: the providers' addresses are never fetched).
  const oidc = ['proconnect', 'franceconnect'].map((n) => `[oidc.${n}]\nissuer = https://${n}.invalid\nclient_id = c\nclient_secret = s\n`);
  fs.writeFileSync(config, `[server]\nbase_url = http://127.0.0.1:${port}\nstatic_dir = ${staticDir}\ntest_mode = true\n${oidc.join('')}`);

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
    await secondFactorChecks(browser);
    await adminJourney(browser);
    await noScriptChecks(browser);
    await placesChecks(browser);
    await placeEditChecks(browser);
    await placesNoScriptChecks(browser);
    await dossierChecks(browser);
    await dossierNoScriptChecks(browser);
    await offerChecks(browser);
    await candidateChecks(browser);
    await recruitmentChecks(browser);
    await confirmationChecks(browser);
    await trainingChecks(browser);
    await poleChecks(browser);
    await layoutChecks(browser);
    await steeringChecks(browser);
    await subsidyChecks(browser);
    await activityChecks(browser);
    await newsAndWebhookChecks(browser);
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
