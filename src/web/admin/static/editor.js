// Kentongan's writing aids, over the editor form that works without them (see
// src/web/admin/editor.rs): a toolbar, saving as one types (in this browser at once, as
// a server draft every few seconds), photos made smaller before they are sent, with
// progress and retries, and kept in this browser until the server has them, pasted
// WhatsApp or word-processor text kept formatted, and a preview as readers and link
// cards will show the post. No framework, nothing from
// elsewhere, nothing inline: the admin's CSP is `script-src 'self'`.
//
// Served as /admin/static/editor.js to every admin page; it does nothing on pages
// without the editor but forget what a successful submit has saved.
(() => {
  "use strict";

  const PREFIX = "kentongan:editor:";
  const SUBMITTED = "kentongan:editor:submitted";
  const SERVER_EVERY_MS = 5000;
  const PREVIEW_AFTER_MS = 1200;
  const LONG_SIDE = 1600;
  const TARGET_BYTES = 400 * 1024;
  const MAX_ATTEMPTS = 8;

  // ---- Photos chosen but not yet stored on the server, kept in this browser
  // (IndexedDB, under the same key as the text in localStorage) with their alt text
  // until the server has them: a lost connection, a closed tab or an ended session
  // loses none of them. Without IndexedDB (or with it forbidden) photos are sent as
  // before, only not kept.

  const DB_NAME = "kentongan-editor";
  const DB_STORE = "photos";
  let database = null;

  function openDb() {
    if (!database) {
      database = new Promise((resolve) => {
        let request;
        try {
          request = indexedDB.open(DB_NAME, 1);
        } catch {
          resolve(null);
          return;
        }
        request.onupgradeneeded = () => {
          request.result.createObjectStore(DB_STORE, { keyPath: "id", autoIncrement: true }).createIndex("draft", "draft");
        };
        request.onsuccess = () => resolve(request.result);
        request.onerror = request.onblocked = () => resolve(null);
      });
    }
    return database;
  }

  /// One transaction on the kept photos: `work` gets the object store and may return a
  /// request whose result is the answer; `undefined` when IndexedDB is not there.
  async function keptPhotos(mode, work) {
    const db = await openDb();
    if (!db) return undefined;
    return new Promise((resolve) => {
      let result;
      try {
        const tx = db.transaction(DB_STORE, mode);
        const request = work(tx.objectStore(DB_STORE));
        if (request) request.onsuccess = () => (result = request.result);
        tx.oncomplete = () => resolve(result);
        tx.onerror = tx.onabort = () => resolve(undefined);
      } catch {
        resolve(undefined);
      }
    });
  }

  // Bytes rather than a Blob: every browser keeps those, private windows too.
  async function keepPhoto(draft, blob, name) {
    const bytes = await blob.arrayBuffer();
    return keptPhotos("readwrite", (store) =>
      store.add({ draft, name, type: blob.type || "image/jpeg", bytes, alt: "", at: Date.now() }),
    );
  }
  const forgetPhoto = (id) => keptPhotos("readwrite", (store) => store.delete(id));
  const photosOf = (draft) => keptPhotos("readonly", (store) => store.index("draft").getAll(draft));

  /// Changes every photo kept under `draft` (`change` returns the record to put, or null
  /// to delete it).
  function eachPhotoOf(draft, change) {
    return keptPhotos("readwrite", (store) => {
      const cursor = store.index("draft").openCursor(draft);
      cursor.onsuccess = () => {
        const at = cursor.result;
        if (!at) return;
        const next = change(at.value);
        if (next) at.update(next);
        else at.delete();
        at.continue();
      };
    });
  }
  const forgetPhotosOf = (draft) => eachPhotoOf(draft, () => null);
  const setAlt = (id, alt) =>
    keptPhotos("readwrite", (store) => {
      const request = store.get(id);
      request.onsuccess = () => {
        if (request.result) store.put({ ...request.result, alt });
      };
    });

  // What the last submit was about: the page after it tells whether it was saved
  // (`?ok=…`, then this browser's copy is no longer needed) or not (kept and offered).
  const submitted = sessionStorage.getItem(SUBMITTED);
  sessionStorage.removeItem(SUBMITTED);
  if (submitted && new URLSearchParams(location.search).has("ok")) {
    localStorage.removeItem(submitted);
    forgetPhotosOf(submitted);
  }

  const form = document.getElementById("editor");
  if (!form) return;
  const T = JSON.parse(document.getElementById("editor-texts").textContent);
  const body = form.elements.body;
  const csrf = form.elements.csrf.value;
  const maxImages = Number(form.dataset.maxImages) || 8;
  const statusLine = document.getElementById("editor-status");
  const alertBox = document.getElementById("editor-alert");
  const imagesBox = document.getElementById("images");
  let target = form.dataset.target;
  let key = PREFIX + form.dataset.user + ":" + target;
  let pendingUploads = 0;

  for (const el of form.querySelectorAll(".toolbar, #body-hint, #photo-drop")) el.hidden = false;
  const fileInputs = document.getElementById("file-inputs");
  if (fileInputs) fileInputs.hidden = true;

  const say = (text) => {
    statusLine.textContent = text;
  };
  const clock = () =>
    new Date().toLocaleTimeString(document.documentElement.lang || "id", { hour: "2-digit", minute: "2-digit" });

  function showAlert(text, link) {
    alertBox.textContent = "";
    const p = document.createElement("p");
    p.textContent = text;
    if (link) {
      p.append(" ");
      const a = document.createElement("a");
      a.href = link.href;
      a.textContent = link.text;
      p.append(a);
    }
    alertBox.append(p);
    alertBox.hidden = false;
    alertBox.scrollIntoView({ block: "nearest" });
  }
  const hideAlert = () => {
    alertBox.hidden = true;
  };
  let photosWaitForLogin = false;
  function sessionExpired() {
    const next = location.pathname + location.search;
    const text = photosWaitForLogin ? T.sessionExpired + " " + T.photoKept : T.sessionExpired;
    showAlert(text, { href: "/admin/login?next=" + encodeURIComponent(next), text: T.signInAgain });
  }

  // ---- The form as data: what this browser keeps, and what is sent as it is typed.

  const imageValue = (figure, prefix) => {
    const el = figure.querySelector(`[name^="${prefix}"]`);
    return el ? (el.type === "checkbox" ? el.checked : el.value) : "";
  };

  function snapshot() {
    const fields = [];
    for (const [name, value] of new FormData(form)) {
      if (typeof value === "string" && name !== "csrf" && !name.startsWith("image_")) fields.push([name, value]);
    }
    const images = [...imagesBox.querySelectorAll("figure")].map((figure) => ({
      key: imageValue(figure, "image_key_"),
      extension: imageValue(figure, "image_ext_"),
      width: imageValue(figure, "image_width_"),
      height: imageValue(figure, "image_height_"),
      alt: imageValue(figure, "image_alt_"),
      removed: imageValue(figure, "image_remove_"),
      thumb: figure.querySelector("img")?.getAttribute("src") || "",
    }));
    return { fields, images };
  }

  function apply(snap) {
    const seen = new Set();
    for (const el of form.elements) {
      if (!el.name || el.name === "csrf" || el.type === "file" || el.name.startsWith("image_")) continue;
      if (el.type === "submit" || el.type === "button") continue;
      const values = snap.fields.filter(([name]) => name === el.name).map(([, value]) => value);
      if (el.type === "checkbox" || el.type === "radio") {
        el.checked = values.includes(el.value);
      } else if (!seen.has(el.name)) {
        el.value = values[0] ?? "";
        seen.add(el.name);
      }
    }
    for (const figure of imagesBox.querySelectorAll("figure")) figure.remove();
    for (const image of snap.images) addFigure(image);
  }

  const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

  // ---- In this browser, at once.

  function saveLocal() {
    try {
      localStorage.setItem(key, JSON.stringify({ savedAt: Date.now(), snap: snapshot() }));
      return true;
    } catch {
      return false; // storage full or forbidden: the server draft still saves.
    }
  }

  function restore() {
    if (new URLSearchParams(location.search).has("templat")) return;
    let stored = null;
    try {
      stored = JSON.parse(localStorage.getItem(key) || "null");
    } catch {
      stored = null;
    }
    if (!stored || !stored.snap) return;
    const fromServer = snapshot();
    if (same(stored.snap, fromServer)) return;
    apply(stored.snap);
    serverDirty = true;
    const notice = document.getElementById("editor-restored");
    notice.hidden = false;
    document.getElementById("editor-discard").addEventListener(
      "click",
      () => {
        apply(fromServer);
        localStorage.removeItem(key);
        notice.hidden = true;
        serverDirty = false;
        schedulePreview();
      },
      { once: true },
    );
  }

  // ---- On the server, every few seconds when online.

  let serverDirty = false;
  let serverBusy = false;

  function textParams() {
    const params = new URLSearchParams();
    for (const [name, value] of new FormData(form)) {
      if (typeof value === "string") params.append(name, value);
    }
    const draft = target.match(/^draft-(\d+)$/);
    if (draft) params.append("draft_id", draft[1]);
    return params;
  }

  async function postJson(url, params) {
    const response = await fetch(url, {
      method: "POST",
      body: params,
      credentials: "same-origin",
      redirect: "manual",
      headers: { Accept: "application/json" },
    });
    if (response.type === "opaqueredirect") {
      sessionExpired();
      return null;
    }
    const data = await response.json().catch(() => ({}));
    return { ok: response.ok, status: response.status, data };
  }

  async function saveServer() {
    if (form.dataset.autosave !== "yes" || !serverDirty || serverBusy || !navigator.onLine) return;
    if (!form.elements.title.value.trim()) return;
    serverBusy = true;
    serverDirty = false;
    say(T.saving);
    try {
      const answer = await postJson("/admin/editor/autosave", textParams());
      if (!answer) {
        serverDirty = true;
        return;
      }
      if (answer.ok && answer.data.draft_id) {
        const was = key;
        target = "draft-" + answer.data.draft_id;
        key = PREFIX + form.dataset.user + ":" + target;
        form.dataset.target = target;
        if (was !== key) {
          form.action = answer.data.edit_url;
          history.replaceState(null, "", answer.data.edit_url);
          localStorage.removeItem(was);
          eachPhotoOf(was, (photo) => ({ ...photo, draft: key }));
        }
        saveLocal();
        say(T.savedServer + " · " + clock());
        hideAlert();
      } else if (answer.status === 409) {
        form.dataset.autosave = "no";
        say(answer.data.error || T.savedLocal);
      } else {
        say((answer.data.error || T.savedLocal) + " · " + clock());
      }
    } catch {
      serverDirty = true;
      say(T.savedLocal + " · " + clock());
    } finally {
      serverBusy = false;
    }
  }

  function changed() {
    const kept = saveLocal();
    serverDirty = true;
    if (form.dataset.autosave !== "yes" || !navigator.onLine) say(kept ? T.savedLocal + " · " + clock() : "");
    schedulePreview();
  }
  form.addEventListener("input", changed);
  form.addEventListener("change", changed);
  setInterval(saveServer, SERVER_EVERY_MS);
  window.addEventListener("online", () => {
    hideAlert();
    saveServer();
  });
  window.addEventListener("pagehide", saveLocal);
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "hidden") saveLocal();
  });

  form.addEventListener("submit", (event) => {
    saveLocal();
    if (!navigator.onLine) {
      event.preventDefault();
      showAlert(T.offline);
      return;
    }
    if (pendingUploads > 0) {
      event.preventDefault();
      say(T.uploading);
      return;
    }
    sessionStorage.setItem(SUBMITTED, key);
  });

  // ---- The toolbar.

  function replaceSelection(text, selectFrom, selectTo) {
    const start = body.selectionStart;
    body.setRangeText(text, start, body.selectionEnd, "end");
    body.focus();
    if (selectFrom !== undefined) body.setSelectionRange(start + selectFrom, start + selectTo);
    body.dispatchEvent(new Event("input", { bubbles: true }));
  }

  function wrap(mark, placeholder) {
    const selected = body.value.slice(body.selectionStart, body.selectionEnd);
    const inner = selected.trim() || placeholder;
    const lead = selected.match(/^\s*/)[0];
    const trail = selected.trim() ? selected.match(/\s*$/)[0] : "";
    const text = lead + mark + inner + mark + trail;
    const from = lead.length + mark.length;
    replaceSelection(text, from, from + inner.length);
  }

  function prefixLines(prefix, numbered) {
    const value = body.value;
    const start = value.lastIndexOf("\n", body.selectionStart - 1) + 1;
    let end = value.indexOf("\n", body.selectionEnd);
    if (end === -1) end = value.length;
    const lines = value.slice(start, end).split("\n");
    const has = (line) => line.startsWith(prefix) || (numbered && /^\d+\. /.test(line));
    const all = lines.every(has);
    const out = lines.map((line, n) => {
      if (all) return line.replace(numbered ? /^(- |\d+\. )/ : prefix, "");
      return has(line) ? line : prefix + line;
    });
    // A block needs a blank line before it to stand on its own.
    const before = start > 0 && value[start - 2] !== "\n" && !all ? "\n" : "";
    body.setSelectionRange(start, end);
    const text = before + out.join("\n");
    replaceSelection(text, text.length, text.length);
  }

  const actions = {
    bold: () => wrap("**", T.bold || "tebal"),
    italic: () => wrap("*", T.italic || "miring"),
    heading: () => prefixLines("## "),
    list: () => prefixLines("- ", true),
    quote: () => prefixLines("> "),
    link: () => {
      const selected = body.value.slice(body.selectionStart, body.selectionEnd).trim() || T.linkText;
      const text = `[${selected}](https://)`;
      replaceSelection(text, selected.length + 3, text.length - 1);
    },
    photo: () => document.getElementById("photo-input").click(),
  };
  const toolbar = form.querySelector(".toolbar");
  // A tap on a button must not take the caret (and the phone's keyboard) from the text.
  toolbar.addEventListener("pointerdown", (event) => {
    if (event.target.closest("button") && event.target.closest("button").dataset.format !== "photo") {
      event.preventDefault();
    }
  });
  toolbar.addEventListener("click", (event) => {
    const button = event.target.closest("button[data-format]");
    if (button) actions[button.dataset.format]();
  });

  // ---- Paste: WhatsApp's marks and a word processor's HTML become our Markdown.

  const WA_INLINE = [
    [/(^|[\s(>"'])\*(?=\S)([^*\n]*?\S)\*(?=$|[\s.,!?:;)"'])/g, "$1**$2**"],
    [/(^|[\s(>"'])_(?=\S)([^_\n]*?\S)_(?=$|[\s.,!?:;)"'])/g, "$1*$2*"],
    [/(^|[\s(>"'])~(?=\S)([^~\n]*?\S)~(?=$|[\s.,!?:;)"'])/g, "$1~~$2~~"],
  ];

  function whatsappToMarkdown(text) {
    return text
      .replace(/\r\n?/g, "\n")
      .split("\n")
      .map((line) => {
        let out = line.replace(/^(\s*)[•·▪◦●]\s*/, "$1- ").replace(/^(\s*)(\d+)[.)]\s+/, "$1$2. ");
        // A line "*Judul*" alone reads as bold in WhatsApp: bold here too.
        for (const [pattern, replacement] of WA_INLINE) out = out.replace(pattern, replacement);
        return out;
      })
      .join("\n");
  }
  const looksLikeWhatsApp = (text) =>
    WA_INLINE.some(([pattern]) => new RegExp(pattern.source, "m").test(text)) || /^\s*[•·▪◦●]/m.test(text);

  function htmlToMarkdown(html) {
    const doc = new DOMParser().parseFromString(html, "text/html");
    const blocks = [];
    const inline = (node) => {
      if (node.nodeType === Node.TEXT_NODE) return node.textContent.replace(/\s+/g, " ");
      if (node.nodeType !== Node.ELEMENT_NODE) return "";
      const tag = node.tagName.toLowerCase();
      const style = node.getAttribute("style") || "";
      const inner = [...node.childNodes].map(inline).join("");
      const mark = (m) => {
        const trimmed = inner.trim();
        if (!trimmed) return inner;
        return inner.match(/^\s*/)[0] + m + trimmed + m + inner.match(/\s*$/)[0];
      };
      const boldStyle = /font-weight\s*:\s*(bold|[6-9]00)/i.test(style);
      const notBold = /font-weight\s*:\s*(normal|[1-4]00)/i.test(style);
      const italicStyle = /font-style\s*:\s*italic/i.test(style);
      if (tag === "br") return "\n";
      if (tag === "img" || tag === "script" || tag === "style") return "";
      if (tag === "a") {
        const href = node.getAttribute("href") || "";
        return /^https?:\/\//i.test(href) && inner.trim() ? `[${inner.trim()}](${href})` : inner;
      }
      if ((tag === "b" || tag === "strong") && !notBold) return mark("**");
      if (tag === "i" || tag === "em") return mark("*");
      if (tag === "s" || tag === "del" || tag === "strike") return mark("~~");
      if (boldStyle) return mark("**");
      if (italicStyle) return mark("*");
      return inner;
    };
    const clean = (text) => text.replace(/[ \t]+\n/g, "\n").replace(/\n[ \t]+/g, "\n").trim();
    const walk = (node, quote) => {
      for (const child of node.childNodes) {
        if (child.nodeType === Node.TEXT_NODE) {
          if (child.textContent.trim()) blocks.push(quote + clean(inline(child)));
          continue;
        }
        if (child.nodeType !== Node.ELEMENT_NODE) continue;
        const tag = child.tagName.toLowerCase();
        if (/^h[1-6]$/.test(tag)) {
          const text = clean(inline(child)).replace(/\*\*/g, "");
          if (text) blocks.push(quote + (tag <= "h2" ? "## " : "### ") + text);
        } else if (tag === "ul" || tag === "ol") {
          const items = [...child.children].filter((li) => li.tagName.toLowerCase() === "li");
          const lines = items
            .map((li, n) => (tag === "ol" ? `${n + 1}. ` : "- ") + clean(inline(li)).replace(/\n+/g, " "))
            .filter((line) => line.trim().length > 3);
          if (lines.length) blocks.push(lines.map((l) => quote + l).join("\n"));
        } else if (tag === "blockquote") {
          walk(child, quote + "> ");
        } else if (["p", "div", "section", "article", "td", "li", "pre"].includes(tag)) {
          const hasBlocks = child.querySelector("p, div, ul, ol, h1, h2, h3, h4, h5, h6, blockquote, table");
          if (hasBlocks) walk(child, quote);
          else {
            const text = clean(inline(child));
            if (text) blocks.push(text.split("\n").map((l) => quote + l).join("\n"));
          }
        } else if (["table", "tbody", "thead", "tr", "body", "main", "span", "b", "font"].includes(tag)) {
          const hasBlocks = child.querySelector("p, div, ul, ol, h1, h2, h3, h4, h5, h6, blockquote, table, tr");
          if (hasBlocks) walk(child, quote);
          else {
            const text = clean(inline(child));
            if (text) blocks.push(quote + text);
          }
        } else if (!["script", "style", "head", "meta", "title", "img"].includes(tag)) {
          const text = clean(inline(child));
          if (text) blocks.push(quote + text);
        }
      }
    };
    walk(doc.body, "");
    return blocks.join("\n\n");
  }

  body.addEventListener("paste", (event) => {
    const data = event.clipboardData;
    if (!data) return;
    const photos = [...data.files].filter((file) => file.type.startsWith("image/"));
    if (photos.length) {
      event.preventDefault();
      addPhotos(photos);
      return;
    }
    const html = data.getData("text/html");
    const text = data.getData("text/plain");
    let markdown = null;
    if (html && /<(b|strong|i|em|h[1-6]|ul|ol|a|blockquote|s|del)[\s>]|font-weight|font-style/i.test(html)) {
      markdown = htmlToMarkdown(html);
    } else if (text && looksLikeWhatsApp(text)) {
      markdown = whatsappToMarkdown(text);
    }
    if (markdown === null) return;
    event.preventDefault();
    replaceSelection(markdown);
  });

  // ---- Photos: made smaller here, sent at once, shown with the others.

  function freeSlot() {
    const used = new Set(
      [...form.querySelectorAll('[name^="image_key_"]')].map((el) => Number(el.name.slice("image_key_".length))),
    );
    for (let n = 0; n < maxImages * 2; n++) if (!used.has(n)) return n;
    return -1;
  }
  const imageCount = () => imagesBox.querySelectorAll("figure").length;

  function addFigure(image) {
    const n = freeSlot();
    if (n < 0) return;
    const figure = document.createElement("figure");
    const img = document.createElement("img");
    img.src = image.thumb;
    img.alt = image.alt || "";
    img.width = 200;
    figure.append(img);
    for (const [field, value] of [
      ["key", image.key],
      ["ext", image.extension],
      ["width", image.width],
      ["height", image.height],
    ]) {
      const hidden = document.createElement("input");
      hidden.type = "hidden";
      hidden.name = `image_${field}_${n}`;
      hidden.value = String(value);
      figure.append(hidden);
    }
    const label = document.createElement("label");
    label.htmlFor = `image_alt_${n}`;
    label.textContent = imageCount() === 0 ? T.altFirst : T.alt;
    const alt = document.createElement("textarea");
    alt.id = alt.name = `image_alt_${n}`;
    alt.rows = 2;
    alt.value = image.alt || "";
    const remove = document.createElement("input");
    remove.type = "checkbox";
    remove.id = remove.name = `image_remove_${n}`;
    remove.value = "yes";
    remove.checked = Boolean(image.removed);
    const removeLabel = document.createElement("label");
    removeLabel.className = "inline";
    removeLabel.htmlFor = remove.id;
    removeLabel.textContent = T.remove;
    figure.append(label, alt, remove, removeLabel);
    imagesBox.append(figure);
    return alt;
  }

  /// A JPEG whose long side is at most 1600 px, of at most about 400 KB; the file
  /// itself when it is already that small or cannot be read here (the server decides).
  async function shrink(file) {
    let bitmap;
    try {
      bitmap = await createImageBitmap(file, { imageOrientation: "from-image" });
    } catch {
      return file;
    }
    const scale = Math.min(1, LONG_SIDE / Math.max(bitmap.width, bitmap.height));
    if (scale === 1 && file.size <= TARGET_BYTES && file.type === "image/jpeg") return file;
    const canvas = document.createElement("canvas");
    canvas.width = Math.max(1, Math.round(bitmap.width * scale));
    canvas.height = Math.max(1, Math.round(bitmap.height * scale));
    const context = canvas.getContext("2d");
    context.fillStyle = "#fff";
    context.fillRect(0, 0, canvas.width, canvas.height);
    context.drawImage(bitmap, 0, 0, canvas.width, canvas.height);
    bitmap.close();
    let quality = 0.85;
    let blob = null;
    for (;;) {
      blob = await new Promise((resolve) => canvas.toBlob(resolve, "image/jpeg", quality));
      if (!blob || blob.size <= TARGET_BYTES || quality <= 0.45) break;
      quality -= 0.1;
    }
    return blob && blob.size < file.size ? blob : file;
  }

  function uploadItem(name) {
    const li = document.createElement("li");
    const label = document.createElement("span");
    const progress = document.createElement("progress");
    progress.max = 1;
    progress.value = 0;
    progress.setAttribute("aria-label", name);
    li.append(label, progress);
    document.getElementById("uploads").append(li);
    return {
      text: (text) => {
        label.textContent = `${name}: ${text}`;
      },
      progress: (fraction) => {
        progress.value = fraction;
      },
      done: () => li.remove(),
      fail: (text) => {
        label.textContent = `${name}: ${text}`;
        progress.remove();
        li.className = "alert";
      },
      /// Not sent, kept on this device: shown with its alt text, which is kept too.
      keep: (text, blob, alt, onAlt) => {
        label.textContent = `${name}: ${text}`;
        progress.remove();
        li.className = "alert kept";
        if (li.querySelector("textarea")) return;
        const thumb = document.createElement("img");
        thumb.src = URL.createObjectURL(blob);
        thumb.alt = "";
        thumb.width = 120;
        const field = document.createElement("textarea");
        field.id = `kept-alt-${++keptFields}`;
        field.rows = 2;
        field.value = alt;
        const fieldLabel = document.createElement("label");
        fieldLabel.htmlFor = field.id;
        fieldLabel.textContent = T.alt;
        field.addEventListener("input", () => onAlt(field.value));
        li.append(thumb, fieldLabel, field);
      },
      alt: () => li.querySelector("textarea")?.value,
    };
  }
  let keptFields = 0;

  /// Why a photo was not sent: `kept` says it stays on this device to be sent again
  /// ("session": after signing in again, "later": when the page is opened again).
  class UploadError extends Error {
    constructor(message, kept) {
      super(message);
      this.kept = kept;
    }
  }

  /// Sends one photo; a lost connection or a server error is tried again, waiting
  /// longer each time (1 s, 2 s, 4 s … 30 s), and an offline phone waits to be online.
  function upload(blob, item) {
    return new Promise((resolve, reject) => {
      let attempt = 0;
      const retry = () => {
        if (attempt >= MAX_ATTEMPTS) {
          reject(new UploadError(T.photoKeptOffline, "later"));
          return;
        }
        item.text(T.retrying);
        setTimeout(send, Math.min(30000, 1000 * 2 ** (attempt - 1)));
      };
      const send = () => {
        if (!navigator.onLine) {
          item.text(T.waiting);
          window.addEventListener("online", send, { once: true });
          return;
        }
        attempt += 1;
        item.text(T.uploading);
        const data = new FormData();
        data.append("csrf", csrf);
        data.append("photo", blob, "foto.jpg");
        const xhr = new XMLHttpRequest();
        xhr.open("POST", "/admin/editor/upload");
        xhr.responseType = "json";
        xhr.timeout = 120000;
        xhr.setRequestHeader("Accept", "application/json");
        xhr.upload.onprogress = (event) => {
          if (event.lengthComputable) item.progress(event.loaded / event.total);
        };
        xhr.onload = () => {
          if (xhr.status === 200 && xhr.response && xhr.response.key) {
            resolve(xhr.response);
          } else if (xhr.status >= 500 || xhr.status === 408 || xhr.status === 429) {
            retry();
          } else if (
            xhr.responseURL.includes("/admin/login") ||
            !xhr.response ||
            xhr.status === 401 ||
            xhr.status === 403
          ) {
            // The login form (the session ended) or any other answer that is not ours:
            // asking again will not help before the operator signs in again.
            reject(new UploadError(T.photoKeptShort, "session"));
          } else {
            reject(new UploadError(xhr.response.error || T.uploadFailed));
          }
        };
        xhr.onerror = retry;
        xhr.ontimeout = retry;
        xhr.send(data);
      };
      send();
    });
  }

  /// Shrinks a chosen photo (or takes one kept on this device), keeps it here until the
  /// server has it, sends it and adds it to the form.
  async function addPhoto(file, kept) {
    const name = kept ? kept.name : file.name || "foto";
    const item = uploadItem(name);
    let id = kept ? kept.id : undefined;
    let alt = kept ? kept.alt : "";
    let small = kept ? new Blob([kept.bytes], { type: kept.type }) : null;
    try {
      if (!small) {
        item.text(T.shrinking);
        small = await shrink(file);
        id = await keepPhoto(key, small, name);
      }
      const image = await upload(small, item);
      alt = item.alt() ?? alt;
      item.done();
      const field = addFigure({ ...image, alt });
      say(T.uploaded);
      changed();
      if (id !== undefined) await forgetPhoto(id);
      if (field && !kept) field.focus();
    } catch (err) {
      if (err.kept && id !== undefined) {
        item.keep(err.message, small, item.alt() ?? alt, (text) => setAlt(id, text));
      } else {
        if (id !== undefined) forgetPhoto(id);
        item.fail(err.kept ? T.uploadFailed : err.message);
      }
      if (err.kept === "session") {
        photosWaitForLogin ||= id !== undefined;
        sessionExpired();
      }
    }
  }

  function addPhotos(files, kept) {
    for (const file of kept || files) {
      if (imageCount() + pendingUploads >= maxImages) {
        say(T.tooMany);
        break;
      }
      pendingUploads += 1;
      (kept ? addPhoto(null, file) : addPhoto(file)).finally(() => {
        pendingUploads -= 1;
      });
    }
  }

  /// After a reload or signing in again: the photos this device kept are sent again.
  async function restorePhotos() {
    const kept = await photosOf(key);
    if (!kept || !kept.length) return;
    say(T.photosRestored);
    addPhotos(null, kept);
  }

  const photoInput = document.getElementById("photo-input");
  photoInput.addEventListener("change", () => {
    addPhotos([...photoInput.files]);
    photoInput.value = "";
  });
  // The plain file inputs, when used anyway: sent the same way, not with the form.
  for (const name of ["cover", "gallery"]) {
    const input = form.elements[name];
    if (!input) continue;
    input.addEventListener("change", () => {
      addPhotos([...input.files]);
      input.value = "";
    });
  }
  const drop = document.getElementById("photo-drop");
  for (const zone of [drop, body]) {
    zone.addEventListener("dragover", (event) => {
      if ([...event.dataTransfer.types].includes("Files")) {
        event.preventDefault();
        drop.classList.add("over");
      }
    });
    zone.addEventListener("dragleave", () => drop.classList.remove("over"));
    zone.addEventListener("drop", (event) => {
      const photos = [...event.dataTransfer.files].filter((file) => file.type.startsWith("image/"));
      if (!photos.length) return;
      event.preventDefault();
      drop.classList.remove("over");
      addPhotos(photos);
    });
  }

  // ---- The preview: as readers will see it, and as a link card.

  const live = document.getElementById("live-preview");
  let previewTimer = null;
  function schedulePreview() {
    clearTimeout(previewTimer);
    previewTimer = setTimeout(preview, PREVIEW_AFTER_MS);
  }
  async function preview() {
    if (!navigator.onLine) return;
    let answer;
    try {
      answer = await postJson("/admin/editor/preview", textParams());
    } catch {
      return;
    }
    if (!answer || !answer.ok) return;
    const p = answer.data;
    document.getElementById("live-title").textContent = p.title;
    document.querySelector("#live-summary em").textContent = p.summary;
    // The server's Markdown rendering: the same sanitised HTML the public page shows.
    document.getElementById("live-body").innerHTML = p.body_html;
    const images = document.getElementById("live-images");
    images.textContent = "";
    for (const image of p.images) {
      const img = document.createElement("img");
      img.src = image.src;
      img.alt = image.alt;
      images.append(img);
    }
    document.getElementById("live-card-title").textContent = p.title;
    document.getElementById("live-card-summary").textContent = p.card_summary;
    const cardImage = document.getElementById("live-card-image");
    cardImage.hidden = !p.images.length;
    if (p.images.length) {
      cardImage.src = p.images[0].src;
      cardImage.alt = p.images[0].alt;
    }
    live.hidden = false;
  }

  // ---- The phone's keyboard never hides the field being typed in.

  const keepInView = () => {
    const el = document.activeElement;
    if (el && el.matches && el.matches("input, textarea, select")) el.scrollIntoView({ block: "nearest" });
  };
  form.addEventListener("focusin", keepInView);
  if (window.visualViewport) window.visualViewport.addEventListener("resize", keepInView);

  restore();
  restorePhotos();
  schedulePreview();
})();
