// Writing a post as a village secretary would, on a 360×640 phone in Debian's headless
// Chromium (issue 16): the toolbar, text pasted from WhatsApp, a camera photo made
// smaller before it is sent, the connection lost before publishing and the draft
// recovered, a session that ends and gives everything back after signing in again (the
// text, and a photo chosen after it ended, kept on the phone and sent then), then
// publishing and finding the post formatted on the site.
//
// Usage (tests/it/browser.rs runs it):
//   node editor.mjs --base http://localhost:PORT --username operator \
//     --password SECRET --photo /path/to/large.jpg --out /tmp/dir
//
// Writes OUT/result.json ({public_id, title, alt, kept_alt, photo_bytes, uploaded_bytes, page:{…}})
// for the Rust side (the store, the follower) and docs/benchmarks.md. On failure prints
// "FAILED: ..." and leaves OUT/failure-editor.png and .html. With KENTONGAN_SCREENSHOTS=DIR
// it saves editor-phone.png and editor-desktop.png there. Every wait is Playwright's own,
// with a deadline; no fixed sleeps.

import { chromium } from "playwright-core";
import { mkdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { fail, parseArgs, runMain } from "./script.mjs";

const TIMEOUT_MS = 60_000;
const PHONE = { viewport: { width: 360, height: 640 }, deviceScaleFactor: 1, isMobile: true, hasTouch: true };
const DESKTOP = { viewport: { width: 1366, height: 900 }, deviceScaleFactor: 1 };
const LAUNCH_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-proxy-server"];

const POST = {
  title: "Kerja bakti membersihkan saluran irigasi",
  summary: "Warga tiga RT diundang bergotong royong Minggu pagi.",
  alt: "Saluran irigasi di tepi sawah yang akan dibersihkan",
  keptAlt: "Warga membawa cangkul dan karung ke saluran",
  whatsapp: "*Jangan lupa* membawa:\n• cangkul\n• karung\n_Terima kasih_ atas kehadirannya, acara ~Sabtu~ Minggu.",
};

const step = (text) => console.log(`[editor] ${text}`);

/// How many photos this browser keeps (IndexedDB) because the server does not have them
/// yet (`window.__keptPhotos`, added to every page by writeOnPhone).
const keptPhotos = (page) => page.evaluate(() => window.__keptPhotos());

async function login(page, args) {
  await page.locator('input[name="username"]').fill(args.username);
  await page.locator('input[name="password"]').fill(args.password);
  await page.locator('form [type="submit"]').first().click();
  await page.waitForURL((url) => !url.pathname.startsWith("/admin/login"), { waitUntil: "load" });
}

const body = (page) => page.locator("textarea#body");
const bodyValue = (page) => body(page).inputValue();

async function selectText(page, text) {
  await body(page).evaluate((el, text) => {
    const at = el.value.indexOf(text);
    el.focus();
    el.setSelectionRange(at, at + text.length);
  }, text);
}

async function caretAtEnd(page) {
  await body(page).evaluate((el) => {
    el.focus();
    el.setSelectionRange(el.value.length, el.value.length);
  });
}

async function typeAtEnd(page, text) {
  await caretAtEnd(page);
  await page.keyboard.type(text);
}

/// A paste event as the phone's keyboard sends one, with the clipboard's plain text.
async function paste(page, text, html) {
  await body(page).evaluate(
    (el, [text, html]) => {
      const data = new DataTransfer();
      data.setData("text/plain", text);
      if (html) data.setData("text/html", html);
      el.dispatchEvent(new ClipboardEvent("paste", { clipboardData: data, bubbles: true, cancelable: true }));
    },
    [text, html],
  );
}

/// Every visible control of the editor can be hit by a thumb: at least 24×24 CSS px.
async function checkTargets(page) {
  const small = await page.evaluate(() =>
    [...document.querySelectorAll("main button, main select, main textarea, main input:not([type=hidden]), main summary, main label.button, main a.button")]
      .filter((el) => el.getClientRects().length > 0 && getComputedStyle(el).visibility !== "hidden")
      .map((el) => ({ el, box: el.getBoundingClientRect() }))
      .filter(({ el, box }) => !el.classList.contains("visually-hidden") && (box.width < 24 || box.height < 24))
      .map(({ el, box }) => `${el.tagName.toLowerCase()}[${el.name || el.id || el.textContent.trim().slice(0, 20)}] ${Math.round(box.width)}×${Math.round(box.height)}`),
  );
  if (small.length) fail(`controls smaller than 24×24 px on a 360 px phone: ${small.join(", ")}`);
  const toolbar = await page.locator(".toolbar button").evaluateAll((els) => els.map((el) => el.getBoundingClientRect().height));
  if (toolbar.length !== 7 || toolbar.some((h) => h < 44)) fail(`the toolbar has ${toolbar.length} buttons of heights ${toolbar}`);
}

async function checkFits(page) {
  const { inner, scroll } = await page.evaluate(() => ({ inner: window.innerWidth, scroll: document.documentElement.scrollWidth }));
  if (scroll > inner) fail(`the editor scrolls sideways on a phone: ${scroll} px > ${inner} px`);
}

async function shot(page, name) {
  const dir = process.env.KENTONGAN_SCREENSHOTS;
  if (!dir) return;
  mkdirSync(dir, { recursive: true });
  // From the heading down: the form, not the menu.
  await page.evaluate(() => {
    document.getElementById("templates")?.removeAttribute("open");
    window.scrollTo(0, document.querySelector("main h1").getBoundingClientRect().top + window.scrollY - 8);
  });
  await page.screenshot({ path: join(dir, name), animations: "disabled", caret: "hide" });
  step(`screenshot ${name}`);
}

/// The editor page's weight: HTML, script and style, as sent (gzip) and as read.
async function pageWeight(page, base) {
  const seen = {};
  const record = async (response) => {
    const url = new URL(response.url());
    const kind = url.pathname === "/admin/posts/new" ? "html" : url.pathname === "/admin/static/editor.js" ? "js" : url.pathname === "/admin/static/editor.css" ? "css" : null;
    if (!kind || response.status() !== 200) return;
    const bytes = await response.body();
    // The server gzips these (tower-http); its exact output is not exposed to the page,
    // so the gzip size is gzip -6 of the same bytes.
    seen[kind] = { raw: bytes.length, gzip: gzipSync(bytes, { level: 6 }).length, encoding: (await response.allHeaders())["content-encoding"] || "identity" };
  };
  const pending = [];
  const listener = (response) => pending.push(record(response));
  page.on("response", listener);
  await page.goto(`${base}/admin/posts/new`, { waitUntil: "load" });
  await page.locator(".toolbar").waitFor({ state: "visible" });
  await Promise.all(pending);
  page.off("response", listener);
  for (const kind of ["html", "js", "css"]) if (!seen[kind]) fail(`the editor page did not load its ${kind} (fresh cache)`);
  return seen;
}

async function writeOnPhone(browser, args, result) {
  const context = await browser.newContext({ ...PHONE, locale: "id-ID", timezoneId: "Asia/Jakarta" });
  context.setDefaultTimeout(TIMEOUT_MS);
  // What the script hands to XMLHttpRequest for each photo: the bytes that leave the phone.
  await context.addInitScript(() => {
    window.__keptPhotos = () =>
      new Promise((resolve) => {
        const open = indexedDB.open("kentongan-editor", 1);
        open.onupgradeneeded = () => open.result.createObjectStore("photos", { keyPath: "id", autoIncrement: true }).createIndex("draft", "draft");
        open.onsuccess = () => {
          const count = open.result.transaction("photos").objectStore("photos").count();
          count.onsuccess = () => {
            open.result.close();
            resolve(count.result);
          };
        };
        open.onerror = () => resolve(-1);
      });
    window.__uploads = [];
    window.__answers = [];
    const send = XMLHttpRequest.prototype.send;
    XMLHttpRequest.prototype.send = function (data) {
      if (data instanceof FormData && data.get("photo")) {
        window.__uploads.push(data.get("photo").size);
        this.addEventListener("loadend", () => window.__answers.push(`${this.status} ${this.responseURL}`));
      }
      return send.call(this, data);
    };
  });
  const page = await context.newPage();
  const problems = [];
  page.on("pageerror", (err) => problems.push(`script error: ${err.message}`));
  page.on("console", (msg) => {
    if (msg.type() === "error" && !/ERR_INTERNET_DISCONNECTED|Failed to load resource/.test(msg.text())) problems.push(`console: ${msg.text()}`);
  });
  try {
    await page.goto(`${args.base}/admin/login`, { waitUntil: "load" });
    await login(page, args);
    result.page = await pageWeight(page, args.base);
    step(`editor page: ${JSON.stringify(result.page)}`);
    await checkTargets(page);
    await checkFits(page);

    // The toolbar.
    await page.locator('input[name="title"]').fill(POST.title);
    await page.locator('textarea[name="summary"]').fill(POST.summary);
    await body(page).fill("Warga RT 01 sampai RT 03 diundang kerja bakti hari Minggu.");
    await selectText(page, "kerja bakti");
    await page.locator('.toolbar button[data-format="bold"]').tap();
    await typeAtEnd(page, "\n\nPerlengkapan");
    await selectText(page, "Perlengkapan");
    await page.locator('.toolbar button[data-format="heading"]').tap();
    let text = await bodyValue(page);
    if (!text.includes("**kerja bakti**")) fail(`Bold did not mark the selection: ${JSON.stringify(text)}`);
    if (!/\n## Perlengkapan/.test(text)) fail(`Heading did not mark the line: ${JSON.stringify(text)}`);
    step("toolbar: bold and heading");

    // WhatsApp's marks, pasted.
    await typeAtEnd(page, "\n\n");
    await paste(page, POST.whatsapp);
    text = await bodyValue(page);
    for (const expected of ["**Jangan lupa** membawa:", "\n- cangkul\n- karung", "*Terima kasih*", "~~Sabtu~~"]) {
      if (!text.includes(expected)) fail(`pasted WhatsApp text lacks ${JSON.stringify(expected)}: ${JSON.stringify(text)}`);
    }
    step("pasted WhatsApp text became Markdown");

    // A camera photo, made smaller before it leaves.
    const photoBytes = statSync(args.photo).size;
    await page.locator('.toolbar button[data-format="photo"]').waitFor();
    await page.locator("#photo-input").setInputFiles(args.photo);
    const progress = page.locator("#uploads progress");
    const alt = page.locator('textarea[name="image_alt_0"]');
    await alt.waitFor({ state: "visible" });
    await alt.fill(POST.alt);
    const uploads = await page.evaluate(() => window.__uploads);
    if (uploads.length !== 1) fail(`expected one photo upload, saw ${uploads.length}`);
    result.photo_bytes = photoBytes;
    result.uploaded_bytes = uploads[0];
    if (uploads[0] > 450 * 1024 || uploads[0] * 5 > photoBytes) {
      fail(`the ${photoBytes}-byte photo left the phone as ${uploads[0]} bytes (want ≤ ~400 KB)`);
    }
    if ((await progress.count()) !== 0) fail("the progress bar stayed after the upload");
    step(`photo: ${photoBytes} bytes chosen, ${uploads[0]} bytes sent`);
    await checkTargets(page);
    await shot(page, "editor-phone.png");

    // Saved as a server draft while typing: the address becomes the draft's.
    await page.waitForURL((url) => /^\/admin\/drafts\/\d+\/edit$/.test(url.pathname), { timeout: 20_000 }).catch(() =>
      fail(`no server draft was saved while typing (still on ${page.url()}; status: ${JSON.stringify(problems)})`),
    );
    const draftUrl = page.url();
    step(`saved as ${new URL(draftUrl).pathname}`);

    // The connection drops; "Terbitkan" keeps the page and says why.
    await context.setOffline(true);
    await typeAtEnd(page, "\n\nDitulis saat sinyal hilang.");
    await page.locator('button[name="action"][value="publish"]').tap();
    await page.locator("#editor-alert").waitFor({ state: "visible" });
    if (page.url() !== draftUrl) fail(`publishing offline left the editor for ${page.url()}`);
    await context.setOffline(false);
    await page.reload({ waitUntil: "load" });
    text = await bodyValue(page);
    if (!text.includes("Ditulis saat sinyal hilang.") || !text.includes("**kerja bakti**")) {
      fail(`after the connection came back and the page was reloaded, the text is ${JSON.stringify(text)}`);
    }
    if ((await page.locator('textarea[name="image_alt_0"]').inputValue()) !== POST.alt) fail("the photo's alt text was lost on reload");
    step("offline: nothing lost, recovered on reload");

    // The session ends; the text typed since is given back after signing in again.
    await context.clearCookies();
    await typeAtEnd(page, "\n\nSetelah sesi berakhir.");
    await page.locator('button[name="action"][value="publish"]').tap();
    await page.waitForURL((url) => url.pathname === "/admin/login", { waitUntil: "load" });
    await login(page, args);
    if (page.url() !== draftUrl) fail(`after signing in again the operator is on ${page.url()}, not back in ${draftUrl}`);
    await page.locator("#editor-restored").waitFor({ state: "visible" });
    text = await bodyValue(page);
    if (!text.includes("Setelah sesi berakhir.")) fail(`the text typed before the session ended is gone: ${JSON.stringify(text)}`);
    step("expired session: text restored after login");

    // The session ends again, and a photo is chosen: the server answers with the login
    // form, so the photo stays on this phone (with the alt text typed meanwhile) and
    // is sent by itself once the operator signs in again from the message.
    await context.clearCookies();
    await page.locator("#photo-input").setInputFiles(args.photo);
    const keptItem = page.locator("#uploads li.kept");
    await keptItem.locator("textarea").waitFor({ state: "visible" });
    const alertText = await page.locator("#editor-alert").innerText();
    if (!alertText.includes("Foto yang belum terkirim juga aman")) fail(`no message says the photo is kept: ${JSON.stringify(alertText)}`);
    if (!(await keptItem.innerText()).includes("Menunggu Anda masuk lagi")) fail(`the photo's line says ${JSON.stringify(await keptItem.innerText())}`);
    // The node reads what was sent before it answers a request without a session, so
    // the photo leaves the phone once and its answer is the login form: a reset
    // connection (status 0) would have it sent again, as after any lost connection.
    const { answers, sends } = await page.evaluate(() => ({ answers: window.__answers, sends: window.__uploads.length }));
    if (sends !== 1 || answers.length !== 1 || !answers[0].includes("/admin/login")) {
      fail(`after the session ended the photo was sent ${sends} times, answered ${JSON.stringify(answers)}`);
    }
    await keptItem.locator("textarea").fill(POST.keptAlt);
    if ((await keptPhotos(page)) !== 1) fail(`the browser keeps ${await keptPhotos(page)} photos, not the one the server lacks`);
    await checkTargets(page);
    step("expired session: the chosen photo is kept on the phone, sent once");
    await page.locator("#editor-alert a").tap();
    await page.waitForURL((url) => url.pathname === "/admin/login", { waitUntil: "load" });
    await login(page, args);
    if (page.url() !== draftUrl) fail(`after signing in from the message the operator is on ${page.url()}, not back in ${draftUrl}`);
    const keptAlt = page.locator('textarea[name="image_alt_1"]');
    await keptAlt.waitFor({ state: "visible" });
    if ((await keptAlt.inputValue()) !== POST.keptAlt) fail(`the kept photo came back with the alt text ${JSON.stringify(await keptAlt.inputValue())}`);
    if ((await page.locator('textarea[name="image_alt_0"]').inputValue()) !== POST.alt) fail("the first photo's alt text was lost");
    await page.locator("#uploads li").waitFor({ state: "detached" });
    const resent = await page.evaluate(() => window.__uploads);
    if (resent.length !== 1 || resent[0] > 450 * 1024) fail(`after signing in again the kept photo was sent as ${JSON.stringify(resent)}`);
    await page
      .waitForFunction(() => window.__keptPhotos().then((n) => n === 0), null, { timeout: 10_000 })
      .catch(() => fail("the photo stays kept on the phone after the server stored it"));
    text = await bodyValue(page);
    if (!text.includes("Setelah sesi berakhir.")) fail(`the text is gone after signing in again: ${JSON.stringify(text)}`);
    result.kept_alt = POST.keptAlt;
    step("expired session: the kept photo was sent after signing in again");

    // Publish.
    await page.locator('button[name="action"][value="publish"]').tap();
    await page.waitForURL((url) => /^\/admin\/posts\/[a-z0-9]+$/.test(url.pathname) && url.searchParams.get("ok") === "published", { waitUntil: "load" });
    const publicId = new URL(page.url()).pathname.split("/").pop();
    result.public_id = publicId;
    result.title = POST.title;
    result.alt = POST.alt;
    step(`published ${publicId}`);

    await page.goto(`${args.base}/p/${publicId}`, { waitUntil: "load" });
    const html = await page.locator("main").innerHTML();
    for (const expected of ["<strong>kerja bakti</strong>", "Perlengkapan</h2>", "<strong>Jangan lupa</strong>", "<li>cangkul</li>", "<em>Terima kasih</em>", "<del>Sabtu</del>", "Setelah sesi berakhir."]) {
      if (!html.includes(expected)) fail(`the post page lacks ${expected}`);
    }
    if ((await page.getByAltText(POST.alt, { exact: true }).count()) === 0) fail("the post page does not show the photo with its alt text");
    step("the post is formatted on the site");

    // What was sent is forgotten on this phone: a new post starts empty.
    await page.goto(`${args.base}/admin/posts/new`, { waitUntil: "load" });
    await page.locator(".toolbar").waitFor({ state: "visible" });
    if ((await bodyValue(page)) !== "" || (await page.locator("#editor-restored").isVisible())) {
      fail("after publishing, a new post's form came back filled with the published text");
    }
    if ((await keptPhotos(page)) !== 0 || (await page.locator("#uploads li, #images figure").count()) !== 0) {
      fail("after publishing, a new post's form came back with photos");
    }
    if (problems.length) fail(problems.join("\n"));
  } catch (err) {
    await page.screenshot({ path: join(args.out, "failure-editor.png"), fullPage: true }).catch(() => {});
    await page.content().then((html) => writeFileSync(join(args.out, "failure-editor.html"), html)).catch(() => {});
    throw err;
  } finally {
    await context.close();
  }
}

async function desktopShot(browser, args) {
  if (!process.env.KENTONGAN_SCREENSHOTS) return;
  const context = await browser.newContext({ ...DESKTOP, locale: "id-ID", timezoneId: "Asia/Jakarta" });
  const page = await context.newPage();
  await page.goto(`${args.base}/admin/login`, { waitUntil: "load" });
  await login(page, args);
  await page.goto(`${args.base}/admin/posts/new`, { waitUntil: "load" });
  await page.locator('input[name="title"]').fill("Jadwal posyandu balita bulan ini");
  await body(page).fill("Posyandu melayani **penimbangan**, imunisasi dan pemeriksaan lansia.\n\n- bawa buku KIA;\n- datang pukul 08.00.");
  await page.locator("#live-preview").waitFor({ state: "visible" });
  await shot(page, "editor-desktop.png");
  await context.close();
}

async function main() {
  const args = parseArgs(process.argv.slice(2), ["base", "username", "password", "photo", "out"], "editor.mjs");
  mkdirSync(args.out, { recursive: true });
  const browser = await chromium.launch({ executablePath: args.chromium, headless: true, args: LAUNCH_ARGS, timeout: TIMEOUT_MS });
  const result = {};
  try {
    await writeOnPhone(browser, args, result);
    await desktopShot(browser, args);
  } finally {
    await browser.close();
  }
  writeFileSync(join(args.out, "result.json"), JSON.stringify(result, null, 2));
  console.log(`OK: ${JSON.stringify(result)}`);
}

await runMain(main);
