import ms, { type StringValue } from 'ms';

/** Parses "900", "15m", "7d" into whole seconds; undefined when the text is not a positive duration. */
export function parseDurationSeconds(text: string, { allowZero = false } = {}): number | undefined {
  const millis = /^\d+$/.test(text) ? Number(text) * 1000 : ms(text as StringValue);
  if (typeof millis !== 'number' || !Number.isFinite(millis)) return undefined;
  if (millis < 1000 && !(allowZero && millis === 0)) return undefined;
  return Math.floor(millis / 1000);
}

/** The seconds of the duration setting `key`; when it is not one, its problem is added and 0 answered. */
export function durationSetting(problems: string[], key: string, text: string, { allowZero = false } = {}): number {
  const seconds = parseDurationSeconds(text, { allowZero });
  if (seconds !== undefined) return seconds;
  problems.push(
    allowZero
      ? `${key} must be a duration like 10s, or 0 to turn it off (got "${text}")`
      : `${key} must be a duration of at least 1s, like 900 or 15m (got "${text}")`,
  );
  return 0;
}
