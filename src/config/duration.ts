import ms, { type StringValue } from 'ms';

/** Parses "900", "15m", "7d" into whole seconds; undefined when the text is not a positive duration. */
export function parseDurationSeconds(text: string, { allowZero = false } = {}): number | undefined {
  const millis = /^\d+$/.test(text) ? Number(text) * 1000 : ms(text as StringValue);
  if (typeof millis !== 'number' || !Number.isFinite(millis)) return undefined;
  if (millis < 1000 && !(allowZero && millis === 0)) return undefined;
  return Math.floor(millis / 1000);
}
