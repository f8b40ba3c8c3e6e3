-- A code whose SMS could not be sent is withdrawn, not deleted: it can no longer be
-- verified and starts no cooldown, but still counts against the hourly, daily, IP
-- and global send caps (a failing gateway must not lift them).
ALTER TABLE otp_codes ADD COLUMN withdrawn_at INTEGER;
