-- Give login_ip_failures an explicit id (an alias of rowid), so the same SQL
-- settles a charged attempt on SQLite and PostgreSQL.
CREATE TABLE login_ip_failures_new (
    id        INTEGER PRIMARY KEY,
    ip        TEXT    NOT NULL,
    failed_at INTEGER NOT NULL
);
INSERT INTO login_ip_failures_new (id, ip, failed_at)
    SELECT rowid, ip, failed_at FROM login_ip_failures;
DROP TABLE login_ip_failures;
ALTER TABLE login_ip_failures_new RENAME TO login_ip_failures;
CREATE INDEX login_ip_failures_ip ON login_ip_failures (ip, failed_at);
