import { describeBearerRequired } from './session-journeys/bearer-required.journey.js';
import { describeConcurrentRefresh } from './session-journeys/concurrent-refresh.journey.js';
import { describeEndOneSession } from './session-journeys/end-one-session.journey.js';
import { describeLogoutAll } from './session-journeys/logout-all.journey.js';
import { describeLogout } from './session-journeys/logout.journey.js';
import { describePasswordChange } from './session-journeys/password-change.journey.js';
import { describeRefreshReuseDetection } from './session-journeys/refresh-reuse-detection.journey.js';
import { describeRefreshRotation } from './session-journeys/refresh-rotation.journey.js';
import { describeSessionList } from './session-journeys/session-list.journey.js';
import { describeSessionsPerUserLimit } from './session-journeys/sessions-per-user-limit.journey.js';
import type { SessionJourneyOptions } from './session-journeys/shared.js';
import { describeStoreBinding } from './session-journeys/store-binding.journey.js';

export type { SessionJourneyOptions } from './session-journeys/shared.js';

/**
 * Every session journey (refresh rotation, reuse detection, the refresh race, logout, logout-all, password change,
 * the session list, ending one session, the per-user limit, unauthenticated calls), against the apps `createApp`
 * builds. Each store's suite calls this once, so both stores answer to the same assertions. The journeys run in
 * this order, each describe with an app of its own (see session-journeys/).
 */
export function describeSessionJourneys(options: SessionJourneyOptions): void {
  describe(`session journeys (${options.storeName} store)`, () => {
    describeStoreBinding(options);
    describeRefreshRotation(options);
    describeRefreshReuseDetection(options);
    describeConcurrentRefresh(options);
    describeLogout(options);
    describeLogoutAll(options);
    describePasswordChange(options);
    describeSessionList(options);
    describeEndOneSession(options);
    describeSessionsPerUserLimit(options);
    describeBearerRequired(options);
  });
}
