// Drives the `sentinel view` page in headless Chromium (Debian's /usr/bin/chromium through
// viewer/node_modules/playwright-core): waits for window.sentinelReady, checks that the globe canvas
// was drawn, that no request left 127.0.0.1, and writes a screenshot.
//
//   node tests/tools/view_test.mjs URL SCREENSHOT.png [TIMEOUT_MS [FIFO CZML]]
//
// With FIFO and CZML (the server was started with `--czml FIFO`, a named pipe), the script waits
// until the page shows the CZML build in progress, screenshots it (SCREENSHOT-progress.png), and
// only then writes the CZML file into the pipe.
//
// Prints one JSON object ({ready, requests, offsite, failed, consoleErrors, pageErrors, screenshot,
// progress: the CZML build states the page showed, ionLogo: requests for and elements of the
// "Cesium ion" logo})
// on standard output; exits 1 when the page failed or was not ready in time, 0 otherwise (the
// caller asserts on the JSON).
import { createRequire } from 'node:module';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const { chromium } = require(resolve(here, '../../viewer/node_modules/playwright-core'));

const [url, shot, timeoutArg, fifo, czml] = process.argv.slice(2);
if (!url || !shot) {
  console.error('usage: node view_test.mjs URL SCREENSHOT.png [TIMEOUT_MS]');
  process.exit(2);
}
const timeout = Number(timeoutArg || 45000);
const local = (u) => {
  const p = new URL(u);
  if (p.protocol === 'data:' || p.protocol === 'blob:' || p.protocol === 'about:') return true;
  return p.hostname === '127.0.0.1';
};

const result = { url, requests: 0, offsite: [], failed: [], consoleErrors: [], pageErrors: [], screenshot: shot, ionLogoRequests: [] };
const browser = await chromium.launch({
  executablePath: process.env.SENTINEL_CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: [
    '--no-sandbox',
    '--use-angle=swiftshader',
    '--enable-unsafe-swiftshader',
    '--ignore-gpu-blocklist',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--disable-default-apps',
    '--disable-domain-reliability',
    '--no-first-run',
    '--no-default-browser-check',
    '--metrics-recording-only',
  ],
});
let code = 0;
try {
  const context = await browser.newContext({ viewport: { width: 1400, height: 800 } });
  // Every request is recorded; one for another host is refused (and reported), never sent.
  await context.route('**/*', (route) => {
    const u = route.request().url();
    result.requests++;
    if (u.includes('ion-credit')) result.ionLogoRequests.push(u);
    if (local(u)) return route.continue();
    result.offsite.push(u);
    return route.abort('blockedbyclient');
  });
  const page = await context.newPage();
  page.on('console', (m) => {
    if (m.type() === 'error') result.consoleErrors.push(m.text());
  });
  page.on('pageerror', (e) => result.pageErrors.push(String(e)));
  page.on('response', (r) => {
    if (r.status() >= 400) result.failed.push(`${r.url()}: HTTP ${r.status()}`);
  });
  page.on('requestfailed', (r) => {
    if (local(r.url())) result.failed.push(`${r.url()}: ${r.failure()?.errorText}`);
  });
  // Requests the browser makes outside the page (service workers, preloads) show here too.
  context.on('request', (r) => {
    if (!local(r.url()) && !result.offsite.includes(r.url())) result.offsite.push(r.url());
  });

  await page.goto(url, { waitUntil: 'load', timeout });
  if (fifo) {
    await page.waitForFunction(() => (window.sentinelProgress || []).length > 0 || window.sentinelError, null, {
      timeout,
      polling: 100,
    });
    result.progressText = await page.locator('#progress-text').textContent();
    result.progressVisible = await page.locator('#progress').isVisible();
    mkdirSync(dirname(resolve(shot)), { recursive: true });
    await page.screenshot({ path: shot.replace(/\.png$/, '') + '-progress.png' });
    writeFileSync(fifo, readFileSync(czml));
  }
  await page.waitForFunction(() => window.sentinelReady || window.sentinelError, null, { timeout, polling: 200 });
  result.error = await page.evaluate(() => window.sentinelError || null);
  result.ready = await page.evaluate(() => window.sentinelReady || null);
  result.dom = await page.evaluate(() => ({ ...document.body.dataset }));
  result.progress = await page.evaluate(() => window.sentinelProgress || null);
  result.progressHidden = await page.evaluate(() => document.getElementById('progress').hidden);
  result.ionLogoElements = await page.evaluate(
    () => window.sentinelViewer.creditDisplay._cesiumCreditContainer.childElementCount,
  );
  result.eventItems = await page.locator('#events li').count();
  result.nationBoxes = await page.locator('#nations input[type=checkbox]').count();
  mkdirSync(dirname(resolve(shot)), { recursive: true });
  await page.screenshot({ path: shot });
  if (result.error || !result.ready) code = 1;

  if (!result.error && result.ready) {
    // The nation filter hides that nation's entities and shows them again.
    const hidden = () =>
      page.evaluate(() => window.sentinelViewer.dataSources.get(0).entities.values.filter((e) => !e.show).length);
    const box = page.locator('#nations input[type=checkbox]').last();
    const nation = await box.getAttribute('data-nation');
    const before = await hidden();
    await box.uncheck();
    const unchecked = await hidden();
    const nationOf = await page.evaluate((n) => {
      const ents = window.sentinelViewer.dataSources.get(0).entities.values;
      return ents.filter((e) => !e.show).every((e) => e.properties.nation.getValue() === n);
    }, nation);
    await box.check();
    result.filter = { nation, hiddenBefore: before, hiddenUnchecked: unchecked, onlyThatNation: nationOf, hiddenAfter: await hidden() };
    // Clicking an event moves the clock to it.
    const item = page.locator('#events li').first();
    if ((await page.locator('#events li').count()) > 0) {
      await item.click();
      result.click = await page.evaluate(() => {
        const li = document.querySelector('#events li');
        const clock = window.sentinelViewer.clock;
        return {
          event: li.querySelector('.t').textContent,
          clock: Cesium.JulianDate.toIso8601(clock.currentTime, 0),
          animating: clock.shouldAnimate,
        };
      });
    }
  }
} catch (e) {
  result.error = String(e && e.stack ? e.stack : e);
  code = 1;
} finally {
  await browser.close();
}
console.log(JSON.stringify(result));
process.exit(code);
