-- Webhooks for integrators and the network's news (issue 15, items 3 and 5).

-- A URL subscribed to event types by a person (a national officer, an admin, an organisation's staff): what is
-- delivered to it is what its owner may read (the scope tables, checked when an event is dispatched).
CREATE TABLE webhook_subscriptions (
	id @ID@,
	owner_id BIGINT NOT NULL REFERENCES people (id),
	url TEXT NOT NULL,
	description TEXT NOT NULL DEFAULT '',
	-- '|'-joined event types or families ("dossier" = every dossier event, "offer.publish").
	events TEXT NOT NULL,
	-- The signing key (32 random bytes, base64): Standard Webhooks' "whsec_" secret without its prefix.
	secret TEXT NOT NULL,
	state TEXT NOT NULL DEFAULT 'active',
	failures INTEGER NOT NULL DEFAULT 0,
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL
);
CREATE INDEX webhook_subscriptions_owner ON webhook_subscriptions (owner_id);

-- Events written in the transaction of the change that causes them (only while a subscription is active), then
-- dispatched to the subscriptions whose owner may read the row.
CREATE TABLE webhook_events (
	id @ID@,
	created_at BIGINT NOT NULL,
	type TEXT NOT NULL,
	entity TEXT NOT NULL,
	entity_id BIGINT NOT NULL,
	data TEXT NOT NULL,
	dispatched INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX webhook_events_pending ON webhook_events (dispatched, id);

-- One event to one subscription, the webhooks' outbox: claimed, sent, retried with backoff, replayable.
CREATE TABLE webhook_deliveries (
	id @ID@,
	subscription_id BIGINT NOT NULL REFERENCES webhook_subscriptions (id) ON DELETE CASCADE,
	event_id BIGINT NOT NULL REFERENCES webhook_events (id),
	status TEXT NOT NULL DEFAULT 'pending',
	attempts INTEGER NOT NULL DEFAULT 0,
	next_attempt_at BIGINT NOT NULL,
	claimed_until BIGINT,
	last_status INTEGER,
	last_error TEXT,
	created_at BIGINT NOT NULL,
	delivered_at BIGINT,
	UNIQUE (subscription_id, event_id)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (status, next_attempt_at);

-- The network's news: published by national officers and poles, a body in a small Markdown subset.
CREATE TABLE news_items (
	id @ID@,
	author_id BIGINT NOT NULL REFERENCES people (id),
	pole_id BIGINT REFERENCES poles (id),
	title TEXT NOT NULL,
	summary TEXT NOT NULL,
	body TEXT NOT NULL,
	-- '|'-joined lists: tags, region codes, programme codes, job profile codes (empty: every one).
	tags TEXT NOT NULL DEFAULT '',
	regions TEXT NOT NULL DEFAULT '',
	programmes TEXT NOT NULL DEFAULT '',
	job_profiles TEXT NOT NULL DEFAULT '',
	-- '|'-joined ids of resources of the poles' library.
	resources TEXT NOT NULL DEFAULT '',
	published_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL
);
CREATE INDEX news_items_published ON news_items (published_at);

-- Who receives the weekly digest; the unsubscribe link carries a token signed with the row's key.
CREATE TABLE news_digest (
	person_id BIGINT PRIMARY KEY REFERENCES people (id),
	unsubscribe_key TEXT NOT NULL,
	created_at BIGINT NOT NULL,
	last_sent_at BIGINT NOT NULL DEFAULT 0
);
