// Looked at as a regency officer would: a portal's monitoring table in Debian's headless
// Chromium. On a 1366×900 screen (the common office laptop) the page and its twelve-column
// table fit without any sideways scrolling; on a 390×844 phone the page does not scroll
// sideways, the table scrolls inside its own box and the village's name stays in view.
//
// Usage (tests/it/browser.rs runs it):
//   node monitoring.mjs --base http://localhost:PORT --out /tmp/dir [--chromium PATH]
//
// Every <details> (recent errors) is opened first: the widest the table gets. Prints one
// "OK ..." line per size; on failure prints "FAILED: ..." with the widths measured, leaves
// OUT/monitoring-SIZE.png and exits 1. Always saves OUT/monitoring-SIZE.png.

import { chromium } from "playwright-core";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { fail, parseArgs, runMain } from "./script.mjs";

const TIMEOUT_MS = 60_000;

const SIZES = [
  { name: "desktop", viewport: { width: 1366, height: 900 }, tableFits: true },
  { name: "phone", viewport: { width: 390, height: 844 }, isMobile: true, tableFits: false },
];

async function check(browser, args, size) {
  const context = await browser.newContext({
    viewport: size.viewport,
    deviceScaleFactor: 1,
    isMobile: Boolean(size.isMobile),
    hasTouch: Boolean(size.isMobile),
  });
  const page = await context.newPage();
  page.setDefaultTimeout(TIMEOUT_MS);
  const response = await page.goto(`${args.base}/monitoring`, { waitUntil: "load" });
  if (!response || response.status() !== 200) {
    fail(`[${size.name}] GET /monitoring answered ${response?.status()}`);
  }
  await page.waitForSelector("table tbody tr");
  const measured = await page.evaluate(() => {
    for (const details of document.querySelectorAll("details")) details.open = true;
    const wrap = document.querySelector(".table-wrap");
    const name = document.querySelector("tbody th");
    wrap.scrollLeft = wrap.scrollWidth;
    const nameLeft = name ? Math.round(name.getBoundingClientRect().left) : null;
    wrap.scrollLeft = 0;
    return {
      screen: window.innerWidth,
      page: document.documentElement.scrollWidth,
      box: wrap.clientWidth,
      table: wrap.scrollWidth,
      rows: document.querySelectorAll("tbody tr").length,
      boxLeft: Math.round(wrap.getBoundingClientRect().left),
      nameLeftScrolled: nameLeft,
    };
  });
  await page.screenshot({ path: join(args.out, `monitoring-${size.name}.png`), fullPage: true });
  await context.close();
  const said = JSON.stringify(measured);
  if (measured.page > size.viewport.width) {
    fail(`[${size.name}] the page is ${measured.page} px wide on a ${size.viewport.width} px screen: ${said}`);
  }
  if (size.tableFits && measured.table > measured.box) {
    fail(`[${size.name}] the table is ${measured.table} px wide in a ${measured.box} px box: ${said}`);
  }
  if (!size.tableFits && measured.table > measured.box && measured.nameLeftScrolled !== measured.boxLeft) {
    fail(`[${size.name}] scrolled sideways, the village's name left the box: ${said}`);
  }
  console.log(`OK [${size.name}] ${said}`);
}

async function main() {
  const args = parseArgs(process.argv.slice(2), ["base", "out"], "monitoring.mjs");
  mkdirSync(args.out, { recursive: true });
  const browser = await chromium.launch({
    executablePath: args.chromium,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--no-proxy-server"],
  });
  try {
    for (const size of SIZES) await check(browser, args, size);
  } finally {
    await browser.close();
  }
}

await runMain(main);
