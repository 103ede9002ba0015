// Kentongan interop test resident ("warga"): a tiny fediverse server built
// with Fedify (an independent ActivityPub implementation), playing a
// resident's account on a Mastodon-like server.
//
// Usage:
//   node resident.mjs --port P [--follow user@host[:port]] [--username warga]
//                     [--origin https://name] [--require-signed-fetch]
//                     [--first-knock rfc9421|draft-cavage-http-signatures-12]
//                     [--refuse-rfc9421] [--log-level warning|info|debug]
//
// --origin is the public origin of this server when it runs behind a reverse
// proxy (production shape: https, a name without a port); WebFinger lookups
// then use https too.  The default is http://localhost:PORT.  With
// --require-signed-fetch, GETs of the actor must carry an HTTP Signature
// that verifies (authorized fetch, as GoToSocial and Mastodon's secure mode
// require); unsigned ones get 401.  Every lookup this resident makes is
// signed with its own key.  Trust a test CA with NODE_EXTRA_CA_CERTS.
//
// HTTP signatures: --first-knock is the kind this resident signs with first
// (Fedify double-knocks: on 400/401 it tries the other kind, and remembers per
// server what worked); the default is draft-cavage, as Mastodon before 4.5.
// With rfc9421 it signs as Fedify does by default (RFC 9421, rsa-v1_5-sha256).
// --refuse-rfc9421 makes its inbox answer 401 to POSTs signed with RFC 9421
// (Signature-Input), as a server that reads draft-cavage only does, and
// report each as a "refused_rfc9421" event.
//
// Needs Node >= 22 (Fedify 2.x); `npm ci` in this folder installs one at
// node_modules/node/bin/node.
//
// stdout carries one JSON object per line (one per event), nothing else:
//   {"event":"listening","port":P,"actor":ID}
//   {"event":"webfinger","resource":...,"subject":...,"self":...}
//   {"event":"follow_sent","actor":ID,"id":FOLLOW_ID,"signatureSpec":SPEC}
//                  (SPEC: the kind of signature Fedify kept for the followed
//                   server's origin after the Follow went through)
//   {"event":"refused_rfc9421","path":...}     (with --refuse-rfc9421)
//   {"event":"accepted","actor":ID,"follow":FOLLOW_ID}
//   {"event":"rejected","actor":ID,"follow":FOLLOW_ID}
//   {"event":"follow_received","actor":ID}      (we auto-accept follows)
//   {"event":"accept_sent","actor":ID}
//   {"event":"create","id":...,"type":...,"content":...,"url":...,
//    "attributedTo":...,"tags":[...],"attachment":[...],
//    "signatureVerified":true,"httpSignature":{...},"raw":{...}}
//   {"event":"update", same fields as create}
//   {"event":"delete","object":ID,...}
//   {"event":"activity","type":...,"id":...}     (any other activity type)
//   {"event":"unfollow_sent","actor":ID}
//   {"event":"reply_sent","id":NOTE_ID,"inReplyTo":ID}
//   {"event":"quote_request_sent","id":REQUEST_ID,"note":NOTE_ID,"target":ID}
//   {"event":"quote_accepted","request":REQUEST_ID,"result":STAMP_ID,
//    "authorization":{...the stamp as Fedify fetched and read it...}}
//   {"event":"quote_rejected","request":REQUEST_ID}
//   {"event":"error","message":...}
// Diagnostics (Fedify's own logs) go to stderr.
//
// stdin: a line "unfollow" sends Undo(Follow) to the followed actor and
// prints {"event":"unfollow_sent"}.  Self-test helpers (so that two residents
// can exercise each other): "note TEXT", "edit TEXT", "delete" publish a
// Create/Update/Delete of a Note to this resident's followers and print
// note_sent/edit_sent/delete_sent.  "reply NOTE_ID TEXT" sends the followed
// actor a public reply to its note NOTE_ID, mentioning it, as Mastodon does
// when a resident answers a village post (prints reply_sent).  "quote NOTE_ID
// TEXT" asks the followed actor's leave to quote its note NOTE_ID (FEP-044f: a
// QuoteRequest whose instrument is the quoting Note, inline); the Accept is
// answered by fetching its QuoteAuthorization (signed) and printing what Fedify
// read of it (quote_accepted), a Reject by quote_rejected.  When stdin is closed, or on
// SIGTERM/SIGINT, the process exits with status 0 (so run it with stdin
// kept open, e.g. from a pipe).
//
// Two residents, one following the other:
//   node resident.mjs --port 18081 --username desa
//   node resident.mjs --port 18082 --follow desa@localhost:18081
//
// Signature verification: Fedify verifies every incoming inbox POST before
// any inbox listener runs (skipSignatureVerification is left false, its
// default).  An activity that is not authenticated by an HTTP Signature (or
// by a Linked Data Signature / Object Integrity Proof, which Fedify also
// accepts) is answered 401 and never reaches the listeners below; the
// onUnverifiedActivity hook only reports it as an "error" event and keeps
// the 401.  A valid signature whose key does not belong to the activity's
// actor is also answered 401.  In addition this script verifies the HTTP
// Signature of each inbox POST itself with Fedify's verifyRequestDetailed()
// and reports the outcome in the "httpSignature" field of each event.

import http from "node:http";
import process from "node:process";
import readline from "node:readline";
import { parseArgs } from "node:util";
import {
  createFederation,
  generateCryptoKeyPair,
  InProcessMessageQueue,
  MemoryKvStore,
  verifyRequestDetailed,
} from "@fedify/fedify";
import {
  Accept,
  Activity,
  Create,
  Delete,
  Document,
  Endpoints,
  Follow,
  Hashtag,
  isActor,
  Link,
  Mention,
  Note,
  Person,
  QuoteAuthorization,
  QuoteRequest,
  Reject,
  Tombstone,
  Undo,
  Update,
} from "@fedify/vocab";
import { configure, getTextFormatter } from "@logtape/logtape";
import { Temporal } from "@js-temporal/polyfill";

// ---------------------------------------------------------------- arguments

const { values: args } = parseArgs({
  options: {
    port: { type: "string" },
    host: { type: "string", default: "127.0.0.1" },
    follow: { type: "string" },
    username: { type: "string", default: "warga" },
    origin: { type: "string" },
    "require-signed-fetch": { type: "boolean", default: false },
    "first-knock": { type: "string", default: "draft-cavage-http-signatures-12" },
    "refuse-rfc9421": { type: "boolean", default: false },
    "log-level": { type: "string", default: "warning" },
  },
  strict: true,
});
if (args.port == null || !/^\d+$/.test(args.port)) {
  process.stderr.write(
    "usage: node resident.mjs --port P [--follow user@host:port] " +
      "[--username warga] [--log-level warning]\n",
  );
  process.exit(2);
}
const PORT = Number(args.port);
const USERNAME = args.username;
const ORIGIN = new URL(args.origin ?? `http://localhost:${PORT}`).origin;
/** WebFinger speaks the scheme this server is reached with. */
const WEBFINGER_SCHEME = new URL(ORIGIN).protocol;

// ------------------------------------------------------------------ output

function emit(event) {
  // process.stdout is synchronous for files and pipes on Linux, so every
  // line is flushed as soon as it is written.
  process.stdout.write(JSON.stringify(event) + "\n");
}

function emitError(message, extra = {}) {
  emit({ event: "error", message: String(message), ...extra });
}

await configure({
  sinks: {
    stderr: (record) => {
      process.stderr.write(stderrFormatter(record));
    },
  },
  loggers: [
    { category: ["logtape", "meta"], sinks: ["stderr"], lowestLevel: "error" },
    {
      category: "fedify",
      sinks: ["stderr"],
      filters: ["dropExpected"],
      lowestLevel: args["log-level"],
    },
  ],
  filters: {
    // Expected with an RSA-only (Mastodon-like) actor: no Ed25519 key for
    // Object Integrity Proofs, no assertionMethod.  Not interesting here.
    dropExpected: (record) =>
      !(record.level === "warning" &&
        /create a proof|assertionMethod/.test(record.rawMessage)),
  },
});
function stderrFormatter(record) {
  return `[resident:${PORT}] ` + textFormatter(record);
}
const textFormatter = getTextFormatter();

// ------------------------------------------------------------------- state

/** RSASSA-PKCS1-v1_5 key pair (what Mastodon and the Rust side speak). */
const keyPair = await generateCryptoKeyPair("RSASSA-PKCS1-v1_5");
/** Follow activities we sent, by id. */
const sentFollows = new Map();
/** QuoteRequests we sent, by id. */
const sentQuoteRequests = new Map();
/** Our followers: actor id -> actor object (for the followers collection). */
const followers = new Map();
/** Results of our own HTTP Signature check of inbox POSTs, by activity id. */
const httpSignatureChecks = new Map();
/** Raw JSON bodies of inbox POSTs, by activity id. */
const rawActivities = new Map();
/** The actor we follow (after WebFinger + lookup). */
let followedActor = null;
/** The currently active Follow we sent. */
let activeFollow = null;

// -------------------------------------------------------------- federation

if (!["rfc9421", "draft-cavage-http-signatures-12"].includes(args["first-knock"])) {
  process.stderr.write(`unknown --first-knock ${args["first-knock"]}\n`);
  process.exit(2);
}
/** Fedify keeps here, per origin, which kind of signature a server took. */
const kv = new MemoryKvStore();

const federation = createFederation({
  kv,
  queue: new InProcessMessageQueue(),
  origin: ORIGIN,
  // Loopback + plain http: test only.
  allowPrivateAddress: true,
  firstKnock: args["first-knock"],
  // Left at its default (false) on purpose: Fedify must verify signatures.
  skipSignatureVerification: false,
  userAgent: { software: "kentongan-interop-resident/0.0.0" },
  // Do not wait hours between retries in a test.
  outboxRetryPolicy: () => null,
  inboxRetryPolicy: () => null,
  onOutboxError: (error, activity) => {
    emitError(`outbox: ${error?.message ?? error}`, {
      activity: activity?.id?.href ?? null,
    });
  },
});

federation
  .setActorDispatcher("/users/{identifier}", async (ctx, identifier) => {
    if (identifier !== USERNAME) return null;
    const keys = await ctx.getActorKeyPairs(identifier);
    return new Person({
      id: ctx.getActorUri(identifier),
      preferredUsername: identifier,
      name: "Warga Jangkarasam",
      summary: "Interop test resident (Fedify)",
      url: ctx.getActorUri(identifier),
      inbox: ctx.getInboxUri(identifier),
      outbox: ctx.getOutboxUri(identifier),
      endpoints: new Endpoints({ sharedInbox: ctx.getInboxUri() }),
      followers: ctx.getFollowersUri(identifier),
      following: ctx.getFollowingUri(identifier),
      manuallyApprovesFollowers: false,
      // Like Mastodon: one RSA key as publicKey, no Ed25519/Multikey.
      publicKey: keys[0]?.cryptographicKey,
    });
  })
  .authorize(async (ctx, _identifier) =>
    !args["require-signed-fetch"] || (await ctx.getSignedKeyOwner()) != null
  )
  .mapHandle((_ctx, username) => username === USERNAME ? USERNAME : null)
  .setKeyPairsDispatcher((_ctx, identifier) =>
    identifier === USERNAME ? [keyPair] : []
  );

federation.setOutboxDispatcher(
  "/users/{identifier}/outbox",
  (_ctx, identifier) => identifier === USERNAME ? { items: [] } : null,
);

federation
  .setFollowersDispatcher("/users/{identifier}/followers", (_ctx, identifier) => {
    if (identifier !== USERNAME) return null;
    return {
      items: [...followers.values()].map((a) => ({
        id: a.id,
        inboxId: a.inboxId,
        endpoints: a.endpoints,
      })),
    };
  })
  .setCounter((_ctx, identifier) =>
    identifier === USERNAME ? followers.size : null
  );

federation
  .setFollowingDispatcher("/users/{identifier}/following", (_ctx, identifier) => {
    if (identifier !== USERNAME) return null;
    return { items: activeFollow && followedActor ? [followedActor.id] : [] };
  })
  .setCounter((_ctx, identifier) =>
    identifier === USERNAME ? (activeFollow && followedActor ? 1 : 0) : null
  );

// Our Follow activities are dereferenceable, so a peer may Accept a Follow
// by id only (without embedding it).
federation.setObjectDispatcher(Follow, "/follows/{id}", (_ctx, values) => {
  return sentFollows.get(`${ORIGIN}/follows/${values.id}`) ?? null;
});

// Our QuoteRequests are dereferenceable too: Fedify fetches an object embedded by
// another server (the village's Accept embeds our request) from its own origin.
federation.setObjectDispatcher(QuoteRequest, "/quote-requests/{id}", (_ctx, values) => {
  return sentQuoteRequests.get(`${ORIGIN}/quote-requests/${values.id}`) ?? null;
});

federation
  .setInboxListeners("/users/{identifier}/inbox", "/inbox")
  .on(Follow, async (ctx, follow) => {
    if (follow.objectId?.href !== ctx.getActorUri(USERNAME).href) {
      emitError("Follow for an unknown object", {
        object: follow.objectId?.href ?? null,
      });
      return;
    }
    const follower = await follow.getActor(ctx);
    if (follower == null || !isActor(follower)) {
      emitError("Follow: could not dereference the follower", {
        actor: follow.actorId?.href ?? null,
      });
      return;
    }
    followers.set(follower.id.href, follower);
    emit({ event: "follow_received", actor: follower.id.href, id: idOf(follow) });
    const accept = new Accept({
      id: newActivityUri("accepts"),
      actor: ctx.getActorUri(USERNAME),
      object: follow,
    });
    await ctx.sendActivity({ identifier: USERNAME }, follower, accept, {
      immediate: true,
    });
    emit({ event: "accept_sent", actor: follower.id.href });
  })
  .on(Accept, async (ctx, accept) => {
    if (await answersQuoteRequest(ctx, accept)) {
      await quoteAccepted(ctx, accept);
      return;
    }
    const follow = matchOwnFollow(accept);
    if (follow == null) {
      emitError("Accept for an unknown or mismatching Follow", {
        actor: accept.actorId?.href ?? null,
        object: accept.objectId?.href ?? null,
        raw: rawActivities.get(idOf(accept)) ?? null,
      });
      return;
    }
    emit({
      event: "accepted",
      actor: accept.actorId.href,
      follow: follow.id.href,
      id: idOf(accept),
      signatureVerified: true,
      httpSignature: httpSignatureChecks.get(idOf(accept)) ?? null,
      raw: rawActivities.get(idOf(accept)) ?? null,
    });
  })
  .on(Reject, async (ctx, reject) => {
    if (await answersQuoteRequest(ctx, reject)) {
      emit({ event: "quote_rejected", request: reject.objectId?.href ?? null });
      return;
    }
    const follow = matchOwnFollow(reject);
    emit({
      event: "rejected",
      actor: reject.actorId?.href ?? null,
      follow: follow?.id?.href ?? reject.objectId?.href ?? null,
    });
  })
  .on(Create, async (ctx, create) => {
    emit({ event: "create", ...(await describeObjectActivity(ctx, create)) });
  })
  .on(Update, async (ctx, update) => {
    emit({ event: "update", ...(await describeObjectActivity(ctx, update)) });
  })
  .on(Delete, async (_ctx, del) => {
    emit({
      event: "delete",
      object: del.objectId?.href ?? null,
      activityId: idOf(del),
      actor: del.actorId?.href ?? null,
      signatureVerified: true,
      httpSignature: httpSignatureChecks.get(idOf(del)) ?? null,
      raw: rawActivities.get(idOf(del)) ?? null,
    });
  })
  .on(Undo, async (_ctx, undo) => {
    // A remote actor unfollowing us.
    const actor = undo.actorId?.href;
    if (actor != null) followers.delete(actor);
    emit({
      event: "activity",
      type: "Undo",
      id: idOf(undo),
      actor: actor ?? null,
      object: undo.objectId?.href ?? null,
    });
  })
  .on(Activity, async (_ctx, activity) => {
    const raw = rawActivities.get(idOf(activity));
    emit({
      event: "activity",
      type: raw?.type ?? activity.constructor.name,
      id: idOf(activity),
      actor: activity.actorId?.href ?? null,
      raw: raw ?? null,
    });
  })
  .onError((_ctx, error) => {
    emitError(`inbox: ${error?.stack ?? error}`);
  })
  .onUnverifiedActivity((_ctx, activity, reason) => {
    // Only a report: returning nothing keeps Fedify's 401 response, and the
    // activity is not handed to any listener.
    emitError("inbox: rejected an activity whose signature did not verify", {
      reason: reason?.type ?? null,
      keyId: reason?.keyId?.href ?? null,
      activity: idOf(activity),
      activityType: rawActivities.get(idOf(activity))?.type ?? null,
    });
  });

function idOf(activity) {
  return activity?.id?.href ?? null;
}

function newActivityUri(kind) {
  return new URL(`/${kind}/${crypto.randomUUID()}`, ORIGIN);
}

/** Finds the Follow we sent that an Accept/Reject refers to. */
function matchOwnFollow(response) {
  const objectId = response.objectId?.href;
  if (objectId == null) return null;
  const follow = sentFollows.get(objectId);
  if (follow == null) return null;
  // The responder must be the actor we followed.
  if (response.actorId?.href !== follow.objectId?.href) return null;
  return follow;
}

function hrefOf(value) {
  if (value == null) return null;
  if (value instanceof URL) return value.href;
  if (value instanceof Link) return value.href?.href ?? null;
  if (value.id instanceof URL) return value.id.href;
  return String(value);
}

function textOf(value) {
  return value == null ? null : value.toString();
}

async function describeObjectActivity(ctx, activity) {
  const activityId = idOf(activity);
  const raw = rawActivities.get(activityId) ?? null;
  const base = {
    activityId,
    actor: activity.actorId?.href ?? null,
    signatureVerified: true,
    httpSignature: httpSignatureChecks.get(activityId) ?? null,
    raw,
  };
  let object;
  try {
    object = await activity.getObject(ctx);
  } catch (error) {
    return { ...base, id: activity.objectId?.href ?? null, error: String(error) };
  }
  if (object == null) {
    return { ...base, id: activity.objectId?.href ?? null, type: null };
  }
  const compact = await object.toJsonLd({
    format: "compact",
    contextLoader: ctx.contextLoader,
  });
  const tags = [];
  for await (const tag of object.getTags(ctx)) {
    if (tag instanceof Hashtag) {
      tags.push({ type: "Hashtag", name: textOf(tag.name), href: hrefOf(tag.href) });
    } else if (tag instanceof Mention) {
      tags.push({ type: "Mention", name: textOf(tag.name), href: hrefOf(tag.href) });
    } else {
      const json = await tag.toJsonLd({ format: "compact", contextLoader: ctx.contextLoader });
      tags.push({ type: json.type ?? null, name: textOf(tag.name), href: hrefOf(tag.href ?? tag.id) });
    }
  }
  const attachment = [];
  for await (const att of object.getAttachments(ctx)) {
    const json = await att.toJsonLd({ format: "compact", contextLoader: ctx.contextLoader });
    attachment.push({
      type: json.type ?? null,
      name: textOf(att.name),
      mediaType: att.mediaType ?? null,
      url: hrefOf(att instanceof Link ? att.href : att.url),
    });
  }
  return {
    ...base,
    id: object.id?.href ?? null,
    type: compact.type ?? null,
    name: textOf(object.name),
    summary: textOf(object.summary),
    content: textOf(object.content),
    url: hrefOf(object.url),
    attributedTo: object.attributionId?.href ?? null,
    inReplyTo: object.replyTargetId?.href ?? null,
    published: object.published?.toString() ?? null,
    updated: object.updated?.toString() ?? null,
    to: object.toIds.map((u) => u.href),
    cc: object.ccIds.map((u) => u.href),
    tags,
    attachment,
    // Who may quote it (FEP-044f), as Fedify reads the Note's interactionPolicy.
    canQuote: object.interactionPolicy?.canQuote?.automaticApprovals
      ?.map((u) => u.href) ?? null,
  };
}

// ------------------------------------------------------------- HTTP server

const server = http.createServer(async (req, res) => {
  try {
    const url = new URL(req.url, ORIGIN);
    const headers = new Headers();
    for (let i = 0; i < req.rawHeaders.length; i += 2) {
      headers.append(req.rawHeaders[i], req.rawHeaders[i + 1]);
    }
    let body;
    if (req.method !== "GET" && req.method !== "HEAD") {
      const chunks = [];
      for await (const chunk of req) chunks.push(chunk);
      body = Buffer.concat(chunks);
    }
    const request = new Request(url, { method: req.method, headers, body });
    if (req.method === "POST" && isInboxPath(url.pathname)) {
      if (args["refuse-rfc9421"] && headers.has("signature-input")) {
        emit({ event: "refused_rfc9421", path: url.pathname });
        res.statusCode = 401;
        res.setHeader("content-type", "text/plain");
        res.end("only draft-cavage HTTP signatures are read here\n");
        return;
      }
      await inspectInboxPost(request, body);
    }
    const response = await federation.fetch(request, {
      contextData: undefined,
      onNotFound: () => new Response("Not found\n", { status: 404 }),
      onNotAcceptable: () => new Response("Not acceptable\n", { status: 406 }),
    });
    res.statusCode = response.status;
    for (const [name, value] of response.headers) res.setHeader(name, value);
    res.end(Buffer.from(await response.arrayBuffer()));
  } catch (error) {
    emitError(`http: ${error?.stack ?? error}`);
    if (!res.headersSent) res.statusCode = 500;
    res.end();
  }
});

function isInboxPath(pathname) {
  return pathname === "/inbox" || /^\/users\/[^/]+\/inbox$/.test(pathname);
}

/**
 * Records the raw body and our own check of the request's HTTP Signature,
 * keyed by activity id, for the events.  Fedify does its own (authoritative)
 * verification afterwards in federation.fetch().
 */
async function inspectInboxPost(request, body) {
  let json;
  try {
    json = JSON.parse(body.toString("utf8"));
  } catch {
    return;
  }
  const id = typeof json?.id === "string" ? json.id : null;
  if (id == null) return;
  rawActivities.set(id, json);
  const sig = request.headers.get("signature");
  const sigInput = request.headers.get("signature-input");
  const check = {
    spec: sigInput != null ? "rfc9421" : sig != null ? "draft-cavage-http-signatures-12" : "none",
    signedHeaders: sig != null ? (/headers="([^"]*)"/.exec(sig)?.[1] ?? null) : null,
    algorithm: sig != null ? (/algorithm="([^"]*)"/.exec(sig)?.[1] ?? null) : null,
    keyId: sig != null ? (/keyId="([^"]*)"/.exec(sig)?.[1] ?? null) : null,
    verified: false,
  };
  try {
    const ctx = federation.createContext(request, undefined);
    const result = await verifyRequestDetailed(request.clone(), {
      documentLoader: ctx.documentLoader,
      contextLoader: ctx.contextLoader,
    });
    check.verified = result.verified === true;
    if (result.verified !== true) check.reason = result.reason?.type ?? null;
  } catch (error) {
    check.reason = `exception: ${error}`;
  }
  httpSignatureChecks.set(id, check);
}

await new Promise((resolve, reject) => {
  server.once("error", reject);
  server.listen(PORT, args.host, resolve);
});
emit({
  event: "listening",
  port: PORT,
  actor: `${ORIGIN}/users/${USERNAME}`,
  handle: `${USERNAME}@${new URL(ORIGIN).host}`,
});

// ------------------------------------------------------------ lifecycle

let shuttingDown = false;
function shutdown(code = 0) {
  if (shuttingDown) return;
  shuttingDown = true;
  server.close();
  server.closeAllConnections?.();
  process.exit(code);
}
process.on("SIGTERM", () => shutdown(0));
process.on("SIGINT", () => shutdown(0));

const rl = readline.createInterface({ input: process.stdin });
rl.on("line", (line) => {
  const command = line.trim();
  if (command === "") return;
  if (command === "unfollow") {
    unfollow().catch((e) => emitError(`unfollow: ${e?.stack ?? e}`));
  } else if (/^reply\b/.test(command)) {
    const [, target, ...rest] = command.split(" ");
    reply(target, rest.join(" ")).catch((e) =>
      emitError(`reply: ${e?.stack ?? e}`)
    );
  } else if (/^quote\b/.test(command)) {
    const [, target, ...rest] = command.split(" ");
    quote(target, rest.join(" ")).catch((e) =>
      emitError(`quote: ${e?.stack ?? e}`)
    );
  } else if (/^(note|edit|delete)\b/.test(command)) {
    // Self-test helpers (so two residents can exercise create/update/delete
    // between each other): publish to our followers.
    const [verb, ...rest] = command.split(" ");
    publish(verb, rest.join(" ")).catch((e) =>
      emitError(`${verb}: ${e?.stack ?? e}`)
    );
  } else {
    emitError(`unknown stdin command: ${command}`);
  }
});
rl.on("close", () => shutdown(0));

// ------------------------------------------------------------- following

const ctx = federation.createContext(new URL(ORIGIN), undefined);

/**
 * WebFinger with this server's own scheme.  RFC 7033 (and Fedify's
 * lookupWebFinger) always use https for acct: resources, but on loopback the
 * node under test serves http only (--insecure-local), so the request is made
 * here; the JRD is interpreted the way Fedify's lookupObject() does (rel=self
 * link of type application/activity+json or the ActivityStreams ld+json
 * profile).
 */
async function webfinger(handle) {
  const acct = handle.replace(/^@/, "");
  const at = acct.lastIndexOf("@");
  if (at < 1) throw new Error(`not a handle: ${handle}`);
  const host = acct.slice(at + 1);
  const resource = `acct:${acct}`;
  const url = new URL(`${WEBFINGER_SCHEME}//${host}/.well-known/webfinger`);
  url.searchParams.set("resource", resource);
  const response = await fetch(url, {
    headers: { Accept: "application/jrd+json" },
    redirect: "manual",
    signal: AbortSignal.timeout(15_000),
  });
  const text = await response.text();
  if (response.status !== 200) {
    throw new Error(`WebFinger ${url} answered ${response.status}: ${text.slice(0, 500)}`);
  }
  let jrd;
  try {
    jrd = JSON.parse(text);
  } catch {
    throw new Error(`WebFinger ${url} answered non-JSON: ${text.slice(0, 500)}`);
  }
  const self = (jrd.links ?? []).find((l) =>
    l.rel === "self" && l.href != null &&
    (l.type === "application/activity+json" ||
      /application\/ld\+json;\s*profile="https:\/\/www.w3.org\/ns\/activitystreams"/
        .test(l.type ?? ""))
  );
  emit({
    event: "webfinger",
    resource,
    status: response.status,
    contentType: response.headers.get("content-type"),
    subject: jrd.subject ?? null,
    self: self?.href ?? null,
  });
  if (self == null) {
    throw new Error(`WebFinger JRD has no rel=self ActivityPub link: ${text.slice(0, 500)}`);
  }
  return new URL(self.href);
}

async function follow(handle) {
  const actorUri = await webfinger(handle);
  // Fedify's own document loader (signing the GET with our key, as servers in
  // authorized-fetch mode do) + JSON-LD parsing of the actor.
  const documentLoader = await ctx.getDocumentLoader({ identifier: USERNAME });
  const actor = await ctx.lookupObject(actorUri.href, { documentLoader });
  if (actor == null || !isActor(actor)) {
    throw new Error(`${actorUri.href} did not dereference to an actor (got ${actor?.constructor?.name ?? "nothing"}; see stderr)`);
  }
  if (actor.inboxId == null) throw new Error(`actor ${actor.id?.href} has no inbox`);
  followedActor = actor;
  const followActivity = new Follow({
    id: newActivityUri("follows"),
    actor: ctx.getActorUri(USERNAME),
    object: actor.id,
    to: actor.id,
  });
  sentFollows.set(followActivity.id.href, followActivity);
  activeFollow = followActivity;
  // immediate: deliver now (not via the queue) so a failure shows up here,
  // with the remote status and body, instead of as a delayed retry.
  await ctx.sendActivity({ identifier: USERNAME }, actor, followActivity, {
    immediate: true,
  });
  const signatureSpec = await kv.get([
    "_fedify",
    "httpMessageSignaturesSpec",
    actor.inboxId.origin,
  ]);
  emit({
    event: "follow_sent",
    actor: actor.id.href,
    id: followActivity.id.href,
    signatureSpec: signatureSpec ?? null,
    inbox: actor.inboxId.href,
    sharedInbox: actor.endpoints?.sharedInbox?.href ?? null,
  });
}

async function unfollow() {
  if (followedActor == null || activeFollow == null) {
    throw new Error("not following anyone");
  }
  const undo = new Undo({
    id: newActivityUri("undos"),
    actor: ctx.getActorUri(USERNAME),
    object: activeFollow,
    to: followedActor.id,
  });
  await ctx.sendActivity({ identifier: USERNAME }, followedActor, undo, {
    immediate: true,
  });
  activeFollow = null;
  emit({ event: "unfollow_sent", actor: followedActor.id.href, id: undo.id.href });
}

let lastNote = null;

/** A public reply to the followed actor's note, mentioning it (Mastodon's shape). */
async function reply(target, text) {
  if (followedActor == null) throw new Error("not following anyone");
  const actor = ctx.getActorUri(USERNAME);
  const PUBLIC = new URL("https://www.w3.org/ns/activitystreams#Public");
  const id = newActivityUri("notes");
  const handle = `@${followedActor.preferredUsername}@${followedActor.id.host}`;
  const note = new Note({
    id,
    attribution: actor,
    replyTarget: new URL(target),
    content: `<p><span class="h-card"><a href="${followedActor.id.href}" class="u-url mention">${handle}</a></span> ${text}</p>`,
    url: id,
    to: PUBLIC,
    ccs: [followedActor.id, ctx.getFollowersUri(USERNAME)],
    published: Temporal.Now.instant(),
    tags: [new Mention({ href: followedActor.id, name: handle })],
  });
  const create = new Create({
    id: newActivityUri("creates"), actor, object: note,
    to: PUBLIC, ccs: [followedActor.id, ctx.getFollowersUri(USERNAME)],
  });
  await ctx.sendActivity({ identifier: USERNAME }, followedActor, create, {
    immediate: true,
  });
  emit({ event: "reply_sent", id: id.href, inReplyTo: target });
}

/** Whether `answer` (an Accept or a Reject) answers one of our QuoteRequests. */
async function answersQuoteRequest(ctx, answer) {
  let object;
  try {
    object = await answer.getObject(ctx);
  } catch {
    return false;
  }
  return object instanceof QuoteRequest &&
    sentQuoteRequests.has(object.id?.href);
}

/**
 * An Accept of our QuoteRequest: its result is the QuoteAuthorization, fetched
 * with a signed GET and read by Fedify; what it says is printed.
 */
async function quoteAccepted(ctx, accept) {
  const request = accept.objectId?.href ?? null;
  const result = accept.resultId;
  if (result == null) {
    emitError("Accept of a QuoteRequest without a result", { request });
    return;
  }
  const documentLoader = await ctx.getDocumentLoader({ identifier: USERNAME });
  const stamp = await ctx.lookupObject(result.href, { documentLoader });
  if (!(stamp instanceof QuoteAuthorization)) {
    emitError("the Accept's result is not a QuoteAuthorization", {
      result: result.href,
      got: stamp?.constructor?.name ?? null,
    });
    return;
  }
  emit({
    event: "quote_accepted",
    request,
    result: result.href,
    actor: accept.actorId?.href ?? null,
    signatureVerified: true,
    httpSignature: httpSignatureChecks.get(idOf(accept)) ?? null,
    authorization: {
      id: stamp.id?.href ?? null,
      type: "QuoteAuthorization",
      attributedTo: stamp.attributionId?.href ?? null,
      interactingObject: stamp.interactingObjectId?.href ?? null,
      interactionTarget: stamp.interactionTargetId?.href ?? null,
    },
  });
}

/**
 * Asks the followed actor's leave to quote its note `target` (FEP-044f): a
 * public Note quoting it (with the inline fallback), sent inline as the
 * QuoteRequest's instrument.
 */
async function quote(target, text) {
  if (followedActor == null) throw new Error("not following anyone");
  const actor = ctx.getActorUri(USERNAME);
  const PUBLIC = new URL("https://www.w3.org/ns/activitystreams#Public");
  const id = newActivityUri("notes");
  const note = new Note({
    id,
    attribution: actor,
    content: `<p>${text}<span class="quote-inline"><br/>RE: <a href="${target}">${target}</a></span></p>`,
    url: id,
    to: PUBLIC,
    ccs: [followedActor.id, ctx.getFollowersUri(USERNAME)],
    published: Temporal.Now.instant(),
    quote: new URL(target),
  });
  const request = new QuoteRequest({
    id: newActivityUri("quote-requests"),
    actor,
    object: new URL(target),
    instrument: note,
    to: followedActor.id,
  });
  sentQuoteRequests.set(request.id.href, request);
  await ctx.sendActivity({ identifier: USERNAME }, followedActor, request, {
    immediate: true,
  });
  emit({
    event: "quote_request_sent",
    id: request.id.href,
    note: id.href,
    target,
  });
}

/** Self-test helper: Create/Update/Delete a Note, sent to our followers. */
async function publish(verb, text) {
  const actor = ctx.getActorUri(USERNAME);
  const followersUri = ctx.getFollowersUri(USERNAME);
  const PUBLIC = new URL("https://www.w3.org/ns/activitystreams#Public");
  let activity;
  if (verb === "note") {
    const id = newActivityUri("notes");
    lastNote = new Note({
      id,
      attribution: actor,
      content: `<p>${text || "Halo"} <a href="${ORIGIN}/tags/uji" rel="tag">#Uji</a></p>`,
      url: id,
      to: PUBLIC,
      cc: followersUri,
      published: Temporal.Now.instant(),
      tags: [new Hashtag({ href: new URL(`${ORIGIN}/tags/uji`), name: "#Uji" })],
      attachments: [new Document({
        url: new URL(`${ORIGIN}/media/a.png`),
        mediaType: "image/png",
        name: "gambar",
      })],
    });
    activity = new Create({
      id: newActivityUri("creates"), actor, object: lastNote,
      to: PUBLIC, cc: followersUri,
    });
  } else if (lastNote == null) {
    throw new Error("no note yet");
  } else if (verb === "edit") {
    lastNote = lastNote.clone({
      content: `<p>${text || "Diubah"}</p>`,
      updated: Temporal.Now.instant(),
    });
    activity = new Update({
      id: newActivityUri("updates"), actor, object: lastNote,
      to: PUBLIC, cc: followersUri,
    });
  } else {
    activity = new Delete({
      id: newActivityUri("deletes"), actor,
      object: new Tombstone({ id: lastNote.id }),
      to: PUBLIC, cc: followersUri,
    });
  }
  await ctx.sendActivity({ identifier: USERNAME }, "followers", activity, {
    immediate: true,
    preferSharedInbox: true,
  });
  emit({ event: `${verb}_sent`, id: activity.id.href, object: lastNote.id.href });
}

if (args.follow != null) {
  follow(args.follow).catch((e) => emitError(`follow: ${e?.message ?? e}`));
}
