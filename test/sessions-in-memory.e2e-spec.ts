import { describeJourneysOnInMemoryStore } from './support/in-memory-app.js';
import { describeSessionJourneys } from './support/session-journeys.js';

describeJourneysOnInMemoryStore('session', describeSessionJourneys);
