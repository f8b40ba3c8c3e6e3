-- Proof-of-work challenges already paid for a send (docs/DESIGN.md §2, issue 14):
-- one row per redeemed challenge, so a solution pays for one send on every
-- instance. A row is useless once the challenge has expired; the retention purge
-- deletes it then.
CREATE TABLE pow_redemptions (
    challenge_id  TEXT    PRIMARY KEY,
    expires_at    BIGINT  NOT NULL
);
CREATE INDEX pow_redemptions_expires ON pow_redemptions (expires_at);
