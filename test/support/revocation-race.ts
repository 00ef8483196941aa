import { performance } from 'node:perf_hooks';
import type { Answer, ApiClient, TokenPair } from './api-client.js';
import { sleep } from './app-process.js';

/** Past the revocation mirror's 100 ms bound: by then every instance refuses what was revoked. */
const WAIT_PAST_MIRROR_MS = 150;

interface RoundResult {
  /** The tokens the racer minted that must be refused by now (none: nothing to check). */
  mustBeDead: TokenPair[];
  /** How to tell that one of them still works; the default asks GET /me on both instances and POST /refresh. */
  alive?: (tokens: TokenPair) => Promise<boolean>;
}

export interface Race<State> {
  name: string;
  /** The lane's users and whatever else its rounds share. */
  lane(index: number): Promise<State>;
  /** One round: the two requests to race, and how to judge their answers. */
  round(state: State): Round | Promise<Round>;
}

export interface Round {
  revoke: () => Promise<Answer>;
  race: () => Promise<Answer>;
  /** Whether the revocation took effect (default: it answered 2xx). */
  revoked?: (answer: Answer) => boolean;
  settle: (revoker: Answer, racer: Answer) => RoundResult | Promise<RoundResult>;
}

export interface Tally {
  rounds: number;
  /** Rounds whose revocation took effect. */
  revoked: number;
  /** Of those, rounds whose racer also answered 2xx: each minted tokens that must be dead by now. */
  racerMinted: number;
  survivors: number;
}

export const is2xx = (answer: Answer) => answer.status >= 200 && answer.status < 300;
export const tokensOf = (answer: Answer): TokenPair[] => (answer.status === 200 ? [answer.body as TokenPair] : []);

/**
 * Races a revocation on instance `revoker` against a request that mints tokens on instance `racer`, `rounds` times
 * over `lanes` parallel lanes. The racer is sent before or after the revocation by an offset that runs, over the
 * rounds, from "first, by more than its own duration" to "last, once the revocation is done", so every interleaving
 * is hit. Once every round is over (and the mirror's bound has passed), each token a racer minted in a round whose
 * revocation took effect is tried: one that still works is a survivor.
 */
export class RaceRunner {
  readonly tallies: Record<string, Tally> = {};

  constructor(
    private readonly revoker: ApiClient,
    private readonly racer: ApiClient,
    private readonly options: { rounds: number; lanes: number },
  ) {}

  /** Whether a token pair still works anywhere: GET /me on either instance, or a refresh. */
  works = async (tokens: TokenPair): Promise<boolean> => {
    const statuses = await Promise.all(
      [this.revoker, this.racer].map((api) => api.status('GET', '/me', tokens.access_token)),
    );
    if (statuses.includes(200)) return true;
    return (await this.racer.refresh(tokens.refresh_token)).status === 200;
  };

  async run<State>(race: Race<State>): Promise<Tally> {
    const { rounds, lanes } = this.options;
    const tally: Tally = { rounds: 0, revoked: 0, racerMinted: 0, survivors: 0 };
    const results: RoundResult[] = [];
    // Running means of each request's duration, which the offsets scale with.
    const means = { revoke: 5, race: 5 };
    const timed = async (which: 'revoke' | 'race', request: () => Promise<Answer>) => {
      const startedAt = performance.now();
      const answer = await request();
      means[which] = means[which] * 0.8 + (performance.now() - startedAt) * 0.2;
      return answer;
    };

    await Promise.all(
      Array.from({ length: lanes }, async (_, lane) => {
        const state = await race.lane(lane);
        for (let round = lane; round < rounds; round += lanes) {
          const { revoke, race: racing, revoked = is2xx, settle } = await race.round(state);
          const earliest = -1.5 * means.race;
          const offsetMs = earliest + (means.revoke - earliest) * (round / rounds);
          const [revokerAnswer, racerAnswer] = await raced(
            () => timed('revoke', revoke),
            () => timed('race', racing),
            offsetMs,
          );
          const judged = await settle(revokerAnswer, racerAnswer);
          tally.rounds += 1;
          if (!revoked(revokerAnswer)) continue;
          tally.revoked += 1;
          if (is2xx(racerAnswer)) tally.racerMinted += 1;
          results.push(judged);
        }
      }),
    );
    await sleep(WAIT_PAST_MIRROR_MS);
    for (const { mustBeDead, alive = this.works } of results) {
      for (const tokens of mustBeDead) if (await alive(tokens)) tally.survivors += 1;
    }
    this.tallies[race.name] = tally;
    return tally;
  }

  /** A logout-all on the revoking instance against a refresh on the racing one, each round on a fresh login. */
  logoutAllVersusRefresh(name: string): Race<{ email: string }> {
    return {
      name,
      lane: () => this.revoker.register(),
      round: async (user) => {
        const tokens = await this.racer.login(user.email);
        return {
          revoke: () => this.revoker.call('POST', '/logout-all', { token: tokens.access_token }),
          race: () => this.racer.refresh(tokens.refresh_token),
          settle: (_revoker, answer) => ({ mustBeDead: tokensOf(answer) }),
        };
      },
    };
  }

  /** One line per race run, for the suite's report. */
  report(title: string): string {
    const lines = Object.entries(this.tallies).map(
      ([name, t]) =>
        `${name.padEnd(48)} rounds ${t.rounds}  revoked ${t.revoked}  racer minted ${t.racerMinted}  ` +
        `survivors ${t.survivors}`,
    );
    return `${title} (${this.options.rounds} rounds each, ${this.options.lanes} lanes):\n${lines.join('\n')}`;
  }
}

/** Sends both, the racer `offsetMs` after the revocation (before it, when negative); resolves to both answers. */
function raced(
  revoke: () => Promise<Answer>,
  race: () => Promise<Answer>,
  offsetMs: number,
): Promise<[Answer, Answer]> {
  const later = (request: () => Promise<Answer>, ms: number) => sleep(ms).then(request);
  if (offsetMs >= 0) return Promise.all([revoke(), later(race, offsetMs)]);
  return Promise.all([later(revoke, -offsetMs), race()]);
}
