export type TokenKind = 'valid' | 'revoked';
export type Status = number | 'error';

/** HTTP answers counted per token kind, per phase of a fault (when the request was sent) and per status. */
export class StatusTally<Phase extends string> {
  private readonly counts = new Map<string, number>();

  constructor(readonly phases: readonly Phase[]) {}

  add(kind: TokenKind, phase: Phase, status: Status): void {
    const key = `${kind}|${phase}|${status}`;
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
  }

  count(filter: { kind?: TokenKind; phase?: Phase; status?: Status }): number {
    let total = 0;
    for (const [key, n] of this.counts) {
      const [kind, phase, status] = key.split('|');
      if (filter.kind !== undefined && kind !== filter.kind) continue;
      if (filter.phase !== undefined && phase !== filter.phase) continue;
      if (filter.status !== undefined && status !== String(filter.status)) continue;
      total += n;
    }
    return total;
  }

  /** Every status seen (for one kind, or all), sorted. */
  statuses(kind?: TokenKind): string[] {
    const found = new Set<string>();
    for (const key of this.counts.keys()) {
      const [k, , status] = key.split('|');
      if (kind === undefined || k === kind) found.add(status);
    }
    return [...found].sort();
  }
}
