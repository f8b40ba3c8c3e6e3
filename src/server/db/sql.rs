//! The one SQL implementation of [`Storage`](super::Storage), written once and
//! expanded for each database by [`sql_storage!`] (STYLE 9: no feature duplicated per
//! database). The SQL is the common subset of SQLite and PostgreSQL: `$N`
//! placeholders, `RETURNING`, `ON CONFLICT`, `CASE` instead of two-argument `MAX`.
//! Each database type supplies `begin()` (a transaction that holds the write lock:
//! `BEGIN IMMEDIATE` on SQLite, an advisory lock on PostgreSQL), `run_migrations()`
//! and the `writer` and `reader` pools.

/// Expands the storage methods for `$storage`, whose pools speak `$db` and whose
/// connections are `$conn`.
macro_rules! sql_storage {
    ($storage:ty, $db:ty, $conn:ty) => {
        async fn send_history_in(
            conn: &mut $conn,
            phone_index: &[u8],
            purpose: &str,
            ip: &str,
            now: Timestamp,
        ) -> anyhow::Result<SendHistory> {
            let times = |rows: Vec<<$db as sqlx::Database>::Row>| -> Vec<Timestamp> {
                rows.iter().map(|r| r.get::<i64, _>(0)).collect()
            };
            let phone = sqlx::query(
                "SELECT sent_at, purpose, withdrawn_at FROM otp_codes WHERE phone_index = $1 AND sent_at > $2 ORDER BY sent_at",
            )
            .bind(phone_index)
            .bind(now - 86_400)
            .fetch_all(&mut *conn)
            .await?;
            let last_same_purpose = phone
                .iter()
                .filter(|r| {
                    r.get::<String, _>(1) == purpose && r.get::<Option<i64>, _>(2).is_none()
                })
                .map(|r| r.get::<i64, _>(0))
                .next_back();
            let by_ip =
                sqlx::query("SELECT sent_at FROM otp_codes WHERE ip = $1 AND sent_at > $2 ORDER BY sent_at")
                    .bind(ip)
                    .bind(now - 3_600)
                    .fetch_all(&mut *conn)
                    .await?;
            let global = sqlx::query("SELECT COUNT(*), MIN(sent_at) FROM otp_codes WHERE sent_at > $1")
                .bind(now - 3_600)
                .fetch_one(&mut *conn)
                .await?;
            Ok(SendHistory {
                phone: times(phone),
                last_same_purpose,
                ip: times(by_ip),
                global_count: global.get::<i64, _>(0) as u32,
                global_oldest: global.get::<Option<i64>, _>(1),
            })
        }

        /// Consumes verified, live code `id`; `false` if it was consumed, replaced or never
        /// verified (a concurrent request won).
        async fn consume_otp_in(
            conn: &mut $conn,
            id: i64,
            now: Timestamp,
        ) -> anyhow::Result<bool> {
            let done = sqlx::query(
                "UPDATE otp_codes SET consumed_at = $1 WHERE id = $2 AND consumed_at IS NULL \
                 AND replaced_at IS NULL AND verified_at IS NOT NULL",
            )
            .bind(now)
            .bind(id)
            .execute(conn)
            .await?;
            Ok(done.rows_affected() == 1)
        }

        /// Appends `c`'s rows, skipping those already in the ledger; returns how many
        /// were written.
        async fn insert_consents_in(conn: &mut $conn, c: &NewConsents) -> anyhow::Result<u32> {
            let mut written = 0;
            for (document, version) in &c.documents {
                let done = sqlx::query(
                    "INSERT INTO consent_records (account_id, document, version, accepted_at, ip, \
                     user_agent, method) VALUES ($1, $2, $3, $4, $5, $6, $7) \
                     ON CONFLICT (account_id, document, version) DO NOTHING",
                )
                .bind(c.account_id)
                .bind(*document)
                .bind(i64::from(*version))
                .bind(c.accepted_at)
                .bind(&c.ip)
                .bind(&c.user_agent)
                .bind(c.method)
                .execute(&mut *conn)
                .await?;
                written += done.rows_affected() as u32;
            }
            Ok(written)
        }

        #[async_trait]
        impl Storage for $storage {
            async fn migrate(&self) -> anyhow::Result<()> {
                self.run_migrations().await
            }

            async fn ping(&self) -> anyhow::Result<()> {
                sqlx::query("SELECT 1").execute(&self.reader).await?;
                Ok(())
            }

            async fn close(&self) {
                self.reader.close().await;
                self.writer.close().await;
            }

            async fn send_history(
                &self,
                phone_index: &[u8],
                purpose: &str,
                ip: &str,
                now: Timestamp,
            ) -> anyhow::Result<SendHistory> {
                let mut conn = self.reader.acquire().await?;
                send_history_in(&mut conn, phone_index, purpose, ip, now).await
            }

            async fn issue_otp(
                &self,
                otp: NewOtp,
                limits: &SendLimits,
            ) -> anyhow::Result<Result<i64, SendRefused>> {
                let mut tx = self.begin().await?;
                let history =
                    send_history_in(&mut tx, &otp.phone_index, otp.purpose, &otp.ip, otp.sent_at).await?;
                if let Err(refused) = limits.admit(&history, otp.sent_at) {
                    return Ok(Err(refused));
                }
                sqlx::query(
                    "UPDATE otp_codes SET replaced_at = $1 \
                     WHERE phone_index = $2 AND purpose = $3 AND replaced_at IS NULL AND consumed_at IS NULL",
                )
                .bind(otp.sent_at)
                .bind(&otp.phone_index)
                .bind(otp.purpose)
                .execute(&mut *tx)
                .await?;
                let id = sqlx::query(
                    "INSERT INTO otp_codes (phone_index, purpose, code_hash, ip, sent_at, expires_at) \
                     VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                )
                .bind(&otp.phone_index)
                .bind(otp.purpose)
                .bind(&otp.code_hash)
                .bind(&otp.ip)
                .bind(otp.sent_at)
                .bind(otp.expires_at)
                .fetch_one(&mut *tx)
                .await?
                .get::<i64, _>(0);
                tx.commit().await?;
                Ok(Ok(id))
            }

            async fn withdraw_otp(&self, id: i64, now: Timestamp) -> anyhow::Result<()> {
                let mut tx = self.begin().await?;
                let row = sqlx::query(
                    "UPDATE otp_codes SET withdrawn_at = $1 WHERE id = $2 AND withdrawn_at IS NULL \
                     AND verified_at IS NULL AND consumed_at IS NULL \
                     RETURNING phone_index, purpose, sent_at",
                )
                .bind(now)
                .bind(id)
                .fetch_optional(&mut *tx)
                .await?;
                if let Some(row) = row {
                    sqlx::query(
                        "UPDATE otp_codes SET replaced_at = NULL \
                         WHERE phone_index = $1 AND purpose = $2 AND replaced_at = $3 \
                         AND withdrawn_at IS NULL",
                    )
                    .bind(row.get::<Vec<u8>, _>(0))
                    .bind(row.get::<String, _>(1))
                    .bind(row.get::<i64, _>(2))
                    .execute(&mut *tx)
                    .await?;
                }
                tx.commit().await?;
                Ok(())
            }

            async fn verify_otp(
                &self,
                phone_index: &[u8],
                purpose: &str,
                now: Timestamp,
                rules: &VerifyRules,
                matches: &(dyn for<'b> Fn(&'b [u8]) -> bool + Send + Sync),
            ) -> anyhow::Result<Result<i64, OtpRejected>> {
                let mut tx = self.begin().await?;
                let failures: i64 = sqlx::query_scalar(
                    "SELECT COUNT(*) FROM otp_failures WHERE phone_index = $1 AND failed_at > $2",
                )
                .bind(phone_index)
                .bind(now - rules.budget_window_secs)
                .fetch_one(&mut *tx)
                .await?;
                if failures >= i64::from(rules.phone_budget) {
                    return Ok(Err(OtpRejected::PhoneBudget));
                }
                let live = sqlx::query(
                    "SELECT id, code_hash, expires_at, attempts FROM otp_codes \
                     WHERE phone_index = $1 AND purpose = $2 AND replaced_at IS NULL AND consumed_at IS NULL \
                     AND withdrawn_at IS NULL ORDER BY id DESC LIMIT 1",
                )
                .bind(phone_index)
                .bind(purpose)
                .fetch_optional(&mut *tx)
                .await?;
                let Some(live) = live else {
                    return Ok(Err(OtpRejected::Expired));
                };
                let (id, hash, expires_at, attempts): (i64, Vec<u8>, i64, i64) =
                    (live.get(0), live.get(1), live.get(2), live.get(3));
                if expires_at <= now {
                    return Ok(Err(OtpRejected::Expired));
                }
                if attempts >= i64::from(rules.max_attempts) {
                    return Ok(Err(OtpRejected::Dead));
                }
                if matches(&hash) {
                    sqlx::query("UPDATE otp_codes SET verified_at = COALESCE(verified_at, $1) WHERE id = $2")
                        .bind(now)
                        .bind(id)
                        .execute(&mut *tx)
                        .await?;
                    tx.commit().await?;
                    return Ok(Ok(id));
                }
                sqlx::query("UPDATE otp_codes SET attempts = attempts + 1 WHERE id = $1")
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query("INSERT INTO otp_failures (phone_index, failed_at) VALUES ($1, $2)")
                    .bind(phone_index)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(Err(if attempts + 1 >= i64::from(rules.max_attempts) {
                    OtpRejected::Dead
                } else {
                    OtpRejected::Wrong
                }))
            }

            async fn phone_registered(&self, phone_index: &[u8]) -> anyhow::Result<bool> {
                let found: Option<i64> =
                    sqlx::query_scalar("SELECT id FROM accounts WHERE phone_index = $1")
                        .bind(phone_index)
                        .fetch_optional(&self.reader)
                        .await?;
                Ok(found.is_some())
            }

            async fn create_account(
                &self,
                r: NewAccountRecord,
            ) -> anyhow::Result<Result<i64, CreateRefused>> {
                let mut tx = self.begin().await?;
                if !consume_otp_in(&mut tx, r.otp_id, r.created_at).await? {
                    return Ok(Err(CreateRefused::CodeUsed));
                }
                let taken: Option<i64> =
                    sqlx::query_scalar("SELECT id FROM accounts WHERE phone_index = $1")
                        .bind(&r.phone_index)
                        .fetch_optional(&mut *tx)
                        .await?;
                if taken.is_some() {
                    return Ok(Err(CreateRefused::PhoneTaken));
                }
                let invitation_id = match &r.invitation {
                    None => None,
                    Some(code) => {
                        let id: Option<i64> = sqlx::query_scalar(
                            "UPDATE invitation_codes SET used = used + 1 \
                             WHERE code = $1 AND active AND expires_at > $2 AND used < quota RETURNING id",
                        )
                        .bind(code)
                        .bind(r.created_at)
                        .fetch_optional(&mut *tx)
                        .await?;
                        match id {
                            Some(id) => Some(id),
                            None => return Ok(Err(CreateRefused::InvitationIncorrect)),
                        }
                    }
                };
                let account_id: i64 = sqlx::query_scalar(
                    "INSERT INTO accounts (phone_index, phone_encrypted, password_hash, invitation_id, \
                     marketing_opt_in, created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                )
                .bind(&r.phone_index)
                .bind(&r.phone_encrypted)
                .bind(&r.password_hash)
                .bind(invitation_id)
                .bind(r.marketing_opt_in)
                .bind(r.created_at)
                .fetch_one(&mut *tx)
                .await?;
                let consents = NewConsents {
                    account_id,
                    documents: r.consents,
                    accepted_at: r.created_at,
                    ip: r.ip,
                    user_agent: r.user_agent,
                    method: "sign-up",
                };
                insert_consents_in(&mut tx, &consents).await?;
                tx.commit().await?;
                Ok(Ok(account_id))
            }

            async fn account(&self, id: i64) -> anyhow::Result<Option<AccountRow>> {
                let row = sqlx::query(
                    "SELECT id, phone_encrypted, suspended, created_at FROM accounts WHERE id = $1",
                )
                .bind(id)
                .fetch_optional(&self.reader)
                .await?;
                Ok(row.map(|r| AccountRow {
                    id: r.get(0),
                    phone_encrypted: r.get(1),
                    suspended: r.get(2),
                    created_at: r.get(3),
                }))
            }

            async fn invitation_usable(&self, code: &str, now: Timestamp) -> anyhow::Result<bool> {
                let found: Option<i64> = sqlx::query_scalar(
                    "SELECT id FROM invitation_codes WHERE code = $1 AND active AND expires_at > $2 AND used < quota",
                )
                .bind(code)
                .bind(now)
                .fetch_optional(&self.reader)
                .await?;
                Ok(found.is_some())
            }

            async fn create_invitation(&self, i: NewInvitation) -> anyhow::Result<()> {
                sqlx::query("INSERT INTO invitation_codes (code, quota, expires_at, created_at) VALUES ($1, $2, $3, $4)")
                    .bind(&i.code)
                    .bind(i64::from(i.quota))
                    .bind(i.expires_at)
                    .bind(i.created_at)
                    .execute(&self.writer)
                    .await?;
                Ok(())
            }

            async fn load_session(&self, id_hash: &[u8]) -> anyhow::Result<Option<SessionRow>> {
                let row = sqlx::query(
                    "SELECT data, account_id, created_at, last_seen_at FROM sessions WHERE id_hash = $1",
                )
                .bind(id_hash)
                .fetch_optional(&self.reader)
                .await?;
                Ok(row.map(|r| SessionRow {
                    data: r.get(0),
                    account_id: r.get(1),
                    created_at: r.get(2),
                    last_seen_at: r.get(3),
                }))
            }

            async fn insert_session(&self, id_hash: &[u8], row: SessionRow) -> anyhow::Result<bool> {
                let done = sqlx::query(
                    "INSERT INTO sessions (id_hash, account_id, data, created_at, last_seen_at) \
                     VALUES ($1, $2, $3, $4, $5) ON CONFLICT (id_hash) DO NOTHING",
                )
                .bind(id_hash)
                .bind(row.account_id)
                .bind(&row.data)
                .bind(row.created_at)
                .bind(row.last_seen_at)
                .execute(&self.writer)
                .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn save_session(&self, id_hash: &[u8], row: SessionRow) -> anyhow::Result<()> {
                sqlx::query(
                    "UPDATE sessions SET account_id = $1, data = $2, last_seen_at = $3 WHERE id_hash = $4",
                )
                .bind(row.account_id)
                .bind(&row.data)
                .bind(row.last_seen_at)
                .bind(id_hash)
                .execute(&self.writer)
                .await?;
                Ok(())
            }

            async fn touch_session(&self, id_hash: &[u8], now: Timestamp) -> anyhow::Result<()> {
                sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE id_hash = $2")
                    .bind(now)
                    .bind(id_hash)
                    .execute(&self.writer)
                    .await?;
                Ok(())
            }

            async fn delete_session(&self, id_hash: &[u8]) -> anyhow::Result<()> {
                sqlx::query("DELETE FROM sessions WHERE id_hash = $1")
                    .bind(id_hash)
                    .execute(&self.writer)
                    .await?;
                Ok(())
            }

            async fn account_by_phone(&self, phone_index: &[u8]) -> anyhow::Result<Option<LoginAccount>> {
                let row =
                    sqlx::query("SELECT id, password_hash, suspended FROM accounts WHERE phone_index = $1")
                        .bind(phone_index)
                        .fetch_optional(&self.reader)
                        .await?;
                Ok(row.map(|r| LoginAccount {
                    id: r.get(0),
                    password_hash: r.get(1),
                    suspended: r.get(2),
                }))
            }

            async fn set_suspended(&self, account_id: i64, suspended: bool) -> anyhow::Result<()> {
                let mut tx = self.begin().await?;
                sqlx::query("UPDATE accounts SET suspended = $1 WHERE id = $2")
                    .bind(suspended)
                    .bind(account_id)
                    .execute(&mut *tx)
                    .await?;
                if suspended {
                    sqlx::query("DELETE FROM sessions WHERE account_id = $1")
                        .bind(account_id)
                        .execute(&mut *tx)
                        .await?;
                }
                tx.commit().await?;
                Ok(())
            }

            async fn charge_login_attempt(
                &self,
                phone_index: &[u8],
                ip: &str,
                now: Timestamp,
                throttle: &LoginThrottle,
            ) -> anyhow::Result<Result<i64, Throttled>> {
                let mut tx = self.begin().await?;
                let phone = sqlx::query(
                    "SELECT failures, last_failed_at FROM login_throttle WHERE phone_index = $1",
                )
                .bind(phone_index)
                .fetch_optional(&mut *tx)
                .await?;
                let by_ip = sqlx::query(
                    "SELECT COUNT(*), MIN(failed_at) FROM login_ip_failures WHERE ip = $1 AND failed_at > $2",
                )
                .bind(ip)
                .bind(now - 3_600)
                .fetch_one(&mut *tx)
                .await?;
                let counts = FailureCounts {
                    phone_failures: phone.as_ref().map_or(0, |r| r.get::<i64, _>(0) as u32),
                    phone_last_failed_at: phone.as_ref().map(|r| r.get(1)),
                    ip_failures: by_ip.get::<i64, _>(0) as u32,
                    ip_oldest: by_ip.get(1),
                };
                if let Err(throttled) = throttle.check(&counts, now) {
                    return Ok(Err(throttled));
                }
                sqlx::query(
                    "INSERT INTO login_throttle (phone_index, failures, last_failed_at) VALUES ($1, 1, $2) \
                     ON CONFLICT (phone_index) DO UPDATE SET failures = login_throttle.failures + 1, last_failed_at = excluded.last_failed_at",
                )
                .bind(phone_index)
                .bind(now)
                .execute(&mut *tx)
                .await?;
                let row: i64 = sqlx::query_scalar(
                    "INSERT INTO login_ip_failures (ip, failed_at) VALUES ($1, $2) RETURNING id",
                )
                .bind(ip)
                .bind(now)
                .fetch_one(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(Ok(row))
            }

            async fn settle_login_attempt(
                &self,
                phone_index: &[u8],
                ip_row: Option<i64>,
                success: bool,
            ) -> anyhow::Result<()> {
                let mut tx = self.begin().await?;
                let phone = if success {
                    "DELETE FROM login_throttle WHERE phone_index = $1"
                } else {
                    "UPDATE login_throttle SET failures = CASE WHEN failures > 0 THEN failures - 1 ELSE 0 END WHERE phone_index = $1"
                };
                sqlx::query(phone)
                    .bind(phone_index)
                    .execute(&mut *tx)
                    .await?;
                if let Some(row) = ip_row {
                    sqlx::query("DELETE FROM login_ip_failures WHERE id = $1")
                        .bind(row)
                        .execute(&mut *tx)
                        .await?;
                }
                tx.commit().await?;
                Ok(())
            }

            async fn record_sign_in(&self, a: SignInAttempt) -> anyhow::Result<()> {
                sqlx::query(
                    "INSERT INTO sign_in_attempts (account_id, at, ip, user_agent, method, outcome) VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(a.account_id)
                .bind(a.at)
                .bind(&a.ip)
                .bind(&a.user_agent)
                .bind(&a.method)
                .bind(&a.outcome)
                .execute(&self.writer)
                .await?;
                Ok(())
            }

            async fn sign_in_history(
                &self,
                account_id: i64,
                limit: u32,
            ) -> anyhow::Result<Vec<SignInAttempt>> {
                let rows = sqlx::query(
                    "SELECT account_id, at, ip, user_agent, method, outcome FROM sign_in_attempts \
                     WHERE account_id = $1 ORDER BY at DESC, id DESC LIMIT $2",
                )
                .bind(account_id)
                .bind(i64::from(limit))
                .fetch_all(&self.reader)
                .await?;
                Ok(rows
                    .into_iter()
                    .map(|r| SignInAttempt {
                        account_id: r.get(0),
                        at: r.get(1),
                        ip: r.get(2),
                        user_agent: r.get(3),
                        method: r.get(4),
                        outcome: r.get(5),
                    })
                    .collect())
            }

            async fn consume_otp(&self, id: i64, now: Timestamp) -> anyhow::Result<bool> {
                let mut conn = self.writer.acquire().await?;
                consume_otp_in(&mut conn, id, now).await
            }

            async fn reset_password(
                &self,
                account_id: i64,
                otp_id: i64,
                password_hash: &str,
                now: Timestamp,
            ) -> anyhow::Result<bool> {
                let mut tx = self.begin().await?;
                if !consume_otp_in(&mut tx, otp_id, now).await? {
                    return Ok(false);
                }
                sqlx::query("UPDATE accounts SET password_hash = $1 WHERE id = $2")
                    .bind(password_hash)
                    .bind(account_id)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query("DELETE FROM sessions WHERE account_id = $1")
                    .bind(account_id)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(true)
            }

            async fn publish_document(
                &self,
                d: NewDocumentVersion,
            ) -> anyhow::Result<Result<u32, PublishRefused>> {
                let mut tx = self.begin().await?;
                let latest = sqlx::query(
                    "SELECT version, effective_at FROM document_versions WHERE kind = $1 \
                     ORDER BY version DESC LIMIT 1",
                )
                .bind(d.kind)
                .fetch_optional(&mut *tx)
                .await?;
                let next = latest.as_ref().map_or(1, |r| r.get::<i64, _>(0) as u32 + 1);
                if d.expected_version.is_some_and(|v| v != next) {
                    return Ok(Err(PublishRefused::VersionTaken));
                }
                if let Some(latest) = latest.map(|r| r.get::<i64, _>(1)) {
                    if d.effective_at < latest {
                        return Ok(Err(PublishRefused::EffectiveBeforeLatest { latest }));
                    }
                }
                sqlx::query(
                    "INSERT INTO document_versions (kind, version, body_zh, body_en, summary_zh, \
                     summary_en, material, effective_at, published_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                )
                .bind(d.kind)
                .bind(i64::from(next))
                .bind(&d.body_zh)
                .bind(&d.body_en)
                .bind(&d.summary_zh)
                .bind(&d.summary_en)
                .bind(d.material)
                .bind(d.effective_at)
                .bind(d.published_at)
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(Ok(next))
            }

            async fn document_versions(&self) -> anyhow::Result<Vec<DocumentVersionRow>> {
                let rows = sqlx::query(
                    "SELECT kind, version, summary_zh, summary_en, material, effective_at, \
                     published_at FROM document_versions ORDER BY kind, version",
                )
                .fetch_all(&self.reader)
                .await?;
                Ok(rows
                    .into_iter()
                    .map(|r| DocumentVersionRow {
                        kind: r.get(0),
                        version: r.get::<i64, _>(1) as u32,
                        summary_zh: r.get(2),
                        summary_en: r.get(3),
                        material: r.get(4),
                        effective_at: r.get(5),
                        published_at: r.get(6),
                    })
                    .collect())
            }

            async fn document_bodies(
                &self,
                kind: &str,
                version: u32,
            ) -> anyhow::Result<Option<(String, String)>> {
                let row = sqlx::query(
                    "SELECT body_zh, body_en FROM document_versions WHERE kind = $1 AND version = $2",
                )
                .bind(kind)
                .bind(i64::from(version))
                .fetch_optional(&self.reader)
                .await?;
                Ok(row.map(|r| (r.get(0), r.get(1))))
            }

            async fn first_consent_at(&self, document: &str) -> anyhow::Result<Option<Timestamp>> {
                Ok(sqlx::query_scalar(
                    "SELECT MIN(accepted_at) FROM consent_records WHERE document = $1",
                )
                .bind(document)
                .fetch_one(&self.reader)
                .await?)
            }

            async fn consents(&self, account_id: i64) -> anyhow::Result<Vec<ConsentRow>> {
                let rows = sqlx::query(
                    "SELECT document, version, accepted_at, method FROM consent_records \
                     WHERE account_id = $1 ORDER BY accepted_at, id",
                )
                .bind(account_id)
                .fetch_all(&self.reader)
                .await?;
                Ok(rows
                    .into_iter()
                    .map(|r| ConsentRow {
                        document: r.get(0),
                        version: r.get::<i64, _>(1) as u32,
                        accepted_at: r.get(2),
                        method: r.get(3),
                    })
                    .collect())
            }

            async fn record_consents(&self, consents: NewConsents) -> anyhow::Result<u32> {
                let mut tx = self.begin().await?;
                let written = insert_consents_in(&mut tx, &consents).await?;
                tx.commit().await?;
                Ok(written)
            }
        }
    };
}
