import { SessionStore } from '../../../src/sessions/session-store.js';
import { useApp } from '../use-app.js';
import type { SessionJourneyOptions } from './shared.js';

/** Every app the suite builds is bound to the store the suite is named after. */
export function describeStoreBinding({ storeName, expectedStore, createApp }: SessionJourneyOptions): void {
  describe('the apps', () => {
    const api = useApp(createApp);

    it(`bind the session store to the ${storeName} adapter`, () => {
      expect(api().app.get(SessionStore)).toBeInstanceOf(expectedStore);
    });
  });
}
