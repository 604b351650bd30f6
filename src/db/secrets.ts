/**
 * Keeping passwords out of every output: masking connection URLs and key=value connection strings,
 * and scrubbing a known URL's password out of any text (driver errors sometimes echo it).
 */

const MASK = '****';

/** `password=…`, `sslpassword=…`, `pwd=…` in libpq/ODBC/JDBC strings and URL query parameters. */
const KEY_VALUE_SECRET =
  /(?<![A-Za-z0-9_])((?:ssl)?password|pwd)(\s*=\s*)('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|\{(?:[^}]|\}\})*\}|[^;&\s]*)/gi;

const SCHEME_PREFIX = /^[a-z][a-z0-9+.-]*:\/\//i;

/**
 * Index of the `@` that ends the userinfo in the text after `scheme://`, or -1: the last one. A
 * password with an unencoded `/`, `?`, `#` or `@` cannot be told from a path or query holding an
 * `@` (`?options=x@y`), so when in doubt everything up to the last `@` is treated as secret.
 */
function userinfoEnd(rest: string): number {
  return rest.lastIndexOf('@');
}

function maskUserinfo(url: string): string {
  const head = SCHEME_PREFIX.exec(url)?.[0];
  // Malformed (`postgres//u:pw@h`, `u:pw@h`): everything from the first `:` to the last `@` may be secret.
  if (!head) return /^\S*:\S*@/.test(url) ? url.replace(/:\S*@/, `:${MASK}@`) : url;
  const rest = url.slice(head.length);
  const at = userinfoEnd(rest);
  if (at < 0) return url;
  const colon = rest.slice(0, at).indexOf(':');
  if (colon < 0) return url;
  return `${head}${rest.slice(0, colon)}:${MASK}${rest.slice(at)}`;
}

/** The URL (or key=value connection string) with every password replaced by `****`. */
export function maskUrl(url: string): string {
  return maskUserinfo(url.replace(KEY_VALUE_SECRET, `$1$2${MASK}`));
}

function unwrapValue(raw: string): string {
  if (raw.startsWith('{') && raw.endsWith('}')) return raw.slice(1, -1).replaceAll('}}', '}');
  if ((raw.startsWith("'") && raw.endsWith("'")) || (raw.startsWith('"') && raw.endsWith('"'))) {
    return raw.slice(1, -1).replace(/\\(.)/g, '$1');
  }
  return raw;
}

function decoded(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** Every spelling of every password in a URL or connection string: as written, decoded and encoded. */
export function passwordsIn(url: string): string[] {
  const found: string[] = [];
  const head = SCHEME_PREFIX.exec(url)?.[0];
  const withoutKeys = url.replace(KEY_VALUE_SECRET, (_m, _k: string, _eq: string, value: string) => {
    found.push(value, unwrapValue(value));
    return '';
  });
  if (head) {
    const rest = withoutKeys.slice(head.length);
    const at = userinfoEnd(rest);
    const colon = at < 0 ? -1 : rest.slice(0, at).indexOf(':');
    if (colon >= 0) found.push(rest.slice(colon + 1, at));
  }
  const all = found.flatMap((p) => [p, decoded(p), encodeURIComponent(decoded(p))]);
  return [...new Set(all.filter((p) => p.length > 0 && p !== MASK))];
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** `text` with `secret` replaced by `****` (a very short one only where it stands alone). */
export function removeSecret(text: string, secret: string): string {
  if (secret.length >= 4) return text.split(secret).join(MASK);
  // A very short password is only removed where it stands alone, so ordinary words survive.
  return text.replace(new RegExp(`(?<![A-Za-z0-9])${escapeRegExp(secret)}(?![A-Za-z0-9])`, 'g'), MASK);
}

/** Passwords learnt while running (a foreign server's URL, read from the environment by the runner). */
const registered = new Set<string>();

/** Every spelling of the URL's password is removed from all output from now on (redact, the CLI's io). */
export function registerSecrets(url: string): void {
  for (const secret of passwordsIn(url)) registered.add(secret);
}

export function registeredSecrets(): string[] {
  return [...registered].sort((a, b) => b.length - a.length);
}

export function withoutRegisteredSecrets(text: string): string {
  return registeredSecrets().reduce((out, secret) => removeSecret(out, secret), text);
}

const URL_IN_TEXT = /[a-z][a-z0-9+.-]*:\/\/[^\s'"<>]+/gi;

/**
 * `text` with the password(s) of `url` removed, and any URL or `password=` it contains masked.
 * Use it on every driver message before it reaches a person or a log.
 */
export function redact(text: string, url?: string): string {
  let out = withoutRegisteredSecrets(text);
  if (url) {
    out = out.split(url).join(maskUrl(url));
    for (const secret of passwordsIn(url).sort((a, b) => b.length - a.length)) out = removeSecret(out, secret);
  }
  return out.replace(URL_IN_TEXT, (u) => maskUrl(u)).replace(KEY_VALUE_SECRET, `$1$2${MASK}`);
}

/** `OTEL_EXPORTER_OTLP_ENDPOINT`, `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`, …: URLs that may carry a user and password. */
const OTLP_ENDPOINT_VARIABLE = /^OTEL_EXPORTER_OTLP_(?:[A-Z]+_)?ENDPOINT$/;
/** `OTEL_EXPORTER_OTLP_HEADERS` (and per signal): `key=value,…`, where a value is often an API key or a token. */
const OTLP_HEADERS_VARIABLE = /^OTEL_EXPORTER_OTLP_(?:[A-Z]+_)?HEADERS$/;

/**
 * Shorter header values (`gzip`, `true`, `1`) are settings rather than keys, and masking them would mask those words
 * everywhere in the output (JSON's `true` included).
 */
const MIN_HEADER_SECRET = 6;

function registerSecretValue(value: string): void {
  const plain = decoded(value.trim());
  // `Authorization=Bearer abc`: the token alone, too, in case a message quotes only it.
  const token = plain.split(/\s+/).pop() ?? '';
  for (const secret of [plain, token, encodeURIComponent(plain)])
    if (secret.length >= MIN_HEADER_SECRET && secret !== MASK) registered.add(secret);
}

/**
 * Every password in an OTLP endpoint's URL and every OTLP header value is removed from all output from now on: the
 * telemetry settings are read from the environment, and no message may echo them.
 */
export function registerOtlpSecrets(env: NodeJS.ProcessEnv): void {
  for (const [name, value] of Object.entries(env)) {
    if (!value) continue;
    if (OTLP_ENDPOINT_VARIABLE.test(name)) registerSecrets(value.trim());
    else if (OTLP_HEADERS_VARIABLE.test(name))
      for (const pair of value.split(',')) {
        const eq = pair.indexOf('=');
        if (eq >= 0) registerSecretValue(pair.slice(eq + 1));
      }
  }
}
