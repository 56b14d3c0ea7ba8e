/**
 * Go durations (`1m0s`, `10m0s`, `1h30m0s`, `500ms`), as Flux writes and reads them
 * (`time.Duration.String()` and `time.ParseDuration`).
 */

const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Milliseconds of a Go duration string, or undefined when it is not one (e.g. `1d`, `5 m`). */
export function parseGoDuration(text: string): number | undefined {
  if (!/^([0-9]+(\.[0-9]+)?(ms|s|m|h))+$/.test(text)) return undefined;
  let total = 0;
  for (const m of text.matchAll(/([0-9]+(?:\.[0-9]+)?)(ms|s|m|h)/g)) total += Number(m[1]) * UNIT_MS[m[2]];
  return total;
}

/** The Go spelling of a duration: `1m0s` for one minute, `1h0m0s`, `1m30s`, `500ms`, `0s`. */
export function formatGoDuration(ms: number): string {
  if (ms === 0) return "0s";
  if (ms < 1000) return `${ms}ms`;
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const s = (ms % 60_000) / 1000;
  const sec = `${Number.isInteger(s) ? s : Number(s.toFixed(3))}s`;
  if (h > 0) return `${h}h${m}m${sec}`;
  if (m > 0) return `${m}m${sec}`;
  return sec;
}

/** A user's duration normalised to Go's spelling (`1m` becomes `1m0s`); undefined when invalid. */
export function normalizeGoDuration(text: string): string | undefined {
  const ms = parseGoDuration(text);
  return ms === undefined ? undefined : formatGoDuration(ms);
}
