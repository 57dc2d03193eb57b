// Checks a placesim report.html in headless Chromium (Debian's
// /usr/bin/chromium, driven by playwright-core): the page renders, makes
// no network request of any kind, logs no console error, contains every
// section asked for, and every chart has a title, axis labels and a
// legend. It also prints the page to A4 PDF, as a workshop would.
//
//   node tests/report/check_report.mjs REPORT.html --sections a,b,c
//        [--absent x,y] [--screenshot FILE.png] [--screenshot-parts PREFIX] [--pdf FILE.pdf]
//
// Prints "ok: ..." and exits 0, or prints each problem and exits 1.
import { chromium } from 'playwright-core';
import { pathToFileURL } from 'node:url';
import { existsSync } from 'node:fs';
import path from 'node:path';

function parseArgs(argv) {
  const a = { file: null, sections: [], absent: [], screenshot: null, pdf: null, parts: null };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i];
    if (k === '--sections') a.sections = argv[++i].split(',').filter(Boolean);
    else if (k === '--absent') a.absent = argv[++i].split(',').filter(Boolean);
    else if (k === '--screenshot') a.screenshot = argv[++i];
    else if (k === '--pdf') a.pdf = argv[++i];
    else if (k === '--screenshot-parts') a.parts = argv[++i];
    else if (!a.file) a.file = k;
    else throw new Error(`unexpected argument ${k}`);
  }
  if (!a.file) throw new Error('usage: check_report.mjs REPORT.html --sections a,b,c');
  return a;
}

const args = parseArgs(process.argv.slice(2));
const problems = [];
const executablePath = process.env.CHROMIUM || '/usr/bin/chromium';
if (!existsSync(executablePath)) {
  console.error(`check_report: no Chromium at ${executablePath} (apt-get install chromium)`);
  process.exit(1);
}
const url = pathToFileURL(path.resolve(args.file)).href;

const browser = await chromium.launch({
  executablePath,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
         '--disable-component-update', '--disable-sync'],
});
try {
  const context = await browser.newContext({ viewport: { width: 1024, height: 900 } });
  const page = await context.newPage();
  const requests = [];
  page.on('request', (r) => { if (r.url() !== url) requests.push(r.url()); });
  page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`); });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  // Anything but the report itself is refused, and recorded above.
  await context.route('**/*', (route) => (route.request().url() === url ? route.continue() : route.abort()));
  const resp = await page.goto(url, { waitUntil: 'load' });
  if (!resp) problems.push('the page did not load');
  for (const r of requests) problems.push(`network request: ${r}`);

  const facts = await page.evaluate(({ sections, absent }) => {
    const out = { missing: [], present: [], charts: [], height: document.body.scrollHeight, external: [] };
    for (const id of sections) {
      const s = document.getElementById(id);
      if (!s || !s.querySelector('h2') || s.textContent.trim().length < 40) out.missing.push(id);
    }
    for (const id of absent) if (document.getElementById(id)) out.present.push(id);
    for (const el of document.querySelectorAll('[src], link[href], [srcset]'))
      out.external.push(el.outerHTML.slice(0, 120));
    for (const svg of document.querySelectorAll('svg.chart')) {
      const box = svg.getBoundingClientRect();
      const title = svg.querySelector('text.ct');
      const tiles = !svg.querySelector('text.al');
      out.charts.push({
        title: title ? title.textContent : '',
        axes: svg.querySelectorAll('text.al').length,
        legend: svg.querySelectorAll('text.lg').length,
        tiles,
        marks: svg.querySelectorAll('path, rect, line').length,
        w: box.width, h: box.height,
      });
    }
    return out;
  }, { sections: args.sections, absent: args.absent });

  for (const id of facts.missing) problems.push(`section #${id} is missing or empty`);
  for (const id of facts.present) problems.push(`section #${id} should not be there`);
  for (const e of facts.external) problems.push(`external reference: ${e}`);
  if (facts.height < 600) problems.push(`the page is only ${facts.height}px tall`);
  if (facts.charts.length === 0) problems.push('no charts');
  for (const c of facts.charts) {
    const name = c.title || '(untitled chart)';
    if (!c.title) problems.push('a chart has no title');
    if (!c.tiles && c.axes < 2) problems.push(`${name}: expected two axis labels, found ${c.axes}`);
    if (c.legend < 1) problems.push(`${name}: no legend`);
    if (c.marks < 3) problems.push(`${name}: nothing drawn`);
    if (c.w < 100 || c.h < 60) problems.push(`${name}: rendered at ${c.w}x${c.h}`);
  }
  if (args.screenshot) await page.screenshot({ path: args.screenshot, fullPage: true });
  if (args.parts) { // the page in screen-sized pieces, for looking at
    for (let y = 0, k = 0; y < facts.height; y += 1400, k++)
      await page.screenshot({ path: `${args.parts}${String(k).padStart(2, '0')}.png`, fullPage: true,
                              clip: { x: 0, y, width: 1024, height: Math.min(1400, facts.height - y) } });
  }
  const pdf = await page.pdf({ format: 'A4', printBackground: true, path: args.pdf || undefined });
  const pages = (pdf.toString('latin1').match(/\/Type\s*\/Page[^s]/g) || []).length;
  if (pages < 1) problems.push('printing to A4 gave no pages');
  if (problems.length === 0)
    console.log(`ok: ${args.file}: ${facts.charts.length} charts, ${args.sections.length} sections, ${pages} A4 pages, no requests, no console errors`);
} finally {
  await browser.close();
}
if (problems.length) {
  for (const p of problems) console.error(`check_report: ${args.file}: ${p}`);
  process.exit(1);
}
