import { describeJourneysOnInMemoryStore } from './support/in-memory-app.js';
import { describeOAuthJourneys } from './support/oauth-journeys.js';
import { describeOAuthLibraryJourneys } from './support/oauth-library-journeys.js';
import { describeOAuthThrottlingJourneys } from './support/oauth-throttling-journeys.js';

describeJourneysOnInMemoryStore('OAuth', (journeys) => {
  describeOAuthJourneys(journeys);
  describeOAuthLibraryJourneys(journeys);
  describeOAuthThrottlingJourneys(journeys);
});
