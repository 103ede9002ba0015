// Looked at as a person would: in Debian's headless Chromium, an operator logs in to a
// village node's admin, writes a post with a photo, publishes it and finds it on the
// public site; once in a phone-sized window and once in a desktop-sized one.
//
// Usage (tests/it/browser.rs runs it; see README.md):
//   node publish.mjs --base http://localhost:PORT --username operator \
//     --password SECRET --photo /path/to/photo.jpg --out /tmp/dir
//
// Writes OUT/result.json ({"posts":[{size, public_id, title, alt, post_url}]}) for the
// Rust side to check the store. On failure prints "FAILED: ..." with the reason, leaves
// OUT/failure-SIZE.png and OUT/failure-SIZE.html and exits 1.
// With KENTONGAN_SCREENSHOTS=DIR set it also saves home- and post-{phone,desktop}.png in
// DIR (docs/screenshots/ in the repository; the editor's are editor.mjs's).
//
// Every wait is Playwright's own (navigation, element, condition) with a deadline; no
// fixed sleeps.

import { chromium } from "playwright-core";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fail, parseArgs, runMain } from "./script.mjs";

const TIMEOUT_MS = 60_000;
/// Full-page screenshots are cut at this many pixels of height (README weight).
const MAX_SHOT_HEIGHT = 2500;

const SIZES = [
  {
    name: "phone",
    context: {
      viewport: { width: 390, height: 844 },
      deviceScaleFactor: 1,
      isMobile: true,
      hasTouch: true,
    },
    post: {
      title: "Kerja bakti membersihkan saluran irigasi Dusun Krajan",
      summary: "Warga tiga RT membersihkan saluran irigasi sebelum musim tanam.",
      body: [
        "Minggu pagi, warga RT 01, RT 02 dan RT 03 **bergotong royong** membersihkan",
        "saluran irigasi sepanjang dua kilometer di Dusun Krajan.",
        "",
        "Terima kasih kepada semua yang datang membawa cangkul dan karung.",
      ].join("\n"),
      alt: "Warga membersihkan saluran irigasi di tepi sawah, pagi hari",
    },
  },
  {
    name: "desktop",
    context: {
      viewport: { width: 1366, height: 900 },
      deviceScaleFactor: 1,
    },
    post: {
      title: "Panen raya padi di sawah Desa Sukamaju",
      summary:
        "Kelompok tani memanen padi varietas Inpari 32; hasilnya naik dibanding tahun lalu.",
      body: [
        "Kelompok Tani **Sri Rejeki** memulai panen raya padi pada hari Sabtu.",
        "Bapak Kepala Desa ikut turun ke sawah bersama penyuluh pertanian.",
        "",
        "Hasil panen tahun ini:",
        "",
        "- sekitar 7,2 ton gabah kering panen per hektare;",
        "- naik dari 6,5 ton tahun lalu;",
        "- sebagian dijual ke BUMDes untuk cadangan pangan desa.",
        "",
        "Warga yang ingin membeli beras langsung dari petani dapat menghubungi",
        "kantor desa pada jam kerja.",
      ].join("\n"),
      alt: "Hamparan sawah menguning dengan perbukitan hijau dan matahari pagi",
    },
  },
];

const LAUNCH_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-proxy-server",
];

function step(size, text) {
  console.log(`[${size}] ${text}`);
}

/// Records what a person would notice without looking: script errors, broken
/// resources, requests leaving the machine.
function watchPage(page, base, problems) {
  const origin = new URL(base).origin;
  page.on("pageerror", (err) => problems.push(`script error on ${page.url()}: ${err.message}`));
  page.on("response", (response) => {
    const url = new URL(response.url());
    if (url.origin === origin && response.status() >= 400 && url.pathname !== "/favicon.ico") {
      problems.push(`${response.request().method()} ${url.pathname} answered ${response.status()} (while on ${page.url()})`);
    }
  });
  page.on("requestfailed", (request) => {
    const url = new URL(request.url());
    if (url.origin === origin && url.pathname !== "/favicon.ico") {
      problems.push(`${request.method()} ${url.pathname} failed: ${request.failure()?.errorText}`);
    }
  });
}

/// Pages must be self-contained: a request to any other origin is refused and noted.
async function keepRequestsLocal(context, base, problems) {
  const origin = new URL(base).origin;
  await context.route(
    (url) => url.origin !== origin && url.protocol.startsWith("http"),
    (route) => {
      problems.push(`the page asked another site for ${route.request().url()} (pages must load nothing from elsewhere)`);
      return route.abort("blockedbyclient");
    },
  );
}

function checkProblems(problems, where) {
  if (problems.length > 0) {
    fail(`${where}:\n  - ${problems.join("\n  - ")}`);
  }
}

/// Phone: the page fits the 390 px window (meta viewport honoured, nothing wider).
async function checkFitsPhone(page, size, what) {
  if (size.name !== "phone") return;
  const expected = size.context.viewport.width;
  const fit = await page.evaluate((screen) => {
    const width = window.innerWidth;
    const wide = [];
    for (const el of document.body.querySelectorAll("*")) {
      const box = el.getBoundingClientRect();
      if (box.width > 0 && box.right > Math.min(width, screen) + 1) {
        const name =
          el.tagName.toLowerCase() +
          (el.id ? `#${el.id}` : "") +
          (typeof el.className === "string" && el.className.trim()
            ? "." + el.className.trim().split(/\s+/).join(".")
            : "");
        wide.push(`${name} (right edge at ${Math.round(box.right)} px)`);
      }
    }
    return {
      innerWidth: width,
      scrollWidth: document.documentElement.scrollWidth,
      wide: wide.slice(0, 8),
    };
  }, expected);
  if (fit.innerWidth !== expected) {
    fail(
      `${what} on a phone: the window is laid out ${fit.innerWidth} px wide instead of ${expected} px ` +
        `(missing <meta name="viewport" content="width=device-width, initial-scale=1">, or content wider than the screen); ` +
        `too wide: ${fit.wide.join(", ") || "nothing found"}`,
    );
  }
  if (fit.scrollWidth > fit.innerWidth) {
    fail(
      `${what} on a phone scrolls sideways: scrollWidth ${fit.scrollWidth} px > innerWidth ${fit.innerWidth} px; ` +
        `too wide: ${fit.wide.join(", ") || "nothing found"}`,
    );
  }
}

/// Every visible form control has a name a screen reader can read.
async function checkLabels(page, what) {
  const unlabelled = await page.evaluate(() =>
    [...document.querySelectorAll("input, select, textarea")]
      .filter((el) => el.type !== "hidden" && el.type !== "submit" && el.type !== "button")
      .filter(
        (el) =>
          el.labels.length === 0 &&
          !el.getAttribute("aria-label") &&
          !el.getAttribute("aria-labelledby"),
      )
      .map((el) => `${el.tagName.toLowerCase()}[name=${el.getAttribute("name")}]`),
  );
  if (unlabelled.length > 0) {
    fail(`${what}: form fields without a label: ${unlabelled.join(", ")}`);
  }
}

/// Text stands out from its background: WCAG 2 contrast of at least 4.5:1 (3:1 for large
/// text). Text over a background image is not judged.
async function checkContrast(page, what) {
  const low = await page.evaluate(() => {
    const parse = (css) => {
      const m = css.match(/^rgba?\(([^)]+)\)$/);
      if (!m) return null;
      const [r, g, b, a = 1] = m[1].split(/[\s,/]+/).filter(Boolean).map(Number);
      return { r, g, b, a };
    };
    const luminance = ({ r, g, b }) => {
      const f = (v) => ((v /= 255) <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
      return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
    };
    const backgroundOf = (el) => {
      for (let e = el; e; e = e.parentElement) {
        const style = getComputedStyle(e);
        if (style.backgroundImage !== "none") return null;
        const colour = parse(style.backgroundColor);
        if (colour && colour.a >= 0.99) return colour;
      }
      return { r: 255, g: 255, b: 255, a: 1 };
    };
    const found = [];
    const seen = new Set();
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    while (walker.nextNode()) {
      const text = walker.currentNode.textContent.trim();
      const el = walker.currentNode.parentElement;
      if (!text || !el || seen.has(el)) continue;
      seen.add(el);
      const box = el.getBoundingClientRect();
      const style = getComputedStyle(el);
      if (box.width <= 1 || box.height <= 1 || style.visibility === "hidden") continue;
      const fg = parse(style.color);
      const bg = backgroundOf(el);
      if (!fg || !bg) continue;
      const shown = {
        r: fg.r * fg.a + bg.r * (1 - fg.a),
        g: fg.g * fg.a + bg.g * (1 - fg.a),
        b: fg.b * fg.a + bg.b * (1 - fg.a),
      };
      const [light, dark] = [luminance(shown), luminance(bg)].sort((x, y) => y - x);
      const ratio = (light + 0.05) / (dark + 0.05);
      const px = parseFloat(style.fontSize);
      const large = px >= 24 || (Number(style.fontWeight) >= 700 && px >= 18.66);
      if (ratio < (large ? 3 : 4.5)) {
        found.push(
          `${JSON.stringify(text.slice(0, 40))} (${el.tagName.toLowerCase()}${el.className ? "." + String(el.className).trim().split(/\s+/).join(".") : ""}): ` +
            `${style.color} on rgb(${bg.r}, ${bg.g}, ${bg.b}) is ${ratio.toFixed(2)}:1`,
        );
      }
    }
    return found;
  });
  if (low.length > 0) fail(`${what}: text with too little contrast:\n    ${low.join("\n    ")}`);
}

/// A keyboard user sees where they are: the first Tab lands on something with a focus
/// ring (an outline or a box shadow).
async function checkKeyboardFocus(page, what) {
  await page.evaluate(() => {
    document.activeElement?.blur();
    window.scrollTo(0, 0);
  });
  await page.keyboard.press("Tab");
  const focus = await page.evaluate(() => {
    const el = document.activeElement;
    if (!el || el === document.body) return null;
    const style = getComputedStyle(el);
    return {
      name: `${el.tagName.toLowerCase()} ${JSON.stringify((el.textContent || el.getAttribute("name") || "").trim().slice(0, 30))}`,
      ring:
        (style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0) ||
        style.boxShadow !== "none",
    };
  });
  if (!focus) fail(`${what}: pressing Tab focuses nothing`);
  if (!focus.ring) fail(`${what}: the focused ${focus.name} shows no focus ring (outline or box-shadow)`);
  await page.evaluate(() => document.activeElement?.blur());
}

async function checkImagesHaveAlt(page, what) {
  const missing = await page.evaluate(() =>
    [...document.images].filter((img) => !img.hasAttribute("alt")).map((img) => img.src),
  );
  if (missing.length > 0) fail(`${what}: images without an alt attribute: ${missing.join(", ")}`);
}

/// Brings every image into view once so lazy ones load, then waits until each is
/// decoded (or has failed, which is reported).
async function loadAllImages(page, what) {
  const images = page.locator("img");
  const count = await images.count();
  for (let i = 0; i < count; i++) {
    const img = images.nth(i);
    if (!(await img.isVisible())) continue;
    await img.scrollIntoViewIfNeeded();
    await page.waitForFunction((el) => el.complete, await img.elementHandle());
    const broken = await img.evaluate((el) => el.naturalWidth === 0);
    if (broken) fail(`${what}: the image ${await img.getAttribute("src")} did not load`);
  }
  await page.evaluate(() => window.scrollTo(0, 0));
}

async function screenshot(page, size, name, fullPage) {
  const dir = process.env.KENTONGAN_SCREENSHOTS;
  if (!dir) return;
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${name}-${size.name}.png`);
  const options = { path, animations: "disabled", caret: "hide" };
  if (fullPage) {
    const height = await page.evaluate(() => document.documentElement.scrollHeight);
    const scale = size.context.deviceScaleFactor ?? 1;
    options.fullPage = true;
    options.clip = {
      x: 0,
      y: 0,
      width: size.context.viewport.width,
      height: Math.min(height, Math.floor(MAX_SHOT_HEIGHT / scale)),
    };
  }
  await page.screenshot(options);
  step(size.name, `screenshot ${path}`);
}

async function goto(page, url) {
  let response;
  try {
    response = await page.goto(url, { waitUntil: "load" });
  } catch (err) {
    // Chromium turns an error status with an empty body into a navigation error.
    fail(`GET ${url} did not show a page: ${err.message.split("\n")[0]}`);
  }
  if (!response || response.status() !== 200) {
    fail(`GET ${url} answered ${response ? response.status() : "nothing"}`);
  }
  return response;
}

async function login(page, args, size) {
  await goto(page, `${args.base}/admin/login`);
  const form = page.locator("form").filter({ has: page.locator('input[name="username"]') });
  if ((await form.count()) !== 1) fail("the login page has no form with a username field");
  if ((await form.locator('input[type="hidden"][name="csrf"]').count()) !== 1) {
    fail("the login form has no hidden csrf field");
  }
  await checkLabels(page, "the login page");
  await checkContrast(page, "the login page");
  await checkFitsPhone(page, size, "the login page");
  await checkKeyboardFocus(page, "the login page");
  await form.locator('input[name="username"]').fill(args.username);
  await form.locator('input[name="password"]').fill(args.password);
  await form.locator('[type="submit"]').first().click();
  await page.waitForURL((url) => url.pathname === "/admin" || url.pathname === "/admin/", {
    waitUntil: "load",
  }).catch(async () => {
    const text = (await page.locator("body").innerText()).slice(0, 400);
    fail(`logging in did not lead to /admin; still on ${page.url()}, which says: ${text}`);
  });
  step(size.name, "logged in");
}

async function openEditor(page, size) {
  const link = page.locator('a[href$="/admin/posts/new"]').first();
  if ((await link.count()) === 0) fail("the dashboard /admin has no link to /admin/posts/new");
  await checkFitsPhone(page, size, "the dashboard /admin");
  await checkContrast(page, "the dashboard /admin");
  await link.click();
  await page.waitForURL((url) => url.pathname === "/admin/posts/new", { waitUntil: "load" });
  step(size.name, "editor open");
}

async function writePost(page, args, size) {
  const post = size.post;
  const field = (name) => page.locator(`[name="${name}"]`).first();
  for (const name of ["title", "summary", "body", "kind", "cover", "csrf"]) {
    if ((await page.locator(`[name="${name}"]`).count()) === 0) {
      fail(`the editor has no field named "${name}"`);
    }
  }
  await checkLabels(page, "the editor");
  await checkContrast(page, "the editor");
  await checkFitsPhone(page, size, "the editor (empty)");
  await field("title").fill(post.title);
  await field("summary").fill(post.summary);
  await field("body").fill(post.body);
  await field("kind").selectOption("berita");
  const berita = page.locator('input[name="categories"][value="Berita"]');
  if ((await berita.count()) !== 1) fail('the editor has no category checkbox with value "Berita"');
  await berita.check();
  // The editor's script sends the photo as soon as it is chosen; the form then carries
  // it as an attached image with its own alt text field.
  await page.locator("#photo-input").setInputFiles(args.photo);
  const alt = page.locator('textarea[name="image_alt_0"]');
  await alt.waitFor({ state: "visible" });
  await alt.fill(post.alt);
  await checkFitsPhone(page, size, "the editor (filled in)");
}

async function publish(page, size) {
  const button = page.locator('button[name="action"][value="publish"]');
  if ((await button.count()) !== 1) fail('the editor has no button name="action" value="publish"');
  await button.click();
  const published = /^\/admin\/posts\/([A-Za-z0-9_-]+)$/;
  await page
    .waitForURL(
      (url) => published.test(url.pathname) && url.searchParams.get("ok") === "published",
      { waitUntil: "load" },
    )
    .catch(async () => {
      const text = (await page.locator("body").innerText()).slice(0, 600);
      fail(`publishing did not lead to /admin/posts/{id}?ok=published; on ${page.url()}, which says: ${text}`);
    });
  const publicId = new URL(page.url()).pathname.match(published)[1];
  await checkFitsPhone(page, size, `the post's admin page /admin/posts/${publicId}`);
  await checkContrast(page, `the post's admin page /admin/posts/${publicId}`);
  const link = page.locator(`a[href$="/p/${publicId}"]`).first();
  if ((await link.count()) === 0) {
    fail(`the page after publishing (/admin/posts/${publicId}) has no link to /p/${publicId}`);
  }
  const postUrl = new URL(await link.getAttribute("href"), page.url()).toString();
  step(size.name, `published ${publicId}`);
  return { publicId, postUrl };
}

async function checkPostPage(page, size, publicId, postUrl) {
  const post = size.post;
  await goto(page, postUrl);
  const h1 = page.locator("h1");
  if ((await h1.count()) !== 1) fail(`the post page ${postUrl} has ${await h1.count()} h1 elements, not 1`);
  const heading = (await h1.innerText()).trim();
  if (heading !== post.title) fail(`the post page's h1 says ${JSON.stringify(heading)}, not ${JSON.stringify(post.title)}`);
  const img = page.getByAltText(post.alt, { exact: true }).first();
  if ((await img.count()) === 0) {
    const alts = await page
      .locator("img")
      .evaluateAll((els) => els.map((e) => `${e.getAttribute("src")} alt=${JSON.stringify(e.alt)}`));
    fail(`the post page shows no image with the alt text typed in the editor; images: ${alts.join("; ") || "none"}`);
  }
  const src = await img.getAttribute("src");
  if (!/\/media\/[0-9a-f]{32}-large\.jpg$/.test(src)) {
    fail(`the cover's src is ${JSON.stringify(src)}, not /media/{key}-large.jpg`);
  }
  await img.scrollIntoViewIfNeeded();
  await page.waitForFunction((el) => el.complete && el.naturalWidth > 0, await img.elementHandle());
  const natural = await img.evaluate((el) => ({ w: el.naturalWidth, h: el.naturalHeight }));
  await checkImagesHaveAlt(page, "the post page");
  await checkContrast(page, "the post page");
  await checkFitsPhone(page, size, "the post page");
  await loadAllImages(page, "the post page");
  step(size.name, `post page shows the title and the photo (${natural.w}×${natural.h})`);
  await screenshot(page, size, "post", true);
  await checkKeyboardFocus(page, "the post page");
}

async function checkHomePage(page, args, size, publicId) {
  await goto(page, `${args.base}/`);
  const link = page.locator(`a[href$="/p/${publicId}"]`);
  if ((await link.count()) === 0) fail(`the home page has no link to the new post /p/${publicId}`);
  const text = await page.locator("body").innerText();
  if (!text.includes(size.post.title)) fail(`the home page does not show the title ${JSON.stringify(size.post.title)}`);
  if ((await page.locator("h1").count()) !== 1) fail(`the home page has ${await page.locator("h1").count()} h1 elements, not 1`);
  await checkImagesHaveAlt(page, "the home page");
  await checkContrast(page, "the home page");
  await checkFitsPhone(page, size, "the home page");
  await loadAllImages(page, "the home page");
  step(size.name, "home page lists the post");
  await screenshot(page, size, "home", true);
  await checkKeyboardFocus(page, "the home page");
}

async function runSize(browser, args, size, results) {
  const context = await browser.newContext({ ...size.context, locale: "id-ID", timezoneId: "Asia/Jakarta" });
  context.setDefaultTimeout(TIMEOUT_MS);
  context.setDefaultNavigationTimeout(TIMEOUT_MS);
  const problems = [];
  await keepRequestsLocal(context, args.base, problems);
  const page = await context.newPage();
  watchPage(page, args.base, problems);
  try {
    await login(page, args, size);
    await openEditor(page, size);
    await writePost(page, args, size);
    const { publicId, postUrl } = await publish(page, size);
    await checkPostPage(page, size, publicId, postUrl);
    await checkHomePage(page, args, size, publicId);
    checkProblems(problems, `while the ${size.name} window was used`);
    results.push({
      size: size.name,
      public_id: publicId,
      title: size.post.title,
      alt: size.post.alt,
      post_url: postUrl,
    });
  } catch (err) {
    const where = `${size.name} window (${size.context.viewport.width}×${size.context.viewport.height}), on ${page.url()}`;
    await page.screenshot({ path: join(args.out, `failure-${size.name}.png`), fullPage: true }).catch(() => {});
    await page.content().then((html) => writeFileSync(join(args.out, `failure-${size.name}.html`), html)).catch(() => {});
    if (problems.length > 0) err.message += `\n  also noticed:\n  - ${problems.join("\n  - ")}`;
    err.message = `${where}: ${err.message}`;
    throw err;
  } finally {
    await context.close();
  }
}

async function main() {
  const args = parseArgs(process.argv.slice(2), ["base", "username", "password", "photo", "out"], "publish.mjs");
  mkdirSync(args.out, { recursive: true });
  const browser = await chromium.launch({
    executablePath: args.chromium,
    headless: true,
    args: LAUNCH_ARGS,
    timeout: TIMEOUT_MS,
  });
  const results = [];
  try {
    for (const size of SIZES) {
      await runSize(browser, args, size, results);
    }
  } finally {
    await browser.close();
  }
  writeFileSync(join(args.out, "result.json"), JSON.stringify({ posts: results }, null, 2));
  console.log(`OK: ${results.length} posts published and seen (${results.map((r) => r.size).join(", ")})`);
}

await runMain(main);
