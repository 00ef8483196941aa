import { describeJourneysOnInMemoryStore } from './support/in-memory-app.js';
import { describeOAuthJourneys } from './support/oauth-journeys.js';

describeJourneysOnInMemoryStore('OAuth', describeOAuthJourneys);
