// Removing secrets from text that leaves the process (error messages, logs, attempt records). One rule
// everywhere: each listed secret wherever it appears, and the query string of any URL left in the text
// (queries carry webhook tokens and the Vercel bypass secret); then a bound on the length.

export const REDACTED = "[redacted]";

/** Longest message kept, so that a huge upstream body cannot fill a record or a log line. */
export const MAX_MESSAGE_LENGTH = 300;

export function scrub(message: string, secrets: readonly (string | undefined)[] = []): string {
  let out = message;
  for (const secret of secrets) {
    if (secret !== undefined && secret.length >= 4) out = out.split(secret).join(REDACTED);
  }
  // URLs: keep origin and path, drop the query. Bare `token=` pairs outside a URL go too.
  out = out.replace(/(https?:\/\/[^\s?#"'<>]*)\?[^\s#"'<>]*/gi, `$1?${REDACTED}`);
  out = out.replace(/([?&\s](?:token|x-vercel-protection-bypass)=)[^&\s"'<>]+/gi, `$1${REDACTED}`);
  return out.length > MAX_MESSAGE_LENGTH ? `${out.slice(0, MAX_MESSAGE_LENGTH)}…` : out;
}
