/** What a Redis setting means for revocations: fine, worth a warning line, or a reason to refuse to start. */
export type SettingVerdict = { verdict: 'safe' } | { verdict: 'warn' | 'refuse'; reason: string };
