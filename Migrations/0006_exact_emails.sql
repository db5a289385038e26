-- Emails are compared exactly. The app stores and looks them up lowercased; the table's
-- accent-insensitive collation also made `jose@…` and `josé@…` (two mailboxes) one account, and
-- let a login as `résearcher@…` find `researcher@…` with its own, fresh, failure counts.
UPDATE users SET email = LOWER(email);
ALTER TABLE users MODIFY email VARCHAR(254) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL;
