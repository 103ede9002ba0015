// What the browser scripts share: a failure that is the page's fault (reported as
// "FAILED: reason", not as a stack), `--key value` arguments, and how a script ends.

export class Failure extends Error {}

export function fail(message) {
  throw new Failure(message);
}

/// `--key value` pairs; `needed` must be given. `--base` loses trailing slashes;
/// `--chromium` defaults to KENTONGAN_CHROMIUM, then Debian's /usr/bin/chromium.
export function parseArgs(argv, needed, script) {
  const args = {};
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i];
    const value = argv[i + 1];
    if (!key?.startsWith("--") || value === undefined) {
      fail(`bad arguments near ${JSON.stringify(key)}; see the usage at the top of ${script}`);
    }
    args[key.slice(2)] = value;
  }
  for (const name of needed) {
    if (!args[name]) fail(`missing --${name}; see the usage at the top of ${script}`);
  }
  args.base = args.base?.replace(/\/+$/, "");
  args.chromium = args.chromium || process.env.KENTONGAN_CHROMIUM || "/usr/bin/chromium";
  return args;
}

/// Runs a script's `main`; on any failure prints "FAILED: reason" and exits 1.
export async function runMain(main) {
  try {
    await main();
  } catch (err) {
    const message = err instanceof Failure ? err.message : err?.stack || String(err);
    console.log(`FAILED: ${message}`);
    process.exit(1);
  }
}
