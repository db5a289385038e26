-- The researchers' side.

-- Live totals of completed responses, kept up to date at each completion (and each deletion), so
-- the dashboard adds up a few thousand rows instead of scanning a million. One row per day,
-- district, income band, question and answer: `n` responses gave that answer; for numeric
-- questions `total` and `total_squares` sum the values (mean and confidence intervals), and
-- `answer` is the value itself (whole numbers) or the lower bound of its bucket (money).
-- Pseudo-questions start with `_`: `_duration` (seconds to complete, bucketed) and
-- `_likely_spend` (grocery spend of those likely / unlikely to shop at the new store).
-- `SurveyApp rebuild-counts` recomputes it from `responses`.
CREATE TABLE IF NOT EXISTS response_counts (
    day DATE NOT NULL,
    district VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    income_band VARCHAR(8) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    question VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    answer VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    n BIGINT NOT NULL,
    total DECIMAL(20, 2) NOT NULL DEFAULT 0,
    total_squares DECIMAL(30, 4) NOT NULL DEFAULT 0,
    PRIMARY KEY (day, district, income_band, question, answer)
) ENGINE=InnoDB DEFAULT CHARSET=ascii COLLATE=ascii_bin;

-- Every CSV export, append-only: a row is written when an export ends (finished, or cut short by
-- the client), with its row count and the SHA-256 of the bytes sent; triggers refuse any UPDATE
-- or DELETE, so neither a bug nor a curious researcher can rewrite history.
CREATE TABLE IF NOT EXISTS export_audit (
    id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    user_id BIGINT UNSIGNED NOT NULL,
    user_email VARCHAR(254) NOT NULL,
    created_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    kind VARCHAR(16) CHARACTER SET ascii NOT NULL,
    preset VARCHAR(64) CHARACTER SET ascii NOT NULL,
    filters VARCHAR(512) NOT NULL,
    survey_version SMALLINT UNSIGNED NOT NULL,
    row_count BIGINT UNSIGNED NOT NULL,
    byte_count BIGINT UNSIGNED NOT NULL,
    sha256 CHAR(64) CHARACTER SET ascii NOT NULL,
    finished BOOLEAN NOT NULL,
    KEY export_audit_created (created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TRIGGER IF NOT EXISTS export_audit_no_update BEFORE UPDATE ON export_audit FOR EACH ROW
    SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'export_audit is append-only';

CREATE TRIGGER IF NOT EXISTS export_audit_no_delete BEFORE DELETE ON export_audit FOR EACH ROW
    SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'export_audit is append-only';
